package dev.wheelfarm.index;

import java.io.IOException;
import java.nio.file.Path;

import org.springframework.context.ApplicationContext;

/** The static export, for tests of other features that check what it writes. */
public final class IndexExports {

	private IndexExports() {
	}

	/** Brings {@code directory} up to date as the export schedule does. */
	public static void export(ApplicationContext context, Path directory) throws IOException {
		context.getBean(StaticExporter.class).export(directory);
	}

}

package dev.wheelfarm.dispatch.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

/** The published result.json schema, as shipped in the jar, applied to real results. */
final class ResultSchema {

	private static final Schema SCHEMA = load();

	private ResultSchema() {
	}

	static List<String> errors(Path resultJson) {
		try {
			String text = Files.readString(resultJson, StandardCharsets.UTF_8);
			return SCHEMA.validate(text, InputFormat.JSON).stream().map(Error::toString).toList();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	static List<String> errors(String json) {
		return SCHEMA.validate(json, InputFormat.JSON).stream().map(Error::toString).toList();
	}

	private static Schema load() {
		try (InputStream in = ResultSchema.class.getClassLoader()
			.getResourceAsStream("wheelfarm/worker-templates/result.schema.json")) {
			if (in == null) {
				throw new IllegalStateException("result.schema.json is not on the classpath");
			}
			return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
				.getSchema(new String(in.readAllBytes(), StandardCharsets.UTF_8), InputFormat.JSON);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}

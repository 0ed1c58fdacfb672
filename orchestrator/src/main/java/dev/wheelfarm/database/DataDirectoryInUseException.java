package dev.wheelfarm.database;

import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Another process holds the data directory: a second farm on it would stop the first
 * one's PostgreSQL and take over its builds, so this one does not start.
 */
public class DataDirectoryInUseException extends IllegalStateException {

	private final transient Path directory;

	private final OptionalLong holderPid;

	DataDirectoryInUseException(Path directory, OptionalLong holderPid) {
		super("The data directory " + directory + " is in use by another Wheelfarm process ("
				+ (holderPid.isPresent() ? "pid " + holderPid.getAsLong() : "pid not known") + ", which holds "
				+ directory.resolve(DataDirectoryLock.FILE_NAME) + ")");
		this.directory = directory;
		this.holderPid = holderPid;
	}

	DataDirectoryInUseException(Path directory, String holder) {
		super("The data directory " + directory + " is in use by another process (" + holder + ")");
		this.directory = directory;
		this.holderPid = OptionalLong.empty();
	}

	public Path directory() {
		return this.directory;
	}

	public OptionalLong holderPid() {
		return this.holderPid;
	}

}

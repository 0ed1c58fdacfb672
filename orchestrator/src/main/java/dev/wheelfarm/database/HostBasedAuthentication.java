package dev.wheelfarm.database;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The embedded cluster's {@code pg_hba.conf}: every connection, over TCP or the Unix
 * socket, must give the password (SCRAM-SHA-256). zonky's initdb writes {@code trust} for
 * everyone; this file replaces it at every start, before the server listens.
 */
final class HostBasedAuthentication {

	private static final String MARKER = "# Written by Wheelfarm";

	private static final String CONTENT = MARKER + """
			 at every start of its embedded PostgreSQL: every connection needs the
			# password in <data-dir>/postgres-password. Changes made here are overwritten.
			local   all           all                  scram-sha-256
			host    all           all   127.0.0.1/32   scram-sha-256
			host    all           all   ::1/128        scram-sha-256
			local   replication   all                  scram-sha-256
			host    replication   all   127.0.0.1/32   scram-sha-256
			""";

	private HostBasedAuthentication() {
	}

	/**
	 * Whether the cluster's file is ours; a cluster made by an earlier version has the
	 * {@code trust} file initdb wrote.
	 */
	static boolean isWritten(Path clusterDir) {
		Path file = clusterDir.resolve("pg_hba.conf");
		try {
			List<String> lines = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
			return !lines.isEmpty() && lines.get(0).startsWith(MARKER);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not read " + file, ex);
		}
	}

	static void write(Path clusterDir) {
		Path file = clusterDir.resolve("pg_hba.conf");
		try {
			Files.writeString(file, CONTENT, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not write " + file, ex);
		}
	}

}

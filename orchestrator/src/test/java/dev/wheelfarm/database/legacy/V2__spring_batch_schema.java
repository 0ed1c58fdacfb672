package dev.wheelfarm.database.legacy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.sql.Statement;

import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * The V2 migration as the farm shipped it before issue 18 (then
 * {@code db.migration.V2__spring_batch_schema} in the db module): it read Spring Batch's
 * DDL from the jar at run time, so Flyway recorded it as a JDBC migration without a
 * checksum. Kept here, unchanged but for its package, only to build a database the way an
 * existing farm has one.
 */
public class V2__spring_batch_schema extends BaseJavaMigration {

	static final String SCRIPT = "org/springframework/batch/core/schema-postgresql.sql";

	@Override
	public void migrate(Context context) throws SQLException {
		try (Statement statement = context.getConnection().createStatement()) {
			// The script has plain statements only (no functions), so ';' ends each one.
			for (String sql : readScript().split(";")) {
				String withoutComments = sql.replaceAll("(?m)^\\s*--.*$", "").strip();
				if (!withoutComments.isEmpty()) {
					statement.execute(withoutComments);
				}
			}
		}
	}

	private String readScript() {
		ClassLoader loader = Thread.currentThread().getContextClassLoader();
		try (InputStream in = (loader != null) ? loader.getResourceAsStream(SCRIPT)
				: V2__spring_batch_schema.class.getClassLoader().getResourceAsStream(SCRIPT)) {
			if (in == null) {
				throw new IllegalStateException(SCRIPT + " is not on the classpath: is spring-batch-core missing?");
			}
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not read " + SCRIPT, ex);
		}
	}

}

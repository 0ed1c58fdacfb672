package db.migration;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.sql.Statement;

import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * Installs Spring Batch's job repository tables from the script that ships in the Spring
 * Batch jar, so that the batch schema is versioned with ours (one migration history, one
 * database) and always matches the Spring Batch version on the classpath at first start.
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

package dev.wheelfarm.database;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The checked-in V2 migration creates exactly the job repository Spring Batch expects:
 * the statements of the script the spring-batch-core jar on the classpath ships. A Spring
 * Batch upgrade that changes its schema fails here, and then needs a migration of its own
 * (V2 has run on every farm and must not change).
 */
class BatchSchemaMatchesSpringBatchTest {

	private static final String MIGRATION = "db/migration/V2__spring_batch_schema.sql";

	private static final String SPRING_BATCH_SCRIPT = "org/springframework/batch/core/schema-postgresql.sql";

	@Test
	void theMigrationHasSpringBatchsStatements() throws IOException {
		List<String> shipped = statements(read(SPRING_BATCH_SCRIPT));
		assertThat(shipped).as("Spring Batch's tables and sequences").hasSize(9);
		assertThat(statements(read(MIGRATION))).containsExactlyElementsOf(shipped);
	}

	@Test
	void normalisingKeepsWhatChangesTheSchema() {
		assertThat(statements("-- a comment\nCREATE TABLE t (\n\ta  BIGINT NOT NULL ) ;\n"))
			.containsExactly(statements("create table T (A bigint not null);").get(0));
		assertThat(statements("CREATE TABLE t (a BIGINT);"))
			.isNotEqualTo(statements("CREATE TABLE t (a BIGINT NOT NULL);"))
			.isNotEqualTo(statements("CREATE TABLE t (a VARCHAR(100));"));
	}

	/**
	 * The script's statements without comments, in one case, with whitespace only where
	 * it separates words: layout is not schema.
	 */
	static List<String> statements(String script) {
		String withoutComments = script.replaceAll("--[^\n]*", "");
		return Arrays.stream(withoutComments.split(";"))
			.map((statement) -> statement.replaceAll("\\s+", " ")
				.replaceAll(" ?([(),]) ?", "$1")
				.strip()
				.toUpperCase(Locale.ROOT))
			.filter((statement) -> !statement.isEmpty())
			.toList();
	}

	private static String read(String resource) throws IOException {
		try (InputStream in = BatchSchemaMatchesSpringBatchTest.class.getClassLoader().getResourceAsStream(resource)) {
			assertThat(in).as(resource + " on the classpath").isNotNull();
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
	}

}

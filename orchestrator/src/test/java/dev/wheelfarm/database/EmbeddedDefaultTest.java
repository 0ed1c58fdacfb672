package dev.wheelfarm.database;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.wheelfarm.WheelfarmApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The zero-configuration path of the README's run command: no datasource, only a data
 * directory. The embedded PostgreSQL is real, and a second start finds the first one's
 * data.
 */
class EmbeddedDefaultTest {

	@TempDir
	Path dataDir;

	@Test
	void startsWithNoConfigurationAndKeepsDataAcrossRestarts() throws Exception {
		try (ConfigurableApplicationContext first = start()) {
			assertThat(health(first)).contains("\"status\":\"UP\"");
			assertThat(first.getBean(EmbeddedPostgresStartup.class).isTaken())
				.as("the data source took over the server started ahead of the context")
				.isTrue();
			JdbcTemplate jdbc = first.getBean(JdbcTemplate.class);
			jdbc.update("INSERT INTO project (name, display_name) VALUES ('kept-across-restarts', 'Kept')");
		}
		assertThat(this.dataDir.resolve("postgres/PG_VERSION")).exists();

		try (ConfigurableApplicationContext second = start()) {
			assertThat(health(second)).contains("\"status\":\"UP\"");
			JdbcTemplate jdbc = second.getBean(JdbcTemplate.class);
			assertThat(jdbc.queryForObject("SELECT display_name FROM project WHERE name = 'kept-across-restarts'",
					String.class))
				.isEqualTo("Kept");
			assertThat(second.getBean(org.flywaydb.core.Flyway.class).info().pending()).isEmpty();
		}
		assertThat(Files.exists(this.dataDir.resolve("postgres/postmaster.pid")))
			.as("the embedded server stops with the application")
			.isFalse();
	}

	private ConfigurableApplicationContext start() {
		// Explicitly empty: the embedded database is chosen because no URL is configured.
		return WheelfarmApplication.application()
			.run("--wheelfarm.data-dir=" + this.dataDir, "--server.port=0", "--spring.datasource.url=");
	}

	private String health(ConfigurableApplicationContext context) throws Exception {
		int port = ((WebServerApplicationContext) context).getWebServer().getPort();
		return HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health")).build(),
					HttpResponse.BodyHandlers.ofString())
			.body();
	}

}

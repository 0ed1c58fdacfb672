package dev.wheelfarm;

import dev.wheelfarm.database.DataDirectoryLocking;
import dev.wheelfarm.database.EmbeddedPostgresEarlyStart;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The Wheelfarm orchestrator: one process that watches PyPI, keeps the build ledger,
 * dispatches builds and serves the supplementary index.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class WheelfarmApplication {

	public static void main(String[] args) {
		application().run(args);
	}

	/**
	 * The application as {@link #main} runs it: the data directory is locked first (a
	 * second farm on it stops at once), then the embedded PostgreSQL, when it is the one
	 * to use, starts while the context is still being set up.
	 */
	public static SpringApplication application() {
		SpringApplication application = new SpringApplication(WheelfarmApplication.class);
		application.addInitializers(new DataDirectoryLocking(), new EmbeddedPostgresEarlyStart());
		return application;
	}

}

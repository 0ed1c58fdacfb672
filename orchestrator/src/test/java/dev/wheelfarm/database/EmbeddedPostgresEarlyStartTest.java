package dev.wheelfarm.database;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The embedded PostgreSQL started ahead of the context must never outlive a start-up that
 * fails, and must not start at all when a database is configured. (The path where the
 * data source takes it over is {@link EmbeddedDefaultTest}.)
 */
class EmbeddedPostgresEarlyStartTest {

	@TempDir
	Path dataDir;

	@Test
	void aStartUpThatFailsBeforeTheDataSourceStopsTheServerItStarted() {
		assertThatExceptionOfType(BeanCreationException.class)
			.isThrownBy(() -> run(FailingStartUp.class, "--spring.datasource.url="))
			.withMessageContaining("refused");

		Path cluster = this.dataDir.resolve("postgres");
		assertThat(cluster.resolve("PG_VERSION")).as("the server was started early").exists();
		assertThat(Files.exists(cluster.resolve("postmaster.pid"))).as("and stopped with the failed start-up")
			.isFalse();
	}

	@Test
	void aStartUpThatNeverUsesTheServerStopsItOnClose() {
		try (ConfigurableApplicationContext context = run(NoDataSource.class, "--spring.datasource.url=")) {
			assertThat(context.getBean(EmbeddedPostgresStartup.class).isTaken()).isFalse();
		}
		// Closing waited for the start still under way, then stopped the server.
		assertThat(this.dataDir.resolve("postgres/PG_VERSION")).exists();
		assertThat(Files.exists(this.dataDir.resolve("postgres/postmaster.pid"))).isFalse();
	}

	@Test
	void nothingStartsWhenADatabaseIsConfigured() {
		try (ConfigurableApplicationContext context = run(NoDataSource.class,
				"--spring.datasource.url=jdbc:postgresql://127.0.0.1:1/configured")) {
			assertThat(context.getBeansOfType(EmbeddedPostgresStartup.class)).isEmpty();
		}
		assertThat(this.dataDir.resolve("postgres")).doesNotExist();
	}

	private ConfigurableApplicationContext run(Class<?> source, String datasourceUrl) {
		SpringApplication application = new SpringApplication(source);
		application.setWebApplicationType(WebApplicationType.NONE);
		application.addInitializers(new EmbeddedPostgresEarlyStart());
		return application.run("--wheelfarm.data-dir=" + this.dataDir, datasourceUrl);
	}

	@Configuration(proxyBeanMethods = false)
	static class NoDataSource {

	}

	@Configuration(proxyBeanMethods = false)
	static class FailingStartUp {

		@Bean
		String refusingBean() {
			throw new IllegalStateException("refused");
		}

	}

}

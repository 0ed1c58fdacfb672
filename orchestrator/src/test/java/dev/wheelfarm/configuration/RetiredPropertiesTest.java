package dev.wheelfarm.configuration;

import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A start with a retired property name stops before anything is created, naming what
 * replaced it; the new names start. Each case runs a real {@code SpringApplication} (the
 * post-processor is found through spring.factories, as in the farm) around an empty
 * configuration, so a check that let a name through would start nothing harmful.
 */
class RetiredPropertiesTest {

	@Test
	void theOldEngineSwitchStopsTheStartNamingItsReplacement() {
		assertThatExceptionOfType(RetiredPropertyException.class).isThrownBy(() -> start("--wheelfarm.builder=github"))
			.withMessageContaining("wheelfarm.builder is no longer read: set wheelfarm.engine instead");
	}

	@Test
	void theOldRunLimitsAreFoundInEverySpellingAndAllReportedAtOnce() {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources()
			.addFirst(new SystemEnvironmentPropertySource("test-systemEnvironment",
					Map.of("WHEELFARM_GITHUB_RUNTIMEOUT", "2h", "WHEELFARM_BUILDER_LOCAL_FETCHRETRIES", "1")));
		assertThatExceptionOfType(RetiredPropertyException.class)
			.isThrownBy(() -> start(environment, "--wheelfarm.builder.local.timeout=30m"))
			.satisfies((ex) -> assertThat(ex.problems()).hasSize(3))
			.withMessageContaining("wheelfarm.builder.local.timeout is no longer read: set "
					+ "wheelfarm.dispatch.run-timeout instead")
			.withMessageContaining(
					"wheelfarm.github.run-timeout is no longer read: set " + "wheelfarm.dispatch.run-timeout instead")
			.withMessageContaining("wheelfarm.builder.local.fetch-retries is no longer read: set "
					+ "wheelfarm.local.fetch-retries instead");
	}

	@Test
	void theNewNamesStart() {
		try (ConfigurableApplicationContext context = start("--wheelfarm.engine=local",
				"--wheelfarm.local.python=python3", "--wheelfarm.dispatch.run-timeout=1h")) {
			assertThat(context.getEnvironment().getProperty("wheelfarm.engine")).isEqualTo("local");
		}
	}

	@Test
	void theReportSaysWhatToRename() {
		FailureAnalysis analysis = new RetiredPropertyFailureAnalyzer().analyze(new RetiredPropertyException(
				java.util.List.of("wheelfarm.builder is no longer read: set " + "wheelfarm.engine instead (why)")));
		assertThat(analysis.getDescription()).contains("- wheelfarm.builder is no longer read");
		assertThat(analysis.getAction()).contains("Renamed properties");
	}

	private static ConfigurableApplicationContext start(String... args) {
		return start(new StandardEnvironment(), args);
	}

	private static ConfigurableApplicationContext start(StandardEnvironment environment, String... args) {
		return new SpringApplicationBuilder(Empty.class).web(WebApplicationType.NONE)
			.environment(environment)
			.logStartupInfo(false)
			.run(args);
	}

	@Configuration(proxyBeanMethods = false)
	static class Empty {

	}

}

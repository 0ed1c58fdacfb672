package dev.wheelfarm.dispatch.local;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import dev.wheelfarm.dispatch.local.LocalBuilderProperties.CibuildwheelMode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@code wheelfarm.local.*} binds; the documented defaults are checked against the
 * generated metadata by ConfigurationDocTest.
 */
class LocalBuilderPropertiesTest {

	@Test
	void theDefaultsTheTestsUseAreWhatAFarmWithoutConfigurationBinds() {
		assertThat(bind(Map.of())).isEqualTo(LocalBuilderProperties.defaults("python3"));
	}

	@Test
	void bindsEveryProperty() {
		LocalBuilderProperties properties = bind(
				Map.of("wheelfarm.local.python", "/usr/bin/python3", "wheelfarm.local.offline", "false",
						"wheelfarm.local.index-url", "https://mirror.example/simple/", "wheelfarm.local.cibuildwheel",
						"plan", "wheelfarm.local.build-selector", "cp312-*", "wheelfarm.local.skip-selector",
						"*-musllinux_*", "wheelfarm.local.fetch-retries", "2", "wheelfarm.local.fetch-backoff", "1s"));

		assertThat(properties)
			.isEqualTo(new LocalBuilderProperties("/usr/bin/python3", false, "https://mirror.example/simple/",
					CibuildwheelMode.PLAN, "cp312-*", "*-musllinux_*", 2, Duration.ofSeconds(1)));
	}

	@Test
	void rejectsFetchRetriesOutOfRange() {
		assertThatExceptionOfType(BindException.class)
			.isThrownBy(() -> bind(Map.of("wheelfarm.local.fetch-retries", "21")))
			.havingRootCause()
			.withMessageContaining("wheelfarm.local.fetch-retries");
	}

	private static LocalBuilderProperties bind(Map<String, String> values) {
		return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("wheelfarm.local",
				LocalBuilderProperties.class);
	}

}

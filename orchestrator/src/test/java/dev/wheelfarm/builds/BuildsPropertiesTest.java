package dev.wheelfarm.builds;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class BuildsPropertiesTest {

	@Test
	void backoffDoublesFromTheBaseAndStopsAtTheCap() {
		BuildsProperties properties = bind(
				Map.of("wheelfarm.builds.retry-base-delay", "30s", "wheelfarm.builds.retry-max-delay", "5m"));
		assertThat(properties.retryDelayAfter(1)).isEqualTo(Duration.ofSeconds(30));
		assertThat(properties.retryDelayAfter(2)).isEqualTo(Duration.ofMinutes(1));
		assertThat(properties.retryDelayAfter(3)).isEqualTo(Duration.ofMinutes(2));
		assertThat(properties.retryDelayAfter(4)).isEqualTo(Duration.ofMinutes(4));
		assertThat(properties.retryDelayAfter(5)).isEqualTo(Duration.ofMinutes(5));
		assertThat(properties.retryDelayAfter(500)).isEqualTo(Duration.ofMinutes(5));
	}

	@Test
	void nonsenseIsRefusedWithThePropertyName() {
		assertThatExceptionOfType(BindException.class)
			.isThrownBy(() -> bind(Map.of("wheelfarm.builds.max-attempts", "0")))
			.havingRootCause()
			.withMessageContaining("wheelfarm.builds.max-attempts");
		assertThatExceptionOfType(BindException.class)
			.isThrownBy(() -> bind(Map.of("wheelfarm.builds.retry-max-delay", "10s")))
			.havingRootCause()
			.withMessageContaining("retry-max-delay");
		assertThatExceptionOfType(BindException.class)
			.isThrownBy(() -> bind(Map.of("wheelfarm.builds.rebuilds-per-project-per-day", "0")))
			.havingRootCause()
			.withMessageContaining("wheelfarm.builds.rebuilds-per-project-per-day");
	}

	private static BuildsProperties bind(Map<String, String> values) {
		return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("wheelfarm.builds",
				BuildsProperties.class);
	}

}

package dev.wheelfarm.retention;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class RetentionPropertiesTest {

	@Test
	void everyPropertyBinds() {
		assertThat(bind(Map.of("wheelfarm.retention.enabled", "false", "wheelfarm.retention.interval", "12h")))
			.isEqualTo(new RetentionProperties(false, Duration.ofHours(12)));
	}

	@Test
	void anIntervalUnderAMinuteIsRefusedWithThePropertyName() {
		for (String interval : new String[] { "0s", "30s", "-1d" }) {
			assertThatExceptionOfType(BindException.class).as(interval)
				.isThrownBy(() -> bind(Map.of("wheelfarm.retention.interval", interval)))
				.havingRootCause()
				.withMessageContaining("wheelfarm.retention.interval");
		}
	}

	private static RetentionProperties bind(Map<String, String> values) {
		return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("wheelfarm.retention",
				RetentionProperties.class);
	}

}

package dev.wheelfarm.stages;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class StagesPropertiesTest {

	@Test
	void everyPropertyBinds() {
		assertThat(bind(Map.of("wheelfarm.stages.ttl", "36h", "wheelfarm.stages.expiry-interval", "5m")))
			.isEqualTo(new StagesProperties(Duration.ofHours(36), Duration.ofMinutes(5)));
	}

	@Test
	void zeroIsRefused() {
		assertThatExceptionOfType(BindException.class).isThrownBy(() -> bind(Map.of("wheelfarm.stages.ttl", "0s")))
			.havingRootCause()
			.withMessageContaining("wheelfarm.stages.ttl");
		assertThatExceptionOfType(BindException.class)
			.isThrownBy(() -> bind(Map.of("wheelfarm.stages.expiry-interval", "-1m")))
			.havingRootCause()
			.withMessageContaining("wheelfarm.stages.expiry-interval");
	}

	@Test
	void aStageTokenIs256UrlSafeRandomBits() {
		String token = Stages.newToken();
		assertThat(token).matches("[A-Za-z0-9_-]{43}");
		assertThat(java.util.Base64.getUrlDecoder().decode(token)).hasSize(32);
		assertThat(Stages.newToken()).isNotEqualTo(token);
	}

	private static StagesProperties bind(Map<String, String> values) {
		return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("wheelfarm.stages",
				StagesProperties.class);
	}

}

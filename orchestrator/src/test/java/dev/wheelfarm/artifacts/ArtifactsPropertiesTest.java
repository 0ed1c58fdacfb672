package dev.wheelfarm.artifacts;

import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class ArtifactsPropertiesTest {

	@Test
	void sizesBindFromTheirUsualSpelling() {
		ArtifactsProperties properties = bind(Map.of("wheelfarm.artifacts.max-wheel-size", "20MB",
				"wheelfarm.artifacts.max-uncompressed-size", "200MB", "wheelfarm.artifacts.max-entries", "100"));
		assertThat(properties.maxWheelSize()).isEqualTo(DataSize.ofMegabytes(20));
		assertThat(properties.maxUncompressedSize()).isEqualTo(DataSize.ofMegabytes(200));
		assertThat(properties.maxEntries()).isEqualTo(100);
	}

	@Test
	void nonsenseIsRefusedWithThePropertyName() {
		assertThatExceptionOfType(BindException.class)
			.isThrownBy(() -> bind(Map.of("wheelfarm.artifacts.max-entries", "0")))
			.havingRootCause()
			.withMessageContaining("wheelfarm.artifacts.max-entries");
	}

	private static ArtifactsProperties bind(Map<String, String> values) {
		return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("wheelfarm.artifacts",
				ArtifactsProperties.class);
	}

}

package dev.wheelfarm.index;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class IndexPropertiesTest {

	@Test
	void everyPropertyBinds() {
		IndexProperties properties = bind(Map.of("wheelfarm.index.base-url", "https://farm.example/",
				"wheelfarm.index.export-dir", "/srv/index", "wheelfarm.index.export-interval", "30s",
				"wheelfarm.index.page-cache-ttl", "0s", "wheelfarm.index.page-max-age", "10m"));
		assertThat(properties.baseUrl()).isEqualTo("https://farm.example");
		assertThat(properties.exportDir()).isEqualTo(Path.of("/srv/index"));
		assertThat(properties.exportInterval()).isEqualTo(Duration.ofSeconds(30));
		assertThat(properties.pageCacheTtl()).isZero();
		assertThat(properties.pageMaxAge()).isEqualTo(Duration.ofMinutes(10));
	}

	@Test
	void aBaseUrlThatIsNotHttpIsRefused() {
		assertThatExceptionOfType(BindException.class)
			.isThrownBy(() -> bind(Map.of("wheelfarm.index.base-url", "file:///etc")))
			.havingRootCause()
			.withMessageContaining("wheelfarm.index.base-url");
		assertThatExceptionOfType(BindException.class)
			.isThrownBy(() -> bind(Map.of("wheelfarm.index.export-interval", "0s")))
			.havingRootCause()
			.withMessageContaining("wheelfarm.index.export-interval");
	}

	private static IndexProperties bind(Map<String, String> values) {
		return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("wheelfarm.index",
				IndexProperties.class);
	}

}

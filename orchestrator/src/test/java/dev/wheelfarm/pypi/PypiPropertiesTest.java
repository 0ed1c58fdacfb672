package dev.wheelfarm.pypi;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code wheelfarm.pypi.*} binds with the documented defaults and the documented names.
 */
class PypiPropertiesTest {

	@Test
	void everyPropertyBindsFromItsDocumentedName() {
		PypiProperties bound = bind(Map.ofEntries(Map.entry("wheelfarm.pypi.base-url", "http://127.0.0.1:9999/"),
				Map.entry("wheelfarm.pypi.contact", "mailto:ops@farm.example"),
				Map.entry("wheelfarm.pypi.watch-enabled", "false"), Map.entry("wheelfarm.pypi.poll-interval", "30s"),
				Map.entry("wheelfarm.pypi.reconcile-interval", "6h"), Map.entry("wheelfarm.pypi.connect-timeout", "2s"),
				Map.entry("wheelfarm.pypi.read-timeout", "20s"), Map.entry("wheelfarm.pypi.max-page-size", "20MB"),
				Map.entry("wheelfarm.pypi.max-index-size", "1GB"), Map.entry("wheelfarm.pypi.max-retries", "5"),
				Map.entry("wheelfarm.pypi.initial-backoff", "250ms"), Map.entry("wheelfarm.pypi.max-backoff", "2m")));
		assertThat(bound.baseUrl()).as("the trailing slash is dropped").isEqualTo(URI.create("http://127.0.0.1:9999"));
		assertThat(bound.contact()).isEqualTo("mailto:ops@farm.example");
		assertThat(bound.watchEnabled()).isFalse();
		assertThat(bound.pollInterval()).isEqualTo(Duration.ofSeconds(30));
		assertThat(bound.reconcileInterval()).isEqualTo(Duration.ofHours(6));
		assertThat(bound.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
		assertThat(bound.readTimeout()).isEqualTo(Duration.ofSeconds(20));
		assertThat(bound.maxPageSize()).isEqualTo(DataSize.ofMegabytes(20));
		assertThat(bound.maxIndexSize()).isEqualTo(DataSize.ofGigabytes(1));
		assertThat(bound.maxRetries()).isEqualTo(5);
		assertThat(bound.initialBackoff()).isEqualTo(Duration.ofMillis(250));
		assertThat(bound.maxBackoff()).isEqualTo(Duration.ofMinutes(2));
	}

	private static PypiProperties bind(Map<String, String> values) {
		return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("wheelfarm.pypi",
				PypiProperties.class);
	}

}

package dev.wheelfarm.optin;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class OptInPropertiesTest {

	@Test
	void withoutACacheDirTheCacheIsUnderTheDataDirectory() {
		OptInProperties defaults = bind(Map.of());
		assertThat(defaults.cacheDirUnder(Path.of("/data"))).isEqualTo(Path.of("/data/optin-cache"));
	}

	@Test
	void everyPropertyBinds() {
		OptInProperties properties = bind(
				Map.of("wheelfarm.optin.allow-file-urls", "true", "wheelfarm.optin.resync-enabled", "false",
						"wheelfarm.optin.resync-interval", "15m", "wheelfarm.optin.max-config-bytes", "64KB",
						"wheelfarm.optin.fetch-timeout", "5s", "wheelfarm.optin.cache-dir", "/var/cache/wheelfarm",
						"wheelfarm.optin.allowed-internal-hosts", "git.internal, 10.0.0.7:8443",
						"wheelfarm.optin.registrations-per-client", "3", "wheelfarm.optin.registration-window", "10m"));
		assertThat(properties).isEqualTo(new OptInProperties(true, false, Duration.ofMinutes(15),
				DataSize.ofKilobytes(64), Duration.ofSeconds(5), Path.of("/var/cache/wheelfarm"),
				List.of("git.internal", "10.0.0.7:8443"), 3, Duration.ofMinutes(10)));
		assertThat(properties.cacheDirUnder(Path.of("/data"))).isEqualTo(Path.of("/var/cache/wheelfarm"));
	}

	@Test
	void nonsenseIsRefusedWithThePropertyName() {
		assertThatExceptionOfType(BindException.class)
			.isThrownBy(() -> bind(Map.of("wheelfarm.optin.max-config-bytes", "1GB")))
			.havingRootCause()
			.withMessageContaining("wheelfarm.optin.max-config-bytes");
		assertThatExceptionOfType(BindException.class)
			.isThrownBy(() -> bind(Map.of("wheelfarm.optin.fetch-timeout", "0s")))
			.havingRootCause()
			.withMessageContaining("wheelfarm.optin.fetch-timeout");
		assertThatExceptionOfType(BindException.class)
			.isThrownBy(() -> bind(Map.of("wheelfarm.optin.allowed-internal-hosts", "git.internal:http")))
			.havingRootCause()
			.withMessageContaining("wheelfarm.optin.allowed-internal-hosts");
		assertThatExceptionOfType(BindException.class)
			.isThrownBy(() -> bind(Map.of("wheelfarm.optin.registrations-per-client", "0")))
			.havingRootCause()
			.withMessageContaining("wheelfarm.optin.registrations-per-client");
	}

	private static OptInProperties bind(Map<String, String> values) {
		return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("wheelfarm.optin",
				OptInProperties.class);
	}

}

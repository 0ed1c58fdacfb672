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

/** {@code wheelfarm.builder.local.*} binds with the defaults docs/operators.md lists. */
class LocalBuilderPropertiesTest {

	@Test
	void defaultsNeedNoConfiguration() {
		LocalBuilderProperties properties = bind(Map.of());

		assertThat(properties).isEqualTo(LocalBuilderProperties.defaults("python3"));
		assertThat(properties.timeout()).isEqualTo(Duration.ofHours(2));
		assertThat(properties.offline()).isTrue();
		assertThat(properties.cibuildwheel()).isEqualTo(CibuildwheelMode.AUTO);
	}

	@Test
	void bindsEveryProperty() {
		LocalBuilderProperties properties = bind(Map.of("wheelfarm.builder.local.python", "/usr/bin/python3",
				"wheelfarm.builder.local.timeout", "30m", "wheelfarm.builder.local.offline", "false",
				"wheelfarm.builder.local.index-url", "https://mirror.example/simple/",
				"wheelfarm.builder.local.cibuildwheel", "plan", "wheelfarm.builder.local.build-selector", "cp312-*",
				"wheelfarm.builder.local.skip-selector", "*-musllinux_*", "wheelfarm.builder.local.fetch-retries", "2",
				"wheelfarm.builder.local.fetch-backoff", "1s"));

		assertThat(properties).isEqualTo(new LocalBuilderProperties("/usr/bin/python3", Duration.ofMinutes(30), false,
				"https://mirror.example/simple/", CibuildwheelMode.PLAN, "cp312-*", "*-musllinux_*", 2,
				Duration.ofSeconds(1)));
	}

	@Test
	void rejectsANonPositiveTimeout() {
		assertThatExceptionOfType(BindException.class)
			.isThrownBy(() -> bind(Map.of("wheelfarm.builder.local.timeout", "0s")));
	}

	private static LocalBuilderProperties bind(Map<String, String> values) {
		return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("wheelfarm.builder.local",
				LocalBuilderProperties.class);
	}

}

package dev.wheelfarm.database;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class DataDirectoryPropertiesTest {

	@Test
	void aRelativeDataDirIsResolvedOnceAgainstTheWorkingDirectory() {
		DataDirectoryProperties properties = bind(Map.of("wheelfarm.data-dir", "farm/../farm-data"));
		assertThat(properties.dataDir()).isEqualTo(Path.of("farm-data").toAbsolutePath());
		assertThat(properties.embeddedPostgresDir()).isEqualTo(Path.of("farm-data", "postgres").toAbsolutePath());
	}

	@Test
	void aMissingDataDirIsAClearError() {
		assertThatExceptionOfType(BindException.class).isThrownBy(() -> bind(Map.of("wheelfarm.other", "x")))
			.havingRootCause()
			.withMessage("wheelfarm.data-dir must be set");
	}

	private static DataDirectoryProperties bind(Map<String, String> values) {
		return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("wheelfarm",
				DataDirectoryProperties.class);
	}

}

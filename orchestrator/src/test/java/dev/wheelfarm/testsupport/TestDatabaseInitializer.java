package dev.wheelfarm.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;

/**
 * Points an application context at a fresh test database and a fresh data directory, so a
 * test never touches the user's {@code ~/.wheelfarm} nor another test's rows.
 */
public class TestDatabaseInitializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {

	@Override
	public void initialize(ConfigurableApplicationContext context) {
		TestDatabase.Coordinates database = TestDatabase.freshDatabase();
		Path dataDir;
		try {
			dataDir = Files.createTempDirectory("wheelfarm-test-data");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		Map<String, Object> properties = new java.util.HashMap<>();
		properties.put("spring.datasource.url", database.jdbcUrl());
		if (database.username() != null) {
			properties.put("spring.datasource.username", database.username());
		}
		if (database.password() != null) {
			properties.put("spring.datasource.password", database.password());
		}
		properties.put("wheelfarm.data-dir", dataDir.toString());
		// Tests drive PyPI watch cycles and opt-in re-syncs themselves,
		// deterministically; a
		// test that wants a schedule says so with its own property.
		for (String schedule : new String[] { "wheelfarm.pypi.watch-enabled", "wheelfarm.optin.resync-enabled" }) {
			if (!context.getEnvironment().containsProperty(schedule)) {
				properties.put(schedule, "false");
			}
		}
		// Spring caches every distinct test context with its pool open, and every one of
		// them kept ten idle connections: a whole-suite run used up the shared server's
		// max_connections. A cached context now shrinks to one idle connection.
		if (!context.getEnvironment().containsProperty("spring.datasource.hikari.minimum-idle")) {
			properties.put("spring.datasource.hikari.minimum-idle", "1");
			properties.put("spring.datasource.hikari.idle-timeout", "10000");
		}
		context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("wheelfarm-test", properties));
	}

}

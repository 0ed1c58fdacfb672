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
		Map<String, Object> properties = new java.util.HashMap<>(database.springProperties());
		properties.put("wheelfarm.data-dir", dataDir.toString());
		// Spring keeps every test class's context (and its pool) for reuse, all on one
		// shared server: idle pools shrink to one connection so that a long run stays
		// under the server's max_connections.
		properties.put("spring.datasource.hikari.minimum-idle", "1");
		properties.put("spring.datasource.hikari.idle-timeout", "10000");
		// Tests drive PyPI watch cycles and opt-in re-syncs themselves,
		// deterministically; a
		// test that wants a schedule says so with its own property.
		for (String schedule : new String[] { "wheelfarm.pypi.watch-enabled", "wheelfarm.optin.resync-enabled",
				"wheelfarm.retention.enabled" }) {
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

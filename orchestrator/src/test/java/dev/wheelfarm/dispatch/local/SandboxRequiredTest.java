package dev.wheelfarm.dispatch.local;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.wheelfarm.WheelfarmApplication;
import dev.wheelfarm.testsupport.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A host that cannot sandbox (simulated: the bubblewrap path names no file): the farm
 * does not start with the local builder, unless the operator opts out, and then its
 * health page says that builds run unsandboxed.
 */
class SandboxRequiredTest {

	@TempDir
	Path temp;

	@Test
	void aFarmThatCannotSandboxRefusesToStartUnlessTheOperatorOptsOut() throws Exception {
		String missing = this.temp.resolve("no-bwrap-here").toString();

		assertThatThrownBy(() -> start("refused", Map.of("wheelfarm.local.sandbox.bwrap", missing)).close())
			.hasRootCauseInstanceOf(SandboxUnavailableException.class)
			.rootCause()
			.hasMessageContaining(missing)
			.hasMessageContaining("wheelfarm.local.sandbox.mode=unsandboxed");

		try (ConfigurableApplicationContext farm = start("opted-out",
				Map.of("wheelfarm.local.sandbox.bwrap", missing, "wheelfarm.local.sandbox.mode", "unsandboxed"))) {
			String port = farm.getEnvironment().getProperty("local.server.port");
			HttpResponse<String> health = HttpClient.newHttpClient()
				.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health")).build(),
						HttpResponse.BodyHandlers.ofString());
			JsonNode sandbox = JsonMapper.shared().readTree(health.body()).path("components").path("localSandbox");
			assertThat(sandbox.path("status").asString()).as(health.body()).isEqualTo("UP");
			assertThat(sandbox.path("description").asString()).contains("UNSANDBOXED")
				.contains("wheelfarm.local.sandbox.mode=unsandboxed");
		}
	}

	private ConfigurableApplicationContext start(String name, Map<String, String> extra) {
		TestDatabase.Coordinates database = TestDatabase.freshDatabase();
		Map<String, Object> properties = new LinkedHashMap<>(database.springProperties());
		properties.put("wheelfarm.data-dir", this.temp.resolve(name).toString());
		properties.put("server.port", "0");
		properties.put("wheelfarm.engine", "local");
		properties.put("wheelfarm.local.python", Sdists.PYTHON);
		properties.put("wheelfarm.dispatch.enabled", "false");
		properties.put("wheelfarm.pypi.watch-enabled", "false");
		properties.put("wheelfarm.optin.resync-enabled", "false");
		properties.put("wheelfarm.retention.enabled", "false");
		properties.putAll(extra);
		return new SpringApplicationBuilder(WheelfarmApplication.class).properties(properties).run();
	}

}

package dev.wheelfarm.dispatch.github;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.kohsuke.github.GitHubBuilder;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class GitHubPropertiesTest {

	@Test
	void withoutSettingsRunsArePolledAndReposClonedFromGitHubCom() {
		GitHubProperties defaults = bind(Map.of());
		assertThat(defaults.webhooksEnabled()).isFalse();
		assertThat(defaults.gitUrlOf("farm-org/builds")).isEqualTo("https://github.com/farm-org/builds.git");
	}

	@Test
	void aTokenSetupIsUsable() {
		GitHubProperties properties = bind(
				Map.of("wheelfarm.github.repository", "farm-org/builds", "wheelfarm.github.token", "ghp_secret"))
			.requireUsable();
		assertThat(properties.owner()).isEqualTo("farm-org");
		assertThat(properties.repositoryName()).isEqualTo("builds");
		assertThat(properties.usesApp()).isFalse();
	}

	@Test
	void secretsNeverShowInToString() {
		GitHubProperties properties = bind(Map.of("wheelfarm.github.token", "ghp_secret_token_value",
				"wheelfarm.github.webhook-secret", "a-webhook-secret-of-length"));
		assertThat(properties.toString()).doesNotContain("ghp_secret_token_value")
			.doesNotContain("a-webhook-secret-of-length")
			.contains("token=******");
	}

	@Test
	void nonsenseIsRefusedWithThePropertyName() {
		assertRefused(Map.of("wheelfarm.github.repository", "not a repo"), "wheelfarm.github.repository");
		assertRefused(Map.of("wheelfarm.github.workflow", "../evil.sh"), "wheelfarm.github.workflow");
		assertRefused(Map.of("wheelfarm.github.api-url", "ftp://example.com"), "wheelfarm.github.api-url");
		assertRefused(Map.of("wheelfarm.github.poll-interval", "0s"), "wheelfarm.github.poll-interval");
		assertRefused(Map.of("wheelfarm.github.webhook-secret", "short"), "wheelfarm.github.webhook-secret");
	}

	@Test
	void aGitHubAppNeedsAllThreeOfItsPropertiesAndNoToken() {
		assertRefused(Map.of("wheelfarm.github.app-id", "12345"), "wheelfarm.github.installation-id");
		Map<String, String> app = new HashMap<>(Map.of("wheelfarm.github.app-id", "12345",
				"wheelfarm.github.private-key", "/nonexistent/app.pem", "wheelfarm.github.installation-id", "678"));
		app.put("wheelfarm.github.token", "ghp_also");
		assertRefused(app, "not both");
		assertRefused(Map.of("wheelfarm.github.app-id", "abc", "wheelfarm.github.private-key", "/k.pem",
				"wheelfarm.github.installation-id", "1"), "wheelfarm.github.app-id");
	}

	@Test
	void usabilityIsCheckedOnlyWhenTheEngineIsSelected() {
		assertThatExceptionOfType(IllegalStateException.class).isThrownBy(() -> bind(Map.of()).requireUsable())
			.withMessageContaining("wheelfarm.github.repository");
		assertThatExceptionOfType(IllegalStateException.class)
			.isThrownBy(() -> bind(Map.of("wheelfarm.github.repository", "o/r")).requireUsable())
			.withMessageContaining("wheelfarm.github.token");
	}

	@Test
	void anAppWhosePrivateKeyCannotBeReadFailsAtStartNamingTheProperty() {
		GitHubProperties app = bind(Map.of("wheelfarm.github.repository", "o/r", "wheelfarm.github.app-id", "12345",
				"wheelfarm.github.private-key", "/nonexistent/app.pem", "wheelfarm.github.installation-id", "678"))
			.requireUsable();
		assertThat(app.usesApp()).isTrue();
		assertThat(app.privateKey()).isEqualTo(Path.of("/nonexistent/app.pem"));
		assertThatExceptionOfType(IllegalStateException.class)
			.isThrownBy(() -> GitHubEngineConfiguration.authorization(app, new GitHubBuilder()))
			.withMessageContaining("wheelfarm.github.private-key");
	}

	private static void assertRefused(Map<String, String> values, String message) {
		assertThatExceptionOfType(BindException.class).isThrownBy(() -> bind(values))
			.havingRootCause()
			.withMessageContaining(message);
	}

	private static GitHubProperties bind(Map<String, String> values) {
		return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("wheelfarm.github",
				GitHubProperties.class);
	}

}

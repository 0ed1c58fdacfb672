package dev.wheelfarm.uploads;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class UploadPropertiesTest {

	@Test
	void everyPropertyBinds() {
		UploadProperties.Oidc oidc = bind(
				Map.of("wheelfarm.upload.oidc.jwks-url", "http://127.0.0.1:9/jwks", "wheelfarm.upload.oidc.issuer",
						"https://ghes.example/_services/token", "wheelfarm.upload.oidc.audience", "farm.example",
						"wheelfarm.upload.oidc.clock-skew", "10s", "wheelfarm.upload.oidc.jwks-min-refresh", "5m"))
			.oidc();
		assertThat(oidc.jwksUrl()).isEqualTo(URI.create("http://127.0.0.1:9/jwks"));
		assertThat(oidc.issuer()).isEqualTo("https://ghes.example/_services/token");
		assertThat(oidc.audience()).isEqualTo("farm.example");
		assertThat(oidc.clockSkew()).isEqualTo(Duration.ofSeconds(10));
		assertThat(oidc.jwksMinRefresh()).isEqualTo(Duration.ofMinutes(5));
	}

	@Test
	void nonsenseIsRefusedAtStartup() {
		assertThatExceptionOfType(BindException.class)
			.isThrownBy(() -> bind(Map.of("wheelfarm.upload.oidc.jwks-url", "file:///etc/keys")))
			.havingRootCause()
			.withMessageContaining("wheelfarm.upload.oidc.jwks-url");
		assertThatExceptionOfType(BindException.class)
			.isThrownBy(() -> bind(Map.of("wheelfarm.upload.oidc.clock-skew", "1h")))
			.havingRootCause()
			.withMessageContaining("wheelfarm.upload.oidc.clock-skew");
		assertThatExceptionOfType(BindException.class)
			.isThrownBy(() -> bind(Map.of("wheelfarm.upload.oidc.audience", " ")))
			.havingRootCause()
			.withMessageContaining("wheelfarm.upload.oidc.audience");
	}

	@Test
	void aClaimMatchesTheRegisteredGitHubUrlWhateverItsSpelling() {
		assertThat(GitHubRepositories.sameRepository("https://github.com/Owner/Name.git", "owner/name")).isTrue();
		assertThat(GitHubRepositories.sameRepository("https://GitHub.com/owner/name/", "owner/name")).isTrue();
		assertThat(GitHubRepositories.sameRepository("https://github.com/owner/name", "owner/other")).isFalse();
		assertThat(GitHubRepositories.sameRepository("https://github.com/owner/name-fork", "owner/name")).isFalse();
		assertThat(GitHubRepositories.sameRepository("https://gitlab.com/owner/name", "owner/name")).isFalse();
		assertThat(GitHubRepositories.sameRepository("http://github.com/owner/name", "owner/name")).isFalse();
		assertThat(GitHubRepositories.sameRepository("file:///srv/git/name.git", "owner/name")).isFalse();
		assertThat(GitHubRepositories.sameRepository("https://github.com/owner/name", "owner/name/../x")).isFalse();
		assertThat(GitHubRepositories.sameRepository(null, "owner/name")).isFalse();
	}

	private static UploadProperties bind(Map<String, String> values) {
		return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("wheelfarm.upload",
				UploadProperties.class);
	}

}

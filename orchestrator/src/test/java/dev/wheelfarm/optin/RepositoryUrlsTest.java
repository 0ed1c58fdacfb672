package dev.wheelfarm.optin;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class RepositoryUrlsTest {

	@ParameterizedTest
	@CsvSource({ "https://github.com/o/r, https://GitHub.com/o/r.git/", "https://github.com/o/r, http://github.com/o/r",
			"https://github.com/o/r.git, https://github.com:443/o/r/", "file:///srv/r.git, file:///srv/r" })
	void sameRepository(String a, String b) {
		assertThat(RepositoryUrls.sameRepository(a, b)).isTrue();
	}

	@ParameterizedTest
	@CsvSource({ "https://github.com/o/r, https://github.com/o/other", "https://github.com/o/r, https://gitlab.com/o/r",
			"https://github.com/o/r, https://github.com/o/r/issues", "https://github.com/o/r, not a url" })
	void differentRepositories(String a, String b) {
		assertThat(RepositoryUrls.sameRepository(a, b)).isFalse();
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|',
			value = { "ssh://git@github.com/o/r.git|only https://",
					"https://user:token@github.com/o/r|user name or password", "https://github.com/o/r?x=1|query",
					"https://github.com|no path", "file:///srv/r.git|file:// repositories are not accepted",
					"' '|repository is required" })
	void refusedRegistrations(String url, String reason) {
		assertThatIllegalArgumentException().isThrownBy(() -> RepositoryUrls.validate(url, false))
			.withMessageContaining(reason);
	}

	@ParameterizedTest
	@CsvSource({ "https://github.com/o/r/, https://github.com/o/r", "file:///srv/r.git, file:///srv/r.git" })
	void acceptedRegistrationsAreStoredWithoutTrailingSlash(String url, String stored) {
		assertThat(RepositoryUrls.validate(url, true)).isEqualTo(stored);
	}

}

package dev.wheelfarm.pypi;

import java.time.Instant;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The maintainer's settings as a table: settings, version, first upload → wanted.
 */
class WatchSettingsTest {

	@ParameterizedTest(name = "{0} wants {1}: {3}")
	@CsvSource(delimiter = '|', textBlock = """
			{}                                   | 1.0       | 2020-01-01T00:00:00Z | true
			{}                                   | 1.0rc1    | 2020-01-01T00:00:00Z | false
			{}                                   | 1.0.dev3  | 2020-01-01T00:00:00Z | false
			{}                                   | 1.0.post1 | 2020-01-01T00:00:00Z | true
			{}                                   | 0.3-legacy-string | 2020-01-01T00:00:00Z | true
			{"prereleases": true}                | 1.0rc1    | 2020-01-01T00:00:00Z | true
			{"since": "1.0"}                     | 0.9.9     | 2020-01-01T00:00:00Z | false
			{"since": "1.0"}                     | 1.0       | 2020-01-01T00:00:00Z | true
			{"since": "1.0"}                     | 1.0.post1 | 2020-01-01T00:00:00Z | true
			{"since": "1.0", "prereleases": true} | 1.0a1    | 2020-01-01T00:00:00Z | false
			{"since": "1.0"}                     | 10.0      | 2020-01-01T00:00:00Z | true
			{"since": "1.0"}                     | 1!0.1     | 2020-01-01T00:00:00Z | true
			{"since": "1.0"}                     | 0.3-legacy-string | 2020-01-01T00:00:00Z | false
			{"since": "2021-06-01"}              | 0.1       | 2021-06-01T00:00:00Z | true
			{"since": "2021-06-01"}              | 9.0       | 2021-05-31T23:59:59Z | false
			{"skip-versions": ["1.0", "2.0"]}    | 1.0       | 2020-01-01T00:00:00Z | false
			{"skip-versions": ["1.0", "2.0"]}    | 2.0.0     | 2020-01-01T00:00:00Z | false
			{"skip-versions": ["1.0", "2.0"]}    | 1.1       | 2020-01-01T00:00:00Z | true
			{"since": 5, "prereleases": "yes"}   | 1.0rc1    | 2020-01-01T00:00:00Z | false
			not json                             | 1.0       | 2020-01-01T00:00:00Z | true
			""")
	void decidesWhatTheMaintainerWants(String settings, String version, String uploaded, boolean wanted) {
		assertThat(WatchSettings.fromJson(settings).wants(version, Instant.parse(uploaded))).isEqualTo(wanted);
	}

}

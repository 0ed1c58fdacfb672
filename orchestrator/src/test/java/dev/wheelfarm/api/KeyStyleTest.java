package dev.wheelfarm.api;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/** The key-style check itself, on the three styles the API once mixed. */
class KeyStyleTest {

	@Test
	void camelCaseAndKebabCaseAreOffencesEvenDeepDownButEchoedDocumentsKeepTheirSpelling() {
		var document = JsonMapper.shared().readTree("""
				{"display_name": "x", "retention": {"nextRunAt": null, "policy": {"keep-newest": 5}},
				 "releases": [{"build_id": 1}, {"buildId": 2}],
				 "settings": {"skip-versions": []}, "plan": {"environment": {"CFLAGS": "-O2"}}}
				""");

		assertThat(KeyStyle.offences(document)).containsExactly("/retention/nextRunAt", "/retention/policy/keep-newest",
				"/releases/1/buildId");
	}

}

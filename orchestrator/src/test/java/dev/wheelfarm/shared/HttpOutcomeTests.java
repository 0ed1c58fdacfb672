package dev.wheelfarm.shared;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Status codes as RFC 9110 classes them, plus the two that mean "come back later". */
class HttpOutcomeTests {

	@ParameterizedTest
	@CsvSource({ "200, success, 2xx", "204, success, 2xx", "301, redirect, 3xx", "302, redirect, 3xx",
			"304, not_modified, 3xx", "400, client_error, 4xx", "403, client_error, 4xx", "404, not_found, 4xx",
			"410, not_found, 4xx", "422, client_error, 4xx", "429, rate_limited, 4xx", "500, server_error, 5xx",
			"503, server_error, 5xx", "-1, io_error, none" })
	void classifiesEveryAnswer(int status, String outcome, String statusClass) {
		assertThat(HttpOutcome.outcome(status)).isEqualTo(outcome);
		assertThat(HttpOutcome.statusClass(status)).isEqualTo(statusClass);
	}

}

package dev.wheelfarm.configuration;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns retired settings into Spring Boot's "APPLICATION FAILED TO START" report: each
 * old name with its replacement, and where the renames are listed.
 */
class RetiredPropertyFailureAnalyzer extends AbstractFailureAnalyzer<RetiredPropertyException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, RetiredPropertyException cause) {
		return new FailureAnalysis(
				"The configuration uses property names the farm no longer reads:\n  - "
						+ String.join("\n  - ", cause.problems()),
				"Rename them as shown (docs/configuration.md, \"Renamed properties\"); nothing was started.", cause);
	}

}

package dev.wheelfarm.database;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a refused second start into Spring Boot's "APPLICATION FAILED TO START" report:
 * what is in use, by whom, and what to do, without a stack trace.
 */
class DataDirectoryInUseFailureAnalyzer extends AbstractFailureAnalyzer<DataDirectoryInUseException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, DataDirectoryInUseException cause) {
		return new FailureAnalysis(cause.getMessage() + ". Nothing in it was changed.", "Stop the farm that runs on "
				+ cause.directory() + " first, or start this one with another " + "--wheelfarm.data-dir.", cause);
	}

}

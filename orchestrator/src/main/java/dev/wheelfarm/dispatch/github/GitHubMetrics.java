package dev.wheelfarm.dispatch.github;

import dev.wheelfarm.shared.HttpOutcome;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * What the engine's calls to GitHub look like to an operator:
 * {@code wheelfarm_github_requests_total{call, outcome, status}} for every HTTP exchange
 * (hub4j's, the direct dispatch call and the direct artifact calls; a redirect to the
 * artifact storage host is an exchange of its own), and
 * {@code wheelfarm_github_rate_limit_remaining}, the core budget GitHub reported last
 * (NaN until it has reported one).
 */
final class GitHubMetrics {

	/** hub4j's calls: runs, jobs, logs, cancel. */
	static final String API = "api";

	/** The {@code workflow_dispatch} call made directly. */
	static final String DISPATCH = "dispatch";

	/**
	 * The result artifact's listing and download (with its redirect), made directly.
	 */
	static final String ARTIFACT = "artifact";

	private final MeterRegistry meters;

	GitHubMetrics(MeterRegistry meters, RateBudget budget) {
		this.meters = meters;
		Gauge.builder("wheelfarm.github.rate.limit.remaining", budget, RateBudget::remaining)
			.description("GitHub's primary (core) rate limit remaining, as last reported")
			.register(meters);
	}

	/**
	 * One exchange; {@code status} {@link HttpOutcome#NO_ANSWER} when none came. A 403 is
	 * also how GitHub says "rate limited": the budget gauge tells which.
	 */
	void count(String call, int status) {
		this.meters
			.counter("wheelfarm.github.requests", "call", call, "outcome", HttpOutcome.outcome(status), "status",
					HttpOutcome.statusClass(status))
			.increment();
	}

}

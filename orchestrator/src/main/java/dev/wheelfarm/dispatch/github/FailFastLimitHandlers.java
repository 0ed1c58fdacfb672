package dev.wheelfarm.dispatch.github;

import java.io.IOException;
import java.time.Clock;

import org.kohsuke.github.GitHubAbuseLimitHandler;
import org.kohsuke.github.GitHubRateLimitHandler;
import org.kohsuke.github.connector.GitHubConnectorResponse;

/**
 * hub4j's own handlers sleep inside the calling thread until the limit resets, which can
 * be an hour: a dispatcher thread asleep that long holds leases it cannot renew. These
 * fail the call at once instead, with the wait GitHub asked for, so the dispatcher can
 * park the build and carry on.
 */
final class FailFastLimitHandlers {

	private FailFastLimitHandlers() {
	}

	static GitHubRateLimitHandler rateLimit(Clock clock) {
		return new GitHubRateLimitHandler() {
			@Override
			public void onError(GitHubConnectorResponse response) throws IOException {
				throw new RateLimitedException("GitHub rate limit exhausted (HTTP " + response.statusCode() + ")",
						RateLimits.waitTime(response::header, clock));
			}
		};
	}

	static GitHubAbuseLimitHandler secondaryLimit(Clock clock) {
		return new GitHubAbuseLimitHandler() {
			@Override
			public void onError(GitHubConnectorResponse response) throws IOException {
				throw new RateLimitedException("GitHub secondary rate limit (HTTP " + response.statusCode() + ")",
						RateLimits.waitTime(response::header, clock));
			}
		};
	}

}

package dev.wheelfarm.dispatch;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the dispatcher drives the engine.
 *
 * @param enabled whether the dispatcher runs on a schedule (tests drive it by hand)
 * @param interval the pause between two dispatcher rounds (claim, dispatch, watch); with
 * webhooks this is only the fallback for completion
 * @param batchSize the most builds claimed in one round
 * @param runTimeout the longest a run may take from dispatch, whichever engine runs it; a
 * longer one is cancelled (the local engine kills the worker's process tree, the GitHub
 * engine cancels the workflow run) and counts as a timeout
 * @param engineRetryDelay how long a build waits when the engine could not take it
 * @param instanceName this instance's name in claims; empty for host name, pid and a
 * random suffix
 * @param strandedGrace how long a success may wait for its publication before the
 * dispatcher offers its wheels to the index again (the process that recorded it died
 * before the index stored them)
 * @param engineOutageLimit how long the engine may refuse a build without a break (an
 * outage, a rate limit) before the refusals count as one failed attempt
 * ({@code builder-unavailable}, transient); refusals within it spend no attempt
 */
@ConfigurationProperties("wheelfarm.dispatch")
public record DispatchProperties(@DefaultValue("true") boolean enabled, @DefaultValue("5s") Duration interval,
		@DefaultValue("10") int batchSize, @DefaultValue("3h") Duration runTimeout,
		@DefaultValue("1m") Duration engineRetryDelay, @DefaultValue("") String instanceName,
		@DefaultValue("2m") Duration strandedGrace, @DefaultValue("24h") Duration engineOutageLimit) {

	/** The default of {@code wheelfarm.dispatch.stranded-grace}. */
	static final Duration DEFAULT_STRANDED_GRACE = Duration.ofMinutes(2);

	/** The default of {@code wheelfarm.dispatch.engine-outage-limit}. */
	static final Duration DEFAULT_ENGINE_OUTAGE_LIMIT = Duration.ofHours(24);

	@ConstructorBinding
	public DispatchProperties {
		if (batchSize < 1) {
			throw new IllegalArgumentException("wheelfarm.dispatch.batch-size must be at least 1, not " + batchSize);
		}
		requirePositive(interval, "wheelfarm.dispatch.interval");
		requirePositive(runTimeout, "wheelfarm.dispatch.run-timeout");
		requirePositive(engineRetryDelay, "wheelfarm.dispatch.engine-retry-delay");
		requirePositive(strandedGrace, "wheelfarm.dispatch.stranded-grace");
		requirePositive(engineOutageLimit, "wheelfarm.dispatch.engine-outage-limit");
		if (!instanceName.matches("[A-Za-z0-9._:-]{0,100}")) {
			throw new IllegalArgumentException(
					"wheelfarm.dispatch.instance-name may hold only letters, digits and ._:- (at most 100)");
		}
	}

	/** The settings with the defaults for stranded successes and engine outages. */
	public DispatchProperties(boolean enabled, Duration interval, int batchSize, Duration runTimeout,
			Duration engineRetryDelay, String instanceName) {
		this(enabled, interval, batchSize, runTimeout, engineRetryDelay, instanceName, DEFAULT_STRANDED_GRACE,
				DEFAULT_ENGINE_OUTAGE_LIMIT);
	}

	private static void requirePositive(Duration duration, String property) {
		if (duration == null || duration.isNegative() || duration.isZero()) {
			throw new IllegalArgumentException(property + " must be positive");
		}
	}

}

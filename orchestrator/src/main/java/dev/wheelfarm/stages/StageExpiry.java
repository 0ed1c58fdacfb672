package dev.wheelfarm.stages;

import java.time.Duration;

import dev.wheelfarm.scheduling.RepeatingTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Component;

/**
 * Discards stages nobody published within {@code wheelfarm.stages.ttl}, every
 * {@code wheelfarm.stages.expiry-interval}. Each stage is discarded in a transaction of
 * its own, so a failure leaves the others decided and the next run tries again.
 */
@Component
class StageExpiry implements RepeatingTask {

	private static final Logger logger = LoggerFactory.getLogger(StageExpiry.class);

	private final Stages stages;

	private final Duration interval;

	StageExpiry(Stages stages, StagesProperties properties) {
		this.stages = stages;
		this.interval = properties.expiryInterval();
	}

	@Override
	public String name() {
		return "stage-expiry";
	}

	@Override
	public Duration initialDelay() {
		return Duration.ofMinutes(1);
	}

	@Override
	public Duration interval() {
		return this.interval;
	}

	@Override
	public void runOnce() {
		int discarded = this.stages.discardExpired();
		if (discarded > 0) {
			logger.info("Discarded {} expired stage(s)", discarded);
		}
	}

}

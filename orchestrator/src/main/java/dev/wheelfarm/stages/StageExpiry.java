package dev.wheelfarm.stages;

import java.time.Duration;

import dev.wheelfarm.scheduling.FixedDelaySchedule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Component;

/**
 * Discards stages nobody published within {@code wheelfarm.stages.ttl}, every
 * {@code wheelfarm.stages.expiry-interval}. Each stage is discarded in a transaction of
 * its own, so a failure leaves the others decided and the next run tries again.
 */
@Component
class StageExpiry extends FixedDelaySchedule {

	private static final Logger logger = LoggerFactory.getLogger(StageExpiry.class);

	private final Stages stages;

	StageExpiry(Stages stages, StagesProperties properties) {
		super("stage-expiry", Duration.ofMinutes(1), properties.expiryInterval());
		this.stages = stages;
	}

	@Override
	protected void runOnce() {
		int discarded = this.stages.discardExpired();
		if (discarded > 0) {
			logger.info("Discarded {} expired stage(s)", discarded);
		}
	}

}

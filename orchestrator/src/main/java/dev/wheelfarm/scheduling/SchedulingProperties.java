package dev.wheelfarm.scheduling;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How replicas share the singleton jobs.
 *
 * @param lockLease how long a replica holds a singleton job's lock without renewing it:
 * the replica running the job renews it every third of this while the run lasts, so a run
 * may take as long as it needs; a replica that dies lets go of it at the latest this long
 * after its last renewal, and another replica takes the job at its next turn
 */
@ConfigurationProperties("wheelfarm.scheduling")
public record SchedulingProperties(@DefaultValue("30s") Duration lockLease) {

	public SchedulingProperties {
		if (lockLease == null || lockLease.compareTo(Duration.ofSeconds(1)) < 0) {
			throw new IllegalArgumentException("wheelfarm.scheduling.lock-lease must be at least 1s");
		}
	}

}

package dev.wheelfarm.retention;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * When the retention job runs. What it removes is each project's own policy
 * ({@code [tool.wheelfarm.retention]}), not the operator's.
 *
 * @param enabled whether the job runs on its schedule
 * @param interval the time from the start of one run to the start of the next
 */
@ConfigurationProperties("wheelfarm.retention")
public record RetentionProperties(@DefaultValue("true") boolean enabled, @DefaultValue("1d") Duration interval) {

	public RetentionProperties {
		if (interval == null || interval.compareTo(Duration.ofMinutes(1)) < 0) {
			throw new IllegalArgumentException("wheelfarm.retention.interval must be at least 1m");
		}
	}

}

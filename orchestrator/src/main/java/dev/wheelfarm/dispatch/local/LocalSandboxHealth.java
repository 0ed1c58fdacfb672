package dev.wheelfarm.dispatch.local;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * Whether local builds run sandboxed. A farm whose host cannot sandbox does not start
 * (unless the operator opted out), so this says which of the two a running farm is: UP
 * either way, with the opt-out spelled out in the status's description so that a look at
 * {@code /actuator/health} shows that maintainers' code runs as the farm's user.
 */
public final class LocalSandboxHealth implements HealthIndicator {

	private final LocalSandbox sandbox;

	public LocalSandboxHealth(LocalSandbox sandbox) {
		this.sandbox = sandbox;
	}

	@Override
	public Health health() {
		SandboxProperties properties = this.sandbox.properties();
		return Health.status(new Status(Status.UP.getCode(), this.sandbox.describe()))
			.withDetail("mode", properties.mode().name().toLowerCase(java.util.Locale.ROOT))
			.withDetail("bwrap", properties.bwrap())
			.withDetail("memory_bytes", properties.memory().toBytes())
			.withDetail("processes", properties.processes())
			.withDetail("file_size_bytes", properties.fileSize().toBytes())
			.withDetail("tmp_bytes", properties.tmpSize().toBytes())
			.build();
	}

}

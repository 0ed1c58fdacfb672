package dev.wheelfarm.dispatch.github;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * Whether the build repository runs this farm's workflow. A mismatch is OUT_OF_SERVICE,
 * not DOWN: the farm still serves its index and follows the runs it started; it only
 * dispatches nothing new. The status's description (shown with the component) says why
 * and names the command that fixes it.
 */
final class BuildRepositoryHealth implements HealthIndicator {

	private final InstalledBundleCheck check;

	BuildRepositoryHealth(InstalledBundleCheck check) {
		this.check = check;
	}

	@Override
	public Health health() {
		InstalledBundleCheck.Verdict verdict = this.check.current();
		Status status = switch (verdict.state()) {
			case MATCHES -> Status.UP;
			case DIFFERS -> new Status(Status.OUT_OF_SERVICE.getCode(), verdict.message());
			case UNKNOWN -> new Status(Status.UNKNOWN.getCode(), verdict.message());
		};
		return Health.status(status).withDetails(verdict.details()).build();
	}

}

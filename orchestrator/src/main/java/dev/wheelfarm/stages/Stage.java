package dev.wheelfarm.stages;

import java.time.Instant;

/**
 * A project's stage.
 *
 * @param id its row
 * @param projectId the project's row
 * @param project the normalized project name
 * @param token the secret part of {@code /stage/<token>/simple/}
 * @param state {@code OPEN}, {@code PUBLISHED} or {@code DISCARDED}
 * @param createdAt when it was opened
 * @param expiresAt when an open stage is discarded unless published
 * @param closedAt when it was published or discarded, or {@code null}
 * @param closedReason why it was closed, or {@code null}
 */
public record Stage(long id, long projectId, String project, String token, String state, Instant createdAt,
		Instant expiresAt, Instant closedAt, String closedReason) {

	public static final String OPEN = "OPEN";

	/** Open and not past its time: files may still be added, and it may be published. */
	public boolean isOpen() {
		return OPEN.equals(this.state) && this.expiresAt.isAfter(Instant.now());
	}

	/** The token is the stage's only secret: it never appears in logs. */
	@Override
	public String toString() {
		return "Stage[" + this.id + " of " + this.project + ", " + this.state + "]";
	}

}

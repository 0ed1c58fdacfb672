package dev.wheelfarm.requests;

/**
 * What became of a build request: a build to follow, or a refusal in words a user
 * understands.
 */
public sealed interface RequestOutcome {

	/**
	 * The request leads to a build.
	 *
	 * @param buildId the build to follow
	 * @param created false when the build already existed (queued, running, published or
	 * failed) and the requester is sent to it
	 */
	record Accepted(long buildId, boolean created) implements RequestOutcome {

	}

	/**
	 * The request was refused and nothing changed.
	 *
	 * @param reason why, as a machine-readable kind
	 * @param field the form field the refusal is about ({@code project} or
	 * {@code version})
	 * @param message why, for a person
	 */
	record Refused(Reason reason, String field, String message) implements RequestOutcome {

	}

	/** Why a request is refused; each maps to an HTTP status in the JSON API. */
	enum Reason {

		INVALID_INPUT(400, "Invalid request"), UNKNOWN_PROJECT(404, "Unknown project"),
		NOT_OPTED_IN(409, "Project not opted in"), REQUESTS_NOT_ACCEPTED(403, "Project does not accept requests"),
		UNKNOWN_RELEASE(404, "Unknown release"), NO_SDIST(409, "Release has no sdist"),
		HAS_WHEELS(409, "Release already has wheels");

		private final int status;

		private final String title;

		Reason(int status, String title) {
			this.status = status;
			this.title = title;
		}

		int status() {
			return this.status;
		}

		/** The problem's title: stable, unlike the message. */
		String title() {
			return this.title;
		}

	}

}

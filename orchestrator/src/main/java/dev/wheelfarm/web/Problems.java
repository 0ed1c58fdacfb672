package dev.wheelfarm.web;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

/**
 * The RFC 9457 answer every {@code /api/*} refusal takes, so that a client reads one
 * shape (and one content type) whichever feature refused it; and the problem types more
 * than one feature answers with. A feature's own types live with it.
 */
public final class Problems {

	/** The request is malformed: a parameter or a body field is not what it must be. */
	public static final ProblemType INVALID_REQUEST = new ProblemType("invalid-request", HttpStatus.BAD_REQUEST,
			"Invalid request");

	/** A per-client limit: the answer carries {@code Retry-After}. */
	public static final ProblemType TOO_MANY_REQUESTS = new ProblemType("too-many-requests",
			HttpStatus.TOO_MANY_REQUESTS, "Too many requests");

	/** No credential was sent: the answer carries {@code WWW-Authenticate}. */
	public static final ProblemType UNAUTHENTICATED = new ProblemType("unauthenticated", HttpStatus.UNAUTHORIZED,
			"Authentication required");

	/** The credential sent does not grant this. */
	public static final ProblemType FORBIDDEN = new ProblemType("forbidden", HttpStatus.FORBIDDEN,
			"Credential not valid for this project");

	/** A project name that cannot be a PyPI project's. */
	public static final ProblemType INVALID_PROJECT_NAME = new ProblemType("invalid-project-name",
			HttpStatus.BAD_REQUEST, "Not a valid project name");

	/** A project this farm does not know. */
	public static final ProblemType UNKNOWN_PROJECT = new ProblemType("unknown-project", HttpStatus.NOT_FOUND,
			"Unknown project");

	/** A body over the endpoint's limit. */
	public static final ProblemType CONTENT_TOO_LARGE = new ProblemType("content-too-large",
			HttpStatus.CONTENT_TOO_LARGE, "Request too large");

	private Problems() {
	}

	/**
	 * A per-client limit's refusal, with {@code Retry-After}.
	 * @param seconds when the client may try again
	 * @param what what the client sent too many of ({@code requests},
	 * {@code registrations})
	 * @return the answer
	 */
	public static ResponseEntity<ProblemDetail> tooMany(long seconds, String what) {
		return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.header(HttpHeaders.RETRY_AFTER, Long.toString(seconds))
			.body(TOO_MANY_REQUESTS.detail("Too many " + what + " from your address. Try again in " + seconds + " s."));
	}

}

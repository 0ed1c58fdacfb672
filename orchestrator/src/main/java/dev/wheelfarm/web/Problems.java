package dev.wheelfarm.web;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

/**
 * The RFC 9457 answer every {@code /api/*} refusal takes, so that a client reads one
 * shape (and one content type) whichever feature refused it.
 */
public final class Problems {

	private Problems() {
	}

	/**
	 * @param status the HTTP status
	 * @param title a short, stable summary a program may compare
	 * @param detail what went wrong, for the person who sent the request
	 * @return the problem document
	 */
	public static ProblemDetail detail(HttpStatus status, String title, String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
		problem.setTitle(title);
		return problem;
	}

	/**
	 * @param status the HTTP status
	 * @param title a short, stable summary a program may compare
	 * @param detail what went wrong, for the person who sent the request
	 * @return the answer, typed {@code application/problem+json}
	 */
	public static ResponseEntity<ProblemDetail> answer(HttpStatus status, String title, String detail) {
		return ResponseEntity.status(status)
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.body(detail(status, title, detail));
	}

}

package dev.wheelfarm.web;

import java.net.URI;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

/**
 * One kind of refusal of the JSON API, with the stable {@code type} a client branches on
 * ({@code urn:wheelfarm:problem:<slug>}, RFC 9457 §3.1.1): the words of {@code detail}
 * may change, the type does not. Every type is listed in docs/api.md.
 *
 * @param slug the type's last part, lower case with hyphens ({@code unknown-build})
 * @param status the HTTP status it is answered with
 * @param title a short, stable summary
 */
public record ProblemType(String slug, HttpStatus status, String title) {

	/** What every type starts with. */
	public static final String PREFIX = "urn:wheelfarm:problem:";

	public ProblemType {
		if (slug == null || !slug.matches("[a-z][a-z0-9]*(-[a-z0-9]+)*")) {
			throw new IllegalArgumentException("a problem type is lower case words joined by hyphens: " + slug);
		}
	}

	/** The type URI. */
	public URI type() {
		return URI.create(PREFIX + this.slug);
	}

	/**
	 * @param detail what went wrong, for the person who sent the request
	 * @return the problem document
	 */
	public ProblemDetail detail(String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(this.status, detail);
		problem.setType(type());
		problem.setTitle(this.title);
		return problem;
	}

	/**
	 * @param detail what went wrong, for the person who sent the request
	 * @return the answer, typed {@code application/problem+json}
	 */
	public ResponseEntity<ProblemDetail> answer(String detail) {
		return ResponseEntity.status(this.status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(detail(detail));
	}

}

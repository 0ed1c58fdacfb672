package dev.wheelfarm.rebuilds;

import java.net.URI;
import java.util.Locale;

import dev.wheelfarm.builds.RebuildOutcome;
import dev.wheelfarm.builds.RebuildRequester;
import dev.wheelfarm.shared.InvalidNameException;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.uploads.AuthorizationHeader;
import dev.wheelfarm.uploads.CredentialRejectedException;
import dev.wheelfarm.web.ApiJson;
import dev.wheelfarm.web.Coded;
import dev.wheelfarm.web.ProblemType;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * {@code POST /api/projects/{name}/versions/{version}/rebuilds}: a maintainer asks the
 * farm to build a failed release again. Authenticated like an upload (Bearer, or Basic
 * with user {@code __token__}); answers 202 with the re-queued build, or an
 * {@code application/problem+json} refusal whose {@code type} is one of {@link Problem}'s
 * stable URNs.
 */
@RestController
class RebuildsApi {

	/** A PEP 440 version, or a legacy one PyPI still lists: no spaces, no slashes. */
	private static final String VERSION = "[A-Za-z0-9][A-Za-z0-9._+!-]{0,199}";

	static final int NOTE_LIMIT = 500;

	private final RebuildService rebuilds;

	RebuildsApi(RebuildService rebuilds) {
		this.rebuilds = rebuilds;
	}

	@PostMapping(path = "/api/projects/{name}/versions/{version}/rebuilds", produces = MediaType.APPLICATION_JSON_VALUE)
	ResponseEntity<?> rebuild(@PathVariable String name, @PathVariable String version,
			@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization,
			@RequestBody(required = false) RebuildRequest body) {
		ProjectName project;
		try {
			project = ProjectName.of(name);
		}
		catch (InvalidNameException ex) {
			// Echoed for the caller's sake, but never more of it than a name can be.
			String shown = (name.length() > 200) ? name.substring(0, 200) + "…" : name;
			return Problem.INVALID_REQUEST.answer(shown + " is not a valid project name");
		}
		if (!version.matches(VERSION)) {
			return Problem.INVALID_REQUEST.answer("The version must be 1-200 letters, digits and . _ + ! -");
		}
		String note = (body != null) ? body.note() : null;
		if (note != null && (note.length() > NOTE_LIMIT || note.codePoints().anyMatch(Character::isISOControl))) {
			return Problem.INVALID_REQUEST
				.answer("The note is one line of at most " + NOTE_LIMIT + " characters (no control characters)");
		}
		RebuildService.Answer answer;
		try {
			answer = this.rebuilds.rebuild(project, version, AuthorizationHeader.secret(authorization),
					(note != null && !note.isBlank()) ? note.strip() : null);
		}
		catch (CredentialRejectedException ex) {
			if (authorization == null || authorization.isBlank()) {
				return Problem.UNAUTHENTICATED.answer(ex.getMessage());
			}
			return Problem.FORBIDDEN.answer(ex.getMessage());
		}
		return answer(project, version, answer);
	}

	private static ResponseEntity<?> answer(ProjectName project, String version, RebuildService.Answer answer) {
		RebuildOutcome outcome = answer.outcome();
		if (outcome instanceof RebuildOutcome.Queued queued) {
			URI location = ServletUriComponentsBuilder.fromCurrentContextPath()
				.path("/api/builds/{id}")
				.buildAndExpand(queued.buildId())
				.toUri();
			String page = ServletUriComponentsBuilder.fromCurrentContextPath()
				.path("/builds/{id}")
				.buildAndExpand(queued.buildId())
				.toUriString();
			return ResponseEntity.status(HttpStatus.ACCEPTED)
				.location(location)
				.contentType(MediaType.APPLICATION_JSON)
				.body(new Queued(queued.buildId(), project.value(), version, new Coded("pending", "queued"),
						location.toString(), page, queued.left(), answer.requester()));
		}
		if (outcome instanceof RebuildOutcome.NotFailed notFailed) {
			ResponseEntity<ProblemDetail> refusal = Problem.NOT_FAILED.answer("Build " + notFailed.buildId() + " of "
					+ project + " " + version + " is " + notFailed.state().name().toLowerCase(Locale.ROOT) + ": "
					+ whyNot(notFailed) + " Only a build that failed can be asked for again.");
			refusal.getBody().setProperty("build_id", notFailed.buildId());
			refusal.getBody().setProperty("state", notFailed.state().name().toLowerCase(Locale.ROOT));
			return refusal;
		}
		if (outcome instanceof RebuildOutcome.Limited limited) {
			long seconds = limited.retryAfter().toSeconds();
			ResponseEntity<ProblemDetail> refusal = Problem.LIMIT_REACHED.answer(project + " has asked for "
					+ limited.limit() + " rebuild(s) in the last 24 hours, the most this farm allows. Try again in "
					+ seconds + " s.");
			refusal.getBody().setProperty("build_id", limited.buildId());
			refusal.getBody().setProperty("limit", limited.limit());
			return ResponseEntity.status(refusal.getStatusCode())
				.headers(refusal.getHeaders())
				.header(HttpHeaders.RETRY_AFTER, Long.toString(seconds))
				.body(refusal.getBody());
		}
		return Problem.NO_BUILD.answer("The farm has no build of " + project + " " + version
				+ ": there is nothing to rebuild (ask for a first build at /request)");
	}

	private static String whyNot(RebuildOutcome.NotFailed notFailed) {
		return switch (notFailed.state()) {
			case PENDING -> "it is already waiting for a builder (a transient failure is retried on its own).";
			case DISPATCHED, RUNNING -> "a builder is working on it; wait for its outcome.";
			case SUCCEEDED, PUBLISHED -> "its wheels were built; there is nothing to retry.";
			case SKIPPED -> "the farm decided not to build it (see its timeline for why).";
			case CANCELLED -> "it was cancelled by an operator.";
			case FAILED -> "it failed.";
		};
	}

	/**
	 * The request's optional body.
	 *
	 * @param note what was fixed, shown on the build's timeline (one line, at most
	 * {@value #NOTE_LIMIT} characters)
	 */
	record RebuildRequest(String note) {

	}

	/**
	 * The 202 answer.
	 *
	 * @param buildId the build, re-queued under its id
	 * @param project the project
	 * @param version the release
	 * @param state {@code pending}, as in the build's document
	 * @param buildUrl its JSON status ({@code /api/builds/{id}}, also the Location)
	 * @param pageUrl its status page
	 * @param rebuildsLeft how many more the project may ask for in the current 24 hours
	 * @param requestedBy who asked, as the timeline shows it
	 */
	@ApiJson
	record Queued(long buildId, String project, String version, Coded state, String buildUrl, String pageUrl,
			int rebuildsLeft, RebuildRequester requestedBy) {

	}

	/**
	 * Every refusal of this endpoint, with its stable {@code type}: clients branch on the
	 * type, not on the words.
	 */
	enum Problem {

		INVALID_REQUEST(HttpStatus.BAD_REQUEST, "Invalid rebuild request"),
		UNAUTHENTICATED(HttpStatus.UNAUTHORIZED, "Authentication required"),
		FORBIDDEN(HttpStatus.FORBIDDEN, "Credential not valid for this project"),
		NO_BUILD(HttpStatus.NOT_FOUND, "No build of this release"),
		NOT_FAILED(HttpStatus.CONFLICT, "The build has not failed"),
		LIMIT_REACHED(HttpStatus.TOO_MANY_REQUESTS, "Rebuild limit reached");

		private final HttpStatus status;

		private final String title;

		Problem(HttpStatus status, String title) {
			this.status = status;
			this.title = title;
		}

		/**
		 * {@code urn:wheelfarm:problem:rebuild-<name>}, e.g.
		 * {@code …:rebuild-not-failed}.
		 */
		ProblemType type() {
			return new ProblemType("rebuild-" + name().toLowerCase(Locale.ROOT).replace('_', '-'), this.status,
					this.title);
		}

		ResponseEntity<ProblemDetail> answer(String detail) {
			ProblemDetail problem = type().detail(detail);
			ResponseEntity.BodyBuilder response = ResponseEntity.status(this.status)
				.contentType(MediaType.APPLICATION_PROBLEM_JSON);
			if (this == UNAUTHENTICATED) {
				response.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
			}
			return response.body(problem);
		}

	}

}

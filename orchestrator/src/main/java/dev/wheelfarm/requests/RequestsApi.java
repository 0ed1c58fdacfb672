package dev.wheelfarm.requests;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

import dev.wheelfarm.requests.RequestOutcome.Accepted;
import dev.wheelfarm.requests.RequestOutcome.Reason;
import dev.wheelfarm.requests.RequestOutcome.Refused;
import dev.wheelfarm.web.ApiJson;
import dev.wheelfarm.web.ClientAddresses;
import dev.wheelfarm.web.ClientRateLimiter;
import dev.wheelfarm.web.ProblemType;
import jakarta.servlet.http.HttpServletRequest;

import dev.wheelfarm.web.Problems;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * The JSON side of the request form. Refusals are {@code application/problem+json} (RFC
 * 9457) with the same words the form uses.
 */
@RestController
@RequestMapping(path = "/api", produces = "application/json")
class RequestsApi {

	private final RequestService requests;

	private final RequestRateLimiter rateLimiter;

	private final ClientAddresses clients;

	RequestsApi(RequestService requests, RequestRateLimiter rateLimiter, ClientAddresses clients) {
		this.requests = requests;
		this.rateLimiter = rateLimiter;
		this.clients = clients;
	}

	/**
	 * 202 for a new build, 200 for an existing one; either way the body names the build.
	 */
	@PostMapping(path = "/requests", consumes = "application/json")
	ResponseEntity<?> request(@RequestBody BuildRequestForm body, HttpServletRequest request) {
		Optional<Duration> wait = this.rateLimiter.tryAcquire(this.clients.of(request));
		if (wait.isPresent()) {
			return Problems.tooMany(ClientRateLimiter.retryAfterSeconds(wait.get()), "requests");
		}
		String project = (body != null) ? body.project() : null;
		String version = (body != null) ? body.version() : null;
		if (project != null && project.length() > 200) {
			return refusal(Reason.INVALID_INPUT, "project", "A project name has at most 200 characters.");
		}
		RequestOutcome outcome = this.requests.request(project, version);
		if (outcome instanceof Accepted accepted) {
			URI location = ServletUriComponentsBuilder.fromCurrentContextPath()
				.path("/api/builds/{id}")
				.buildAndExpand(accepted.buildId())
				.toUri();
			String page = ServletUriComponentsBuilder.fromCurrentContextPath()
				.path("/builds/{id}")
				.buildAndExpand(accepted.buildId())
				.toUriString();
			return ResponseEntity.status(accepted.created() ? HttpStatus.ACCEPTED : HttpStatus.OK)
				.location(location)
				.body(new RequestAnswer(accepted.buildId(), accepted.created(), location.toString(), page));
		}
		Refused refused = (Refused) outcome;
		return refusal(refused.reason(), refused.field(), refused.message());
	}

	/**
	 * A refusal whose type is the reason's ({@code urn:wheelfarm:problem:not-opted-in};
	 * invalid input is the API's common {@code invalid-request}), naming the field it is
	 * about.
	 */
	private static ResponseEntity<ProblemDetail> refusal(Reason reason, String field, String message) {
		ProblemType type = (reason == Reason.INVALID_INPUT) ? Problems.INVALID_REQUEST
				: new ProblemType(reason.name().toLowerCase(Locale.ROOT).replace('_', '-'),
						HttpStatus.valueOf(reason.status()), reason.title());
		ResponseEntity<ProblemDetail> answer = type.answer(message);
		answer.getBody().setProperty("field", field);
		return answer;
	}

	/**
	 * The answer to an accepted request.
	 *
	 * @param buildId the build to follow (new or existing)
	 * @param created whether the request made it
	 * @param buildUrl its JSON ({@code /api/builds/{id}}, also the Location)
	 * @param pageUrl its page
	 */
	@ApiJson
	record RequestAnswer(long buildId, boolean created, String buildUrl, String pageUrl) {

	}

}

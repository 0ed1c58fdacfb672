package dev.wheelfarm.requests;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import dev.wheelfarm.requests.RequestOutcome.Accepted;
import dev.wheelfarm.requests.RequestOutcome.Refused;
import dev.wheelfarm.web.ClientAddresses;
import dev.wheelfarm.web.ClientRateLimiter;
import jakarta.servlet.http.HttpServletRequest;

import dev.wheelfarm.web.Problems;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
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
			long seconds = ClientRateLimiter.retryAfterSeconds(wait.get());
			return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
				.contentType(MediaType.APPLICATION_PROBLEM_JSON)
				.header("Retry-After", Long.toString(seconds))
				.body(Problems.detail(HttpStatus.TOO_MANY_REQUESTS, "Too many requests",
						"Too many requests from your address. Try again in " + seconds + " s."));
		}
		String project = (body != null) ? body.project() : null;
		String version = (body != null) ? body.version() : null;
		if (project != null && project.length() > 200) {
			return Problems.answer(HttpStatus.BAD_REQUEST, "Invalid request",
					"A project name has at most 200 characters.");
		}
		RequestOutcome outcome = this.requests.request(project, version);
		if (outcome instanceof Accepted accepted) {
			URI location = ServletUriComponentsBuilder.fromCurrentContextPath()
				.path("/api/builds/{id}")
				.buildAndExpand(accepted.buildId())
				.toUri();
			Map<String, Object> answer = Map.of("build", accepted.buildId(), "created", accepted.created(), "page",
					ServletUriComponentsBuilder.fromCurrentContextPath()
						.path("/builds/{id}")
						.buildAndExpand(accepted.buildId())
						.toUriString());
			return ResponseEntity.status(accepted.created() ? HttpStatus.ACCEPTED : HttpStatus.OK)
				.location(location)
				.body(answer);
		}
		Refused refused = (Refused) outcome;
		return Problems.answer(HttpStatus.valueOf(refused.reason().status()), refused.reason().name(),
				refused.message());
	}

}

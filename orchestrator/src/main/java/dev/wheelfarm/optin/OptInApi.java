package dev.wheelfarm.optin;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.wheelfarm.shared.InvalidNameException;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.web.ClientAddresses;
import dev.wheelfarm.web.ClientRateLimiter;
import dev.wheelfarm.web.Problems;
import jakarta.servlet.http.HttpServletRequest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * The opt-in JSON API. {@code POST /api/opt-ins} registers a repository and answers 202
 * with the registration's status resource ({@code GET /api/opt-ins?repository=<url>});
 * {@code GET /api/opt-ins/{project}} shows a project's opt-in: its state and reason, the
 * parsed config, the commit it came from, and every problem found.
 */
@RestController
@RequestMapping(path = "/api/opt-ins", produces = MediaType.APPLICATION_JSON_VALUE)
class OptInApi {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final OptInService service;

	private final RegistrationRateLimiter rateLimiter;

	private final ClientAddresses clients;

	OptInApi(OptInService service, RegistrationRateLimiter rateLimiter, ClientAddresses clients) {
		this.service = service;
		this.rateLimiter = rateLimiter;
		this.clients = clients;
	}

	@PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
	ResponseEntity<?> register(@RequestBody(required = false) JsonNode body, HttpServletRequest request) {
		// Counted before anything else: even a refused registration costs a DNS lookup.
		Optional<Duration> wait = this.rateLimiter.tryAcquire(this.clients.of(request));
		if (wait.isPresent()) {
			long seconds = ClientRateLimiter.retryAfterSeconds(wait.get());
			return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
				.contentType(MediaType.APPLICATION_PROBLEM_JSON)
				.header("Retry-After", Long.toString(seconds))
				.body(Problems.detail(HttpStatus.TOO_MANY_REQUESTS, HttpStatus.TOO_MANY_REQUESTS.getReasonPhrase(),
						"Too many registrations from your address. Try again in " + seconds + " s."));
		}
		JsonNode repository = (body != null) ? body.path("repository") : null;
		if (repository == null || !repository.isString()) {
			return error(HttpStatus.BAD_REQUEST, "send {\"repository\": \"https://…\"}: the URL of a git repository");
		}
		String url;
		try {
			url = this.service.register(repository.stringValue());
		}
		catch (IllegalArgumentException ex) {
			return error(HttpStatus.BAD_REQUEST, ex.getMessage());
		}
		URI status = UriComponentsBuilder.fromPath("/api/opt-ins").queryParam("repository", "{url}").build(url);
		Map<String, Object> answer = this.service.registration(url).map(this::registration).orElseGet(Map::of);
		return ResponseEntity.accepted().location(status).body(answer);
	}

	@GetMapping(params = "repository")
	ResponseEntity<?> registration(@RequestParam String repository) {
		Optional<OptInRepository.RepositoryRow> row;
		try {
			row = this.service.registration(repository);
		}
		catch (IllegalArgumentException ex) {
			return error(HttpStatus.BAD_REQUEST, ex.getMessage());
		}
		if (row.isEmpty()) {
			return error(HttpStatus.NOT_FOUND, "that repository is not registered");
		}
		return ResponseEntity.ok(registration(row.get()));
	}

	@GetMapping("/{project}")
	ResponseEntity<?> project(@PathVariable String project) {
		ProjectName name;
		try {
			name = ProjectName.of(project);
		}
		catch (InvalidNameException ex) {
			return error(HttpStatus.BAD_REQUEST, "not a valid PyPI project name");
		}
		Optional<OptInRepository.ProjectRow> row = this.service.project(name.value());
		List<OptInRepository.ClaimRow> claims = this.service.claimsFor(name.value());
		if (row.isEmpty() && claims.isEmpty()) {
			return error(HttpStatus.NOT_FOUND, name.value() + " has not been named by any registered repository");
		}
		Map<String, Object> answer = new LinkedHashMap<>();
		answer.put("project", name.value());
		row.ifPresent((found) -> {
			answer.put("display_name", found.displayName());
			answer.put("state", found.optinState());
			answer.put("reason", found.optinReason());
			answer.put("settings", json(found.settings()));
			if (found.repositoryId() != null) {
				this.service.repository(found.repositoryId())
					.ifPresent((repository) -> answer.put("repository", registration(repository)));
			}
		});
		List<Map<String, Object>> shownClaims = new ArrayList<>();
		for (OptInRepository.ClaimRow claim : claims) {
			shownClaims.add(claim(claim));
		}
		answer.put("claims", shownClaims);
		return ResponseEntity.ok(answer);
	}

	private Map<String, Object> registration(OptInRepository.RepositoryRow row) {
		Map<String, Object> answer = new LinkedHashMap<>();
		answer.put("repository", row.url());
		answer.put("status", (row.checkedAt() == null) ? "queued" : (row.configError() != null) ? "error" : "read");
		answer.put("commit", row.headCommit());
		answer.put("checked_at", (row.checkedAt() != null) ? row.checkedAt().toString() : null);
		answer.put("config_file", row.configPath());
		answer.put("config", json(row.config()));
		answer.put("problems", json(row.configProblems()));
		answer.put("error", row.configError());
		List<Map<String, Object>> projects = new ArrayList<>();
		for (OptInRepository.ClaimRow claim : this.service.claimsOf(row.id())) {
			projects.add(claim(claim));
		}
		answer.put("projects", projects);
		return answer;
	}

	private static Map<String, Object> claim(OptInRepository.ClaimRow claim) {
		Map<String, Object> shown = new LinkedHashMap<>();
		shown.put("project", claim.projectName());
		shown.put("display_name", claim.displayName());
		shown.put("repository", claim.url());
		shown.put("outcome", claim.outcome());
		shown.put("reason", claim.reason());
		shown.put("checked_at", claim.checkedAt().toString());
		return shown;
	}

	private static JsonNode json(String text) {
		return (text != null) ? JSON.readTree(text) : null;
	}

	/**
	 * Refusals are {@code application/problem+json} (RFC 9457), as in the rest of the
	 * API.
	 */
	private static ResponseEntity<ProblemDetail> error(HttpStatus status, String message) {
		return Problems.answer(status, status.getReasonPhrase(), message);
	}

}

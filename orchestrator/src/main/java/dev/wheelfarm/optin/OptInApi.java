package dev.wheelfarm.optin;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.wheelfarm.shared.InvalidNameException;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.web.ApiJson;
import dev.wheelfarm.web.ClientAddresses;
import dev.wheelfarm.web.Coded;
import dev.wheelfarm.web.ClientRateLimiter;
import dev.wheelfarm.web.ProblemType;
import dev.wheelfarm.web.Problems;
import jakarta.servlet.http.HttpServletRequest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
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

	static final ProblemType INVALID_REPOSITORY = new ProblemType("invalid-repository", HttpStatus.BAD_REQUEST,
			"Not a repository the farm can register");

	static final ProblemType UNKNOWN_REGISTRATION = new ProblemType("unknown-registration", HttpStatus.NOT_FOUND,
			"Repository not registered");

	static final ProblemType UNKNOWN_OPT_IN = new ProblemType("unknown-opt-in", HttpStatus.NOT_FOUND,
			"Project not named by any repository");

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
			return Problems.tooMany(ClientRateLimiter.retryAfterSeconds(wait.get()), "registrations");
		}
		JsonNode repository = (body != null) ? body.path("repository") : null;
		if (repository == null || !repository.isString()) {
			return Problems.INVALID_REQUEST.answer("send {\"repository\": \"https://…\"}: the URL of a git repository");
		}
		String url;
		try {
			url = this.service.register(repository.stringValue());
		}
		catch (IllegalArgumentException ex) {
			return INVALID_REPOSITORY.answer(ex.getMessage());
		}
		URI status = UriComponentsBuilder.fromPath("/api/opt-ins").queryParam("repository", "{url}").build(url);
		// Just written, so it is there; read back for the same document GET answers.
		return ResponseEntity.accepted()
			.location(status)
			.body(registration(this.service.registration(url).orElseThrow()));
	}

	@GetMapping(params = "repository")
	ResponseEntity<?> registration(@RequestParam String repository) {
		Optional<OptInRepository.RepositoryRow> row;
		try {
			row = this.service.registration(repository);
		}
		catch (IllegalArgumentException ex) {
			return INVALID_REPOSITORY.answer(ex.getMessage());
		}
		if (row.isEmpty()) {
			return UNKNOWN_REGISTRATION.answer("that repository is not registered");
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
			return Problems.INVALID_PROJECT_NAME.answer("not a valid PyPI project name");
		}
		Optional<OptInRepository.ProjectRow> row = this.service.project(name.value());
		List<Claim> claims = this.service.claimsFor(name.value()).stream().map(Claim::of).toList();
		if (row.isEmpty() && claims.isEmpty()) {
			return UNKNOWN_OPT_IN.answer(name.value() + " has not been named by any registered repository");
		}
		OptInRepository.ProjectRow found = row.orElse(null);
		Registration repository = (found != null && found.repositoryId() != null)
				? this.service.repository(found.repositoryId()).map(this::registration).orElse(null) : null;
		return ResponseEntity.ok(new ProjectOptIn(name.value(), (found != null) ? found.displayName() : null,
				(found != null) ? new Coded(Coded.code(found.optinState()), found.optinReason()) : null,
				(found != null) ? json(found.settings()) : null, repository, claims));
	}

	private Registration registration(OptInRepository.RepositoryRow row) {
		return new Registration(row.url(),
				(row.checkedAt() == null) ? "queued" : (row.configError() != null) ? "error" : "read", row.headCommit(),
				(row.checkedAt() != null) ? row.checkedAt().toInstant() : null, row.configPath(), json(row.config()),
				json(row.configProblems()), row.configError(),
				this.service.claimsOf(row.id()).stream().map(Claim::of).toList());
	}

	private static JsonNode json(String text) {
		return (text != null) ? JSON.readTree(text) : null;
	}

	/**
	 * {@code GET /api/opt-ins?repository=}: a registered repository as the farm last read
	 * it.
	 *
	 * @param repository its URL
	 * @param status {@code queued} (not read yet), {@code read} or {@code error}
	 * @param commit the commit its config was read from
	 * @param checkedAt when it was last read
	 * @param configFile the file the config was found in
	 * @param config the config as read, in its own (TOML) spelling
	 * @param problems what is wrong with the config
	 * @param error why it could not be read, else null
	 * @param projects the projects it names, and what became of each claim
	 */
	@ApiJson
	record Registration(String repository, String status, String commit, Instant checkedAt, String configFile,
			JsonNode config, JsonNode problems, String error, List<Claim> projects) {

	}

	/**
	 * A repository's claim on a project.
	 *
	 * @param project the normalized name
	 * @param displayName the name as the config spells it
	 * @param repository the claiming repository
	 * @param outcome what the farm decided ({@code opted-in}, {@code rejected}, ...)
	 * @param reason why
	 * @param checkedAt when
	 */
	@ApiJson
	record Claim(String project, String displayName, String repository, String outcome, String reason,
			Instant checkedAt) {

		static Claim of(OptInRepository.ClaimRow claim) {
			return new Claim(claim.projectName(), claim.displayName(), claim.url(), Coded.code(claim.outcome()),
					claim.reason(), claim.checkedAt().toInstant());
		}

	}

	/**
	 * {@code GET /api/opt-ins/{project}}.
	 *
	 * @param project the normalized name
	 * @param displayName its spelling, null until a repository's claim is accepted
	 * @param state its opt-in state ({@code pending}, {@code opted-in}, {@code rejected},
	 * {@code disabled}) and why, null likewise
	 * @param settings the settings the farm builds it with, in the config's spelling
	 * @param repository the repository it opted in from, else null
	 * @param claims every repository's claim on it
	 */
	@ApiJson
	record ProjectOptIn(String project, String displayName, Coded state, JsonNode settings, Registration repository,
			List<Claim> claims) {

	}

}

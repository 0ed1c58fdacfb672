package dev.wheelfarm.stages;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import dev.wheelfarm.shared.ProjectName;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * The stage API, JSON with RFC 9457 problem details for errors. Every call that opens,
 * lists, publishes or discards needs the project's upload credential (the same one twine
 * uses, as Basic {@code __token__:<secret>} or Bearer); reading one stage needs only its
 * token, which is what its URL already grants.
 * <ul>
 * <li>{@code POST /api/projects/{name}/stages}: the project's open stage, opened if it
 * has none (201) or as it is (200)</li>
 * <li>{@code GET /api/projects/{name}/stages}: the project's recent stages</li>
 * <li>{@code GET /api/stages/{token}}: one stage and its files</li>
 * <li>{@code POST /api/stages/{token}/publish}: all its files become public at once</li>
 * <li>{@code DELETE /api/stages/{token}}: its files are discarded</li>
 * </ul>
 */
@RestController
public class StagesApi {

	private final Stages stages;

	private final StageKeyholders keyholders;

	StagesApi(Stages stages, StageKeyholders keyholders) {
		this.stages = stages;
		this.keyholders = keyholders;
	}

	@PostMapping(path = "/api/projects/{name}/stages", produces = MediaType.APPLICATION_JSON_VALUE)
	ResponseEntity<?> open(@PathVariable String name,
			@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization) {
		try {
			long projectId = authorize(authorization, project(name));
			boolean existed = this.stages.current(projectId).isPresent();
			Stage stage = this.stages.openStage(projectId);
			return ResponseEntity.status(existed ? HttpStatus.OK : HttpStatus.CREATED)
				.location(URI.create(base() + "/api/stages/" + stage.token()))
				.body(describe(stage));
		}
		catch (Refusal ex) {
			return ex.response();
		}
	}

	@GetMapping(path = "/api/projects/{name}/stages", produces = MediaType.APPLICATION_JSON_VALUE)
	ResponseEntity<?> list(@PathVariable String name,
			@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization) {
		try {
			ProjectName project = project(name);
			authorize(authorization, project);
			List<Map<String, Object>> shown = new ArrayList<>();
			for (Stage stage : this.stages.of(project)) {
				shown.add(describe(stage));
			}
			return ResponseEntity.ok(Map.of("project", project.value(), "stages", shown));
		}
		catch (Refusal ex) {
			return ex.response();
		}
	}

	@GetMapping(path = "/api/stages/{token}", produces = MediaType.APPLICATION_JSON_VALUE)
	ResponseEntity<?> show(@PathVariable String token) {
		Optional<Stage> stage = this.stages.byToken(token);
		if (stage.isEmpty()) {
			return problem(HttpStatus.NOT_FOUND, "No stage has this token").response();
		}
		return ResponseEntity.ok(describe(stage.get()));
	}

	@PostMapping(path = "/api/stages/{token}/publish", produces = MediaType.APPLICATION_JSON_VALUE)
	ResponseEntity<?> publish(@PathVariable String token,
			@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization) {
		try {
			Stage stage = authorizedStage(token, authorization);
			Optional<List<String>> published = this.stages.publish(stage);
			if (published.isEmpty()) {
				throw notOpen(stage);
			}
			return ResponseEntity.ok(describe(this.stages.byToken(token).orElseThrow(), published.get()));
		}
		catch (Refusal ex) {
			return ex.response();
		}
	}

	@DeleteMapping(path = "/api/stages/{token}", produces = MediaType.APPLICATION_JSON_VALUE)
	ResponseEntity<?> discard(@PathVariable String token,
			@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization) {
		try {
			Stage stage = authorizedStage(token, authorization);
			Optional<List<String>> discarded = this.stages.discard(stage, "discarded by its project");
			if (discarded.isEmpty()) {
				throw notOpen(stage);
			}
			return ResponseEntity.ok(describe(this.stages.byToken(token).orElseThrow(), discarded.get()));
		}
		catch (Refusal ex) {
			return ex.response();
		}
	}

	/** The stage's index URL, the one pip is given. */
	public static String indexUrl(Stage stage) {
		return base() + "/stage/" + stage.token() + "/simple/";
	}

	private Stage authorizedStage(String token, String authorization) throws Refusal {
		Stage stage = this.stages.byToken(token)
			.orElseThrow(() -> problem(HttpStatus.NOT_FOUND, "No stage has this token"));
		authorize(authorization, ProjectName.of(stage.project()));
		return stage;
	}

	private long authorize(String authorization, ProjectName project) throws Refusal {
		try {
			return this.keyholders.authorize(authorization, project);
		}
		catch (StageAccessRefusedException ex) {
			throw problem((authorization == null) ? HttpStatus.UNAUTHORIZED : HttpStatus.FORBIDDEN, ex.getMessage());
		}
	}

	/** Used by the answers to name URLs below this application. */
	private static String base() {
		return ServletUriComponentsBuilder.fromCurrentContextPath().toUriString();
	}

	private static ProjectName project(String name) throws Refusal {
		if (!ProjectName.isValid(name)) {
			throw problem(HttpStatus.BAD_REQUEST, "not a valid project name");
		}
		return ProjectName.of(name);
	}

	private static Refusal notOpen(Stage stage) {
		return problem(HttpStatus.CONFLICT, "The stage is " + state(stage)
				+ ((stage.closedReason() != null) ? " (" + stage.closedReason() + ")" : "") + ", not open");
	}

	/** open, expired (open, past its time, not yet discarded), published or discarded. */
	private static String state(Stage stage) {
		if (Stage.OPEN.equals(stage.state())) {
			return stage.isOpen() ? "open" : "expired";
		}
		return stage.state().toLowerCase(Locale.ROOT);
	}

	private Map<String, Object> describe(Stage stage) {
		Map<String, Object> shown = describe(stage, null);
		List<Map<String, Object>> files = new ArrayList<>();
		for (Stages.StagedFile file : this.stages.files(stage.id())) {
			Map<String, Object> one = new LinkedHashMap<>();
			one.put("filename", file.filename());
			one.put("kind", file.kind());
			one.put("sha256", file.sha256());
			one.put("size", file.size());
			one.put("stored_at", file.storedAt().toString());
			one.put("uploaded_by", file.uploadedBy());
			files.add(one);
		}
		// Once closed a stage holds nothing: its files are public or gone.
		shown.put("files", files);
		return shown;
	}

	private static Map<String, Object> describe(Stage stage, List<String> changed) {
		Map<String, Object> shown = new LinkedHashMap<>();
		shown.put("project", stage.project());
		shown.put("state", state(stage));
		shown.put("index_url", indexUrl(stage));
		shown.put("upload_url", base() + "/stage/" + stage.token() + "/legacy/");
		shown.put("created_at", stage.createdAt().toString());
		shown.put("expires_at", stage.expiresAt().toString());
		shown.put("closed_at", (stage.closedAt() != null) ? stage.closedAt().toString() : null);
		shown.put("closed_reason", stage.closedReason());
		if (changed != null) {
			shown.put("files", changed);
		}
		return shown;
	}

	private static Refusal problem(HttpStatus status, String detail) {
		return new Refusal(ProblemDetail.forStatusAndDetail(status, detail));
	}

	/** A refusal, answered as problem details. */
	private static final class Refusal extends Exception {

		private static final long serialVersionUID = 1L;

		private final transient ProblemDetail problem;

		Refusal(ProblemDetail problem) {
			super(problem.getDetail());
			this.problem = problem;
		}

		ResponseEntity<?> response() {
			ResponseEntity.BodyBuilder builder = ResponseEntity.status(this.problem.getStatus())
				.contentType(MediaType.APPLICATION_PROBLEM_JSON);
			if (this.problem.getStatus() == HttpStatus.UNAUTHORIZED.value()) {
				builder.header(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"wheelfarm uploads\"");
			}
			return builder.body(this.problem);
		}

	}

}

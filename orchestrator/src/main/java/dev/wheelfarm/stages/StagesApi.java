package dev.wheelfarm.stages;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.web.ApiJson;
import dev.wheelfarm.web.ProblemType;
import dev.wheelfarm.web.Problems;

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

	static final ProblemType UNKNOWN_STAGE = new ProblemType("unknown-stage", HttpStatus.NOT_FOUND, "Unknown stage");

	static final ProblemType NOT_OPEN = new ProblemType("stage-not-open", HttpStatus.CONFLICT, "The stage is not open");

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
			List<StageDocument> shown = this.stages.of(project).stream().map(this::describe).toList();
			return ResponseEntity.ok(new StageList(project.value(), shown));
		}
		catch (Refusal ex) {
			return ex.response();
		}
	}

	@GetMapping(path = "/api/stages/{token}", produces = MediaType.APPLICATION_JSON_VALUE)
	ResponseEntity<?> show(@PathVariable String token) {
		Optional<Stage> stage = this.stages.byToken(token);
		if (stage.isEmpty()) {
			return new Refusal(UNKNOWN_STAGE.detail("No stage has this token")).response();
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
			.orElseThrow(() -> new Refusal(UNKNOWN_STAGE.detail("No stage has this token")));
		authorize(authorization, ProjectName.of(stage.project()));
		return stage;
	}

	private long authorize(String authorization, ProjectName project) throws Refusal {
		try {
			return this.keyholders.authorize(authorization, project);
		}
		catch (StageAccessRefusedException ex) {
			throw new Refusal(
					((authorization == null) ? Problems.UNAUTHENTICATED : Problems.FORBIDDEN).detail(ex.getMessage()));
		}
	}

	/** Used by the answers to name URLs below this application. */
	private static String base() {
		return ServletUriComponentsBuilder.fromCurrentContextPath().toUriString();
	}

	private static ProjectName project(String name) throws Refusal {
		if (!ProjectName.isValid(name)) {
			throw new Refusal(Problems.INVALID_PROJECT_NAME.detail("not a valid project name"));
		}
		return ProjectName.of(name);
	}

	private static Refusal notOpen(Stage stage) {
		return new Refusal(NOT_OPEN.detail("The stage is " + state(stage)
				+ ((stage.closedReason() != null) ? " (" + stage.closedReason() + ")" : "") + ", not open"));
	}

	/** open, expired (open, past its time, not yet discarded), published or discarded. */
	private static String state(Stage stage) {
		if (Stage.OPEN.equals(stage.state())) {
			return stage.isOpen() ? "open" : "expired";
		}
		return stage.state().toLowerCase(Locale.ROOT);
	}

	private StageDocument describe(Stage stage) {
		return describe(stage, null);
	}

	private StageDocument describe(Stage stage, List<String> closed) {
		// Once closed a stage holds nothing: its files are public or gone.
		List<StagedFile> files = this.stages.files(stage.id())
			.stream()
			.map((file) -> new StagedFile(file.filename(), file.kind(), file.sha256(), file.size(), file.storedAt(),
					file.uploadedBy()))
			.toList();
		return new StageDocument(stage.project(), state(stage), indexUrl(stage),
				base() + "/stage/" + stage.token() + "/legacy/", stage.createdAt(), stage.expiresAt(), stage.closedAt(),
				stage.closedReason(), files, closed);
	}

	/**
	 * One stage.
	 *
	 * @param project the normalized project name
	 * @param state {@code open}, {@code expired}, {@code published} or {@code discarded}
	 * @param indexUrl the stage's index, for pip
	 * @param uploadUrl the stage's upload URL, for twine
	 * @param createdAt when it was opened
	 * @param expiresAt when an open stage is discarded unless published
	 * @param closedAt when it was published or discarded, else null
	 * @param closedReason why it was closed, else null
	 * @param files what it holds now (nothing once closed)
	 * @param closedFiles the filenames this call published or discarded; null in the
	 * other answers
	 */
	@ApiJson
	record StageDocument(String project, String state, String indexUrl, String uploadUrl, Instant createdAt,
			Instant expiresAt, Instant closedAt, String closedReason, List<StagedFile> files,
			List<String> closedFiles) {

	}

	/**
	 * @param filename the file
	 * @param kind {@code wheel} or {@code sdist}
	 * @param sha256 its digest
	 * @param size its size in bytes
	 * @param storedAt when it was uploaded
	 * @param uploadedBy who uploaded it
	 */
	@ApiJson
	record StagedFile(String filename, String kind, String sha256, long size, Instant storedAt, String uploadedBy) {

	}

	/**
	 * {@code GET /api/projects/{name}/stages}.
	 *
	 * @param project the normalized project name
	 * @param stages its recent stages, newest first
	 */
	@ApiJson
	record StageList(String project, List<StageDocument> stages) {

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

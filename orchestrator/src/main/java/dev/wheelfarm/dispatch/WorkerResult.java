package dev.wheelfarm.dispatch;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.wheelfarm.builds.FailureClass;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/**
 * The worker's result.json (schema version 1, worker-templates/result.schema.json). It is
 * the worker's account of what it did: the orchestrator re-hashes and re-validates every
 * wheel before it believes any of it.
 *
 * @param schemaVersion the result format's version
 * @param workerVersion the worker script's version (part of the recipe)
 * @param stage {@code final} for a whole job; {@code pure}/{@code platform} for the
 * partial results of the workflow's jobs
 * @param status the overall outcome
 * @param strategy how the wheels were made
 * @param sdist the downloaded sdist, {@code null} if it was never verified
 * @param platforms one entry per platform the job tried
 * @param wheels every wheel the job produced
 * @param failure why the job failed, {@code null} unless {@code status} is failure
 * @param notes human-readable remarks (for example why cibuildwheel did not run)
 * @param cibuildwheelPlan the cibuildwheel invocations the worker ran or would run
 * @param sandbox how the local builder sandboxed the build, {@code null} where none ran
 * @param buildEnvironment what the build's isolated environment downloaded from the
 * package index
 */
public record WorkerResult(int schemaVersion, String workerVersion, String stage, Status status, Strategy strategy,
		Sdist sdist, List<PlatformOutcome> platforms, List<Wheel> wheels, Failure failure, List<String> notes,
		List<CibuildwheelPlan> cibuildwheelPlan, Sandbox sandbox, List<BuildDependency> buildEnvironment) {

	/** The only result format this orchestrator reads. */
	public static final int SCHEMA_VERSION = 1;

	private static final JsonMapper JSON = JsonMapper.builder()
		.propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
		.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
		.build();

	public WorkerResult {
		platforms = (platforms != null) ? List.copyOf(platforms) : List.of();
		wheels = (wheels != null) ? List.copyOf(wheels) : List.of();
		notes = (notes != null) ? List.copyOf(notes) : List.of();
		cibuildwheelPlan = (cibuildwheelPlan != null) ? List.copyOf(cibuildwheelPlan) : List.of();
		buildEnvironment = (buildEnvironment != null) ? List.copyOf(buildEnvironment) : List.of();
	}

	/**
	 * Reads a result.json written by the worker (locally, or collected from a workflow
	 * run).
	 * @return the result, or empty when the file is not a result of a version we read
	 */
	public static Optional<WorkerResult> read(Path resultJson) {
		try {
			WorkerResult result = JSON.readValue(resultJson.toFile(), WorkerResult.class);
			return (result.schemaVersion() == SCHEMA_VERSION) ? Optional.of(result) : Optional.empty();
		}
		catch (JacksonException ex) {
			return Optional.empty();
		}
	}

	/**
	 * Writes this result as a result.json (for results the orchestrator had to
	 * synthesize).
	 */
	public void write(Path resultJson) {
		JSON.writeValue(resultJson.toFile(), this);
	}

	/** Parses a result.json, failing with Jackson's explanation when it cannot. */
	public static WorkerResult parse(Path resultJson) {
		return JSON.readValue(resultJson.toFile(), WorkerResult.class);
	}

	/** A result for a job that ended without the worker writing one (killed, crashed). */
	public static WorkerResult synthesized(FailureClass failureClass, String message, String logExcerpt) {
		return new WorkerResult(SCHEMA_VERSION, null, "final", Status.FAILURE, Strategy.NONE, null, List.of(),
				List.of(), new Failure(failureClass, message, logExcerpt), List.of(), List.of(), null, List.of());
	}

	public enum Status {

		SUCCESS("success"), FAILURE("failure"), NOTHING_TO_BUILD("nothing-to-build"),
		NEEDS_PLATFORM_BUILD("needs-platform-build");

		private final String wire;

		Status(String wire) {
			this.wire = wire;
		}

		@JsonValue
		public String wire() {
			return this.wire;
		}

	}

	public enum Strategy {

		/** {@code python -m build} made only {@code none-any} wheels. */
		PURE("pure"),
		/** Platform wheels from cibuildwheel. */
		CIBUILDWHEEL("cibuildwheel"),
		/** cibuildwheel could not run; the wheel is build's wheel for this machine. */
		NATIVE("native"),
		/** Nothing was built. */
		NONE("none");

		private final String wire;

		Strategy(String wire) {
			this.wire = wire;
		}

		@JsonValue
		public String wire() {
			return this.wire;
		}

	}

	public record Sdist(String filename, String sha256, long size) {
	}

	public record PlatformOutcome(String platform, String runner, String tool, String outcome,
			FailureClass failureClass, Integer exitCode, String logExcerpt, String note, List<String> wheels) {

		public PlatformOutcome {
			wheels = (wheels != null) ? List.copyOf(wheels) : List.of();
		}

	}

	public record Wheel(String filename, String sha256, long size, String platform) {
	}

	public record Failure(@JsonProperty("class") FailureClass failureClass, String message, String logExcerpt) {
	}

	/**
	 * The local builder's sandbox as the worker set it up.
	 *
	 * @param mode {@code bubblewrap}
	 * @param user who the build ran as
	 * @param network what the build could reach
	 * @param indexUrl the package index the build reached through the relay
	 * @param limits the limits of the build's processes
	 * @param hidden the paths hidden from the build
	 * @param denied what the sandbox denied the build
	 */
	public record Sandbox(String mode, String user, String network, String indexUrl, Map<String, Long> limits,
			List<String> hidden, List<String> denied) {

		public Sandbox {
			limits = (limits != null) ? Map.copyOf(limits) : Map.of();
			hidden = (hidden != null) ? List.copyOf(hidden) : List.of();
			denied = (denied != null) ? List.copyOf(denied) : List.of();
		}

	}

	/**
	 * A file the build's isolated environment downloaded.
	 *
	 * @param name the normalized project name, from the filename
	 * @param version its version, from the filename ({@code null} if unreadable)
	 * @param filename the file's name
	 * @param sha256 the hash of the bytes the build received
	 * @param size their number
	 */
	public record BuildDependency(String name, String version, String filename, String sha256, long size) {
	}

	public record CibuildwheelPlan(String platform, String runner, List<String> command,
			Map<String, String> environment) {

		public CibuildwheelPlan {
			command = (command != null) ? List.copyOf(command) : List.of();
			environment = (environment != null) ? Map.copyOf(environment) : Map.of();
		}

	}

}

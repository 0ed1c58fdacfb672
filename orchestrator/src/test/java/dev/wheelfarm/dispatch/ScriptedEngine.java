package dev.wheelfarm.dispatch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.wheelfarm.shared.Sha256;

/**
 * A build engine whose runs follow a script: a fake of our own interface, so the
 * dispatcher's rules can be exercised round by round. It remembers every call, and it
 * survives a "crash" of the dispatcher (runs live here, like they live on GitHub).
 */
final class ScriptedEngine implements BuildEngine {

	final List<BuildJob> dispatched = new ArrayList<>();

	final List<String> cancelled = new ArrayList<>();

	final Map<String, Run> runs = new LinkedHashMap<>();

	/** Failures to throw from the next calls of each kind, oldest first. */
	final Deque<EngineException> dispatchFailures = new ArrayDeque<>();

	final Deque<EngineException> statusFailures = new ArrayDeque<>();

	/**
	 * Failures to throw after the next dispatches started their run: the answer was lost
	 * (a timeout), the run was not.
	 */
	final Deque<EngineException> lostAnswers = new ArrayDeque<>();

	/** What the next dispatched runs will do. */
	final Deque<Run> nextRuns = new ArrayDeque<>();

	@Override
	public String name() {
		return "local";
	}

	@Override
	public RunReference dispatch(BuildJob job) throws EngineException {
		if (!this.dispatchFailures.isEmpty()) {
			throw this.dispatchFailures.pop();
		}
		this.dispatched.add(job);
		Run run = this.nextRuns.isEmpty() ? Run.succeeding() : this.nextRuns.pop();
		run.job = job;
		String id = "run-" + this.dispatched.size();
		this.runs.put(id, run);
		if (!this.lostAnswers.isEmpty()) {
			throw this.lostAnswers.pop();
		}
		return new RunReference(id, "https://runs.example/" + id);
	}

	@Override
	public Optional<RunReference> findRun(String requestId) {
		return this.runs.entrySet()
			.stream()
			.filter((entry) -> entry.getValue().job.requestId().equals(requestId))
			.map((entry) -> new RunReference(entry.getKey(), "https://runs.example/" + entry.getKey()))
			.findFirst();
	}

	@Override
	public RunStatus status(RunReference run) throws EngineException {
		if (!this.statusFailures.isEmpty()) {
			throw this.statusFailures.pop();
		}
		Run scripted = this.runs.get(run.id());
		return (scripted.statuses.size() > 1) ? scripted.statuses.pop() : scripted.statuses.peek();
	}

	@Override
	public void collect(RunReference run, Path directory) {
		this.runs.get(run.id()).outputs.forEach((name, bytes) -> {
			try {
				Files.write(directory.resolve(name), bytes);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		});
	}

	@Override
	public Optional<String> logExcerpt(RunReference run) {
		return Optional.ofNullable(this.runs.get(run.id()).engineLog);
	}

	@Override
	public void cancel(RunReference run) {
		this.cancelled.add(run.id());
	}

	/**
	 * One scripted run: the statuses it reports, in order (the last repeats), and its
	 * outputs.
	 */
	static final class Run {

		final Deque<RunStatus> statuses = new ArrayDeque<>();

		final Map<String, byte[]> outputs = new LinkedHashMap<>();

		BuildJob job;

		/** What the engine's own log says, for runs that leave no result. */
		String engineLog;

		static Run succeeding() {
			Run run = new Run();
			run.statuses.add(new RunStatus(RunStatus.Phase.RUNNING, null, "in_progress"));
			run.statuses.add(new RunStatus(RunStatus.Phase.COMPLETED, RunStatus.Conclusion.SUCCESS, "success"));
			return run;
		}

		static Run stuck() {
			Run run = new Run();
			run.statuses.add(new RunStatus(RunStatus.Phase.RUNNING, null, "in_progress"));
			return run;
		}

		static Run ending(RunStatus.Conclusion conclusion) {
			Run run = new Run();
			run.statuses.add(new RunStatus(RunStatus.Phase.COMPLETED, conclusion, conclusion.name().toLowerCase()));
			return run;
		}

		/** Outputs as the worker writes them for a pure wheel of the job's release. */
		Run withPureWheel(String wheelName, byte[] wheelBytes, String declaredSha256) {
			this.outputs.put(wheelName, wheelBytes);
			this.outputs.put("result.json",
					result("success", "pure", "[{\"filename\":\"" + wheelName + "\",\"sha256\":\"" + declaredSha256
							+ "\",\"size\":" + wheelBytes.length + ",\"platform\":\"any\"}]", "null"));
			return this;
		}

		Run withFailure(String failureClass, String message) {
			this.outputs.put("result.json", result("failure", "none", "[]", "{\"class\":\"" + failureClass
					+ "\",\"message\":\"" + message + "\",\"log_excerpt\":\"error: boom\"}"));
			return this;
		}

		static String sha(byte[] bytes) {
			return Sha256.digest(bytes).hex();
		}

		private static byte[] result(String status, String strategy, String wheels, String failure) {
			return ("{\"schema_version\":1,\"worker_version\":\"1.0.0\",\"stage\":\"final\",\"status\":\"" + status
					+ "\",\"strategy\":\"" + strategy + "\",\"sdist\":null,\"platforms\":[],\"wheels\":" + wheels
					+ ",\"failure\":" + failure + ",\"notes\":[],\"cibuildwheel_plan\":[]}")
				.getBytes(StandardCharsets.UTF_8);
		}

	}

}

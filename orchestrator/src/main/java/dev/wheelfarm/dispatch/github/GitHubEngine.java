package dev.wheelfarm.dispatch.github;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import org.kohsuke.github.GHEvent;
import org.kohsuke.github.GHException;
import org.kohsuke.github.GHRateLimit;
import org.kohsuke.github.GHRepository;
import org.kohsuke.github.GHWorkflowJob;
import org.kohsuke.github.GHWorkflowRun;
import org.kohsuke.github.GitHub;
import org.kohsuke.github.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.event.EventListener;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

import dev.wheelfarm.dispatch.BuildEngine;
import dev.wheelfarm.dispatch.BuildJob;
import dev.wheelfarm.dispatch.EngineException;
import dev.wheelfarm.dispatch.RunReference;
import dev.wheelfarm.dispatch.RunStatus;
import dev.wheelfarm.dispatch.RunStatus.Conclusion;
import dev.wheelfarm.dispatch.RunStatus.Phase;
import dev.wheelfarm.provenance.Publisher;

/**
 * Builds on GitHub Actions: dispatches the worker workflow in the farm's build
 * repository, follows the run, downloads its {@code wheelfarm-result} artifact.
 *
 * <p>
 * GitHub's API budget is the scarce resource, so the engine spends it deliberately: a run
 * is re-read only when a webhook said it changed or when its poll interval has passed
 * (the interval doubles while nothing changes), the run object read last is reused to
 * list artifacts and to cancel, and only the one result artifact is downloaded. Every
 * failure to talk to GitHub is an {@link EngineException}: transient (with GitHub's wait,
 * when it gave one) for 5xx, rate limits, timeouts and credentials; permanent only when
 * GitHub says the request itself is wrong.
 */
public class GitHubEngine implements BuildEngine {

	/** The engine's name in the ledger. */
	public static final String NAME = "github";

	/** The artifact the workflow's last job uploads: result.json, build.log, wheels/. */
	static final String RESULT_ARTIFACT = "wheelfarm-result";

	/**
	 * Waits between looks for a run dispatched without run details (it shows up late).
	 */
	static final List<Duration> FIND_DELAYS = List.of(Duration.ofSeconds(1), Duration.ofSeconds(2),
			Duration.ofSeconds(3), Duration.ofSeconds(5));

	/** Enough of the newest dispatched runs to cover every build in flight. */
	static final int FIND_PAGE_SIZE = 100;

	/** Polling backs off to at most this many poll intervals while a run stands still. */
	static final int MAX_BACKOFF_FACTOR = 8;

	static final int LOG_TAIL_BYTES = 16 * 1024;

	static final int MAX_FAILED_JOB_LOGS = 3;

	static final long MAX_ARTIFACT_BYTES = 4L * 1024 * 1024 * 1024;

	static final int MAX_ARTIFACT_ENTRIES = 4096;

	private static final Logger logger = LoggerFactory.getLogger(GitHubEngine.class);

	private final GitHub github;

	private final WorkflowDispatchClient dispatcher;

	private final ResultArtifacts artifacts;

	private final InstalledBundleCheck bundleCheck;

	private final GitHubProperties properties;

	/** {@code wheelfarm.dispatch.run-timeout}: the limit of a run, for every engine. */
	private final Duration runTimeout;

	private final RateBudget budget;

	private final Clock clock;

	private final Sleeper sleeper;

	private final ArtifactUnpacker unpacker = new ArtifactUnpacker(MAX_ARTIFACT_BYTES, MAX_ARTIFACT_ENTRIES);

	private final Map<String, Observation> observations = new ConcurrentHashMap<>();

	private volatile GHRepository repository;

	GitHubEngine(GitHub github, WorkflowDispatchClient dispatcher, ResultArtifacts artifacts,
			InstalledBundleCheck bundleCheck, GitHubProperties properties, Duration runTimeout, RateBudget budget,
			Clock clock, Sleeper sleeper) {
		this.github = github;
		this.dispatcher = dispatcher;
		this.artifacts = artifacts;
		this.bundleCheck = bundleCheck;
		this.properties = properties;
		this.runTimeout = runTimeout;
		this.budget = budget;
		this.clock = clock;
		this.sleeper = sleeper;
	}

	@Override
	public String name() {
		return NAME;
	}

	/**
	 * The build workflow of the farm's build repository: the assemble job signs each
	 * wheel with its OIDC identity, so a wheel signed by anything else did not come from
	 * the run the farm dispatched.
	 */
	@Override
	public Optional<Publisher> signer() {
		return Optional.of(Publisher.gitHub(this.properties.repository(), this.properties.workflow(), null));
	}

	/**
	 * Held while the build repository does not hold the workflow bundle this farm ships
	 * (see {@link InstalledBundleCheck}).
	 */
	@Override
	public Optional<String> holdReason() {
		InstalledBundleCheck.Verdict verdict = this.bundleCheck.current();
		return (verdict.state() == InstalledBundleCheck.State.DIFFERS) ? Optional.of(verdict.message())
				: Optional.empty();
	}

	/** The check of the installed bundle, for the health endpoint. */
	InstalledBundleCheck bundleCheck() {
		return this.bundleCheck;
	}

	/**
	 * Dispatches the workflow. When GitHub does not return the run (a plain 204), the run
	 * is looked up by its run-name a few times; if it still does not show, the failure is
	 * transient and says so: the caller must {@link #findRun} before dispatching the same
	 * request again, or the build would run twice.
	 */
	@Override
	public RunReference dispatch(BuildJob job) throws EngineException {
		checkBudget();
		Optional<WorkflowDispatchClient.DispatchedRun> started = call("dispatch " + job.requestId(),
				() -> this.dispatcher.dispatch(job));
		if (started.isPresent()) {
			long runId = started.get().runId();
			return new RunReference(Long.toString(runId), started.get().htmlUrl());
		}
		for (Duration delay : FIND_DELAYS) {
			Optional<RunReference> found = findRun(job.requestId());
			if (found.isPresent()) {
				return found.get();
			}
			this.sleeper.sleep(delay);
		}
		Optional<RunReference> found = findRun(job.requestId());
		if (found.isPresent()) {
			return found.get();
		}
		throw new EngineException("GitHub accepted the dispatch of " + job.requestId()
				+ " but does not list its run yet; look it up with findRun before dispatching again", true);
	}

	/**
	 * Finds the run whose run-name carries the request id among the newest dispatched
	 * runs of the build repository (the workflow's {@code run-name} is
	 * {@code "wheelfarm <request id>: <project> <version>"}).
	 */
	@Override
	public Optional<RunReference> findRun(String requestId) throws EngineException {
		checkBudget();
		Pattern token = requestIdToken(requestId);
		List<GHWorkflowRun> runs = call("list runs",
				() -> repository().queryWorkflowRuns()
					.event(GHEvent.WORKFLOW_DISPATCH)
					.list()
					.withPageSize(FIND_PAGE_SIZE)
					.iterator()
					.nextPage());
		// Two runs for one request id should not exist; if they do, the oldest is the one
		// the ledger may already know, so it wins every time.
		return runs.stream()
			.filter((run) -> matches(token, run.getDisplayTitle()) || matches(token, run.getName()))
			.min(Comparator.comparingLong(GHWorkflowRun::getId))
			.map(this::reference);
	}

	@Override
	public RunStatus status(RunReference run) throws EngineException {
		Observation previous = this.observations.get(run.id());
		Instant now = this.clock.instant();
		if (previous != null && (previous.status().phase() == Phase.COMPLETED || now.isBefore(previous.nextRead()))) {
			return previous.status();
		}
		checkBudget();
		long id = runId(run);
		GHWorkflowRun current = call("read run " + run.id(), () -> repository().getWorkflowRun(id));
		RunStatus status = map(current);
		boolean cancelRequested = previous != null && previous.cancelRequested();
		if (status.phase() != Phase.COMPLETED && !cancelRequested && overran(current, now)) {
			logger.info("GitHub run {} exceeded wheelfarm.dispatch.run-timeout ({}); cancelling it", run.id(),
					this.runTimeout);
			cancelRun(current);
			cancelRequested = true;
			status = new RunStatus(status.phase(), null, status.detail() + ", cancel requested after " + this.runTimeout
					+ " (wheelfarm.dispatch.run-timeout)");
		}
		Duration interval = nextInterval(previous, status);
		this.observations.put(run.id(),
				new Observation(status, current, now.plus(interval), interval, cancelRequested));
		forgetOldObservations();
		return status;
	}

	/**
	 * Downloads the run's result. Only an artifact that GitHub lists for this run, that
	 * names this run as its maker and that has exactly the name the workflow's assemble
	 * job writes is taken; its wheels are re-verified by the caller like any other.
	 */
	@Override
	public void collect(RunReference run, Path directory) throws EngineException {
		checkBudget();
		long runId = runId(run);
		List<ResultArtifacts.Artifact> listed = call("list artifacts of run " + run.id(),
				() -> this.artifacts.list(runId));
		ResultArtifacts.Artifact result = resultArtifact(runId, listed);
		// The storage host GitHub redirects to gets no Authorization header.
		int files = call("download artifact of run " + run.id(),
				() -> this.artifacts.download(result.id(), (zip) -> this.unpacker.unpack(zip, directory)));
		logger.debug("Unpacked {} entries of GitHub run {} into {}", files, run.id(), directory);
		this.observations.remove(run.id());
	}

	/**
	 * The one artifact of {@code listed} the farm may take as run {@code runId}'s result.
	 * Anything else is permanent: the run will not grow another artifact.
	 */
	static ResultArtifacts.Artifact resultArtifact(long runId, List<ResultArtifacts.Artifact> listed)
			throws EngineException {
		List<ResultArtifacts.Artifact> named = listed.stream()
			.filter((artifact) -> RESULT_ARTIFACT.equals(artifact.name()))
			.toList();
		if (named.isEmpty()) {
			throw new EngineException("GitHub run " + runId + " has no artifact named " + RESULT_ARTIFACT
					+ " (it lists " + listed.stream().map(ResultArtifacts.Artifact::name).toList() + ")", false);
		}
		for (ResultArtifacts.Artifact artifact : named) {
			if (artifact.workflowRunId() == null || artifact.workflowRunId() != runId) {
				throw new EngineException("The " + RESULT_ARTIFACT + " artifact " + artifact.id()
						+ " listed for GitHub run " + runId + " was made by run " + artifact.workflowRunId()
						+ "; only the run the farm dispatched may deliver its result", false);
			}
		}
		if (named.size() > 1) {
			throw new EngineException(
					"GitHub run " + runId + " lists " + named.size() + " artifacts named " + RESULT_ARTIFACT, false);
		}
		ResultArtifacts.Artifact result = named.get(0);
		if (result.expired()) {
			throw new EngineException("The " + RESULT_ARTIFACT + " artifact of run " + runId + " has expired", false);
		}
		if (result.sizeInBytes() > MAX_ARTIFACT_BYTES) {
			throw new EngineException("The " + RESULT_ARTIFACT + " artifact of run " + runId + " is too large ("
					+ result.sizeInBytes() + " bytes)", false);
		}
		return result;
	}

	@Override
	public void cancel(RunReference run) throws EngineException {
		checkBudget();
		cancelRun(knownRun(run));
		this.observations.computeIfPresent(run.id(), (id, observation) -> observation.withCancelRequested());
	}

	/**
	 * The tails of the failed jobs' logs (at most {@value #MAX_FAILED_JOB_LOGS} jobs,
	 * {@value #LOG_TAIL_BYTES} bytes each): where a run died before the worker could
	 * write its result.
	 */
	@Override
	public Optional<String> logExcerpt(RunReference run) throws EngineException {
		checkBudget();
		GHWorkflowRun workflowRun = knownRun(run);
		List<GHWorkflowJob> jobs = call("list jobs of run " + run.id(),
				() -> workflowRun.listJobs().withPageSize(FIND_PAGE_SIZE).iterator().nextPage());
		StringBuilder excerpt = new StringBuilder();
		int logs = 0;
		for (GHWorkflowJob job : jobs) {
			if (job.getConclusion() == null || job.getConclusion() == GHWorkflowRun.Conclusion.SUCCESS
					|| job.getConclusion() == GHWorkflowRun.Conclusion.SKIPPED || logs >= MAX_FAILED_JOB_LOGS) {
				continue;
			}
			String tail = call("download log of job " + job.getId(), () -> job.downloadLogs(GitHubEngine::tail));
			excerpt.append("== ").append(job.getName()).append(" (").append(job.getConclusion()).append(") ==\n");
			excerpt.append(tail).append('\n');
			logs++;
		}
		return (excerpt.length() > 0) ? Optional.of(excerpt.toString()) : Optional.empty();
	}

	/**
	 * A signed webhook said the run changed: the next {@link #status} reads it from the
	 * API instead of waiting for its poll interval. Runs before any other listener so
	 * that a dispatcher reacting to the same event sees the fresh state.
	 */
	@EventListener
	@Order(Ordered.HIGHEST_PRECEDENCE)
	public void onWorkflowRunChanged(WorkflowRunChanged event) {
		this.observations.computeIfPresent(Long.toString(event.runId()),
				(id, observation) -> (observation.status().phase() == Phase.COMPLETED) ? observation
						: observation.readNow());
	}

	static RunStatus map(GHWorkflowRun run) {
		GHWorkflowRun.Status status = run.getStatus();
		GHWorkflowRun.Conclusion conclusion = run.getConclusion();
		String detail = "GitHub run " + run.getId() + " attempt " + run.getRunAttempt() + ": " + word(status.toString())
				+ ((conclusion != null) ? "/" + word(conclusion.toString()) : "");
		return switch (status) {
			case IN_PROGRESS -> new RunStatus(Phase.RUNNING, null, detail);
			// A completed run without a conclusion has not told us how it ended: read it
			// again rather than guess.
			case COMPLETED -> (conclusion != null) ? new RunStatus(Phase.COMPLETED, conclusion(conclusion), detail)
					: new RunStatus(Phase.RUNNING, null, detail);
			// Queued, requested, waiting (for an environment), pending, action_required
			// (an approval) and anything GitHub adds later: not running yet, as far as we
			// can tell; the ledger keeps the build as dispatched.
			default -> new RunStatus(Phase.QUEUED, null, detail);
		};
	}

	private static Conclusion conclusion(GHWorkflowRun.Conclusion conclusion) {
		return switch (conclusion) {
			case SUCCESS -> Conclusion.SUCCESS;
			case CANCELLED -> Conclusion.CANCELLED;
			case TIMED_OUT -> Conclusion.TIMED_OUT;
			case STARTUP_FAILURE -> Conclusion.STARTUP_FAILURE;
			// failure, neutral, skipped, stale, action_required, unknown: the worker did
			// not report success, so no result may be trusted.
			default -> Conclusion.FAILURE;
		};
	}

	private static String word(String constant) {
		return constant.toLowerCase(java.util.Locale.ROOT);
	}

	private Duration nextInterval(Observation previous, RunStatus status) {
		if (this.properties.webhooksEnabled()) {
			return this.properties.webhookPollInterval();
		}
		Duration base = this.properties.pollInterval();
		if (previous == null || previous.status().phase() != status.phase()) {
			return base;
		}
		Duration doubled = previous.interval().multipliedBy(2);
		Duration cap = base.multipliedBy(MAX_BACKOFF_FACTOR);
		return (doubled.compareTo(cap) > 0) ? cap : doubled;
	}

	private boolean overran(GHWorkflowRun run, Instant now) {
		Instant created = createdAt(run);
		return created != null && created.plus(this.runTimeout).isBefore(now);
	}

	@SuppressWarnings("deprecation")
	private static Instant createdAt(GHWorkflowRun run) {
		try {
			java.util.Date created = run.getCreatedAt();
			return (created != null) ? created.toInstant() : null;
		}
		catch (IOException ex) {
			return null;
		}
	}

	private void cancelRun(GHWorkflowRun run) throws EngineException {
		try {
			call("cancel run " + run.getId(), () -> {
				run.cancel();
				return null;
			});
		}
		catch (EngineException ex) {
			// 409: the run already finished; there is nothing left to cancel.
			if (!(ex.getCause() instanceof HttpException http && http.getResponseCode() == 409)) {
				throw ex;
			}
		}
	}

	private GHWorkflowRun knownRun(RunReference run) throws EngineException {
		Observation observation = this.observations.get(run.id());
		if (observation != null) {
			return observation.run();
		}
		long id = runId(run);
		return call("read run " + run.id(), () -> repository().getWorkflowRun(id));
	}

	private RunReference reference(GHWorkflowRun run) {
		String url;
		try {
			url = (run.getHtmlUrl() != null) ? run.getHtmlUrl().toString() : null;
		}
		catch (IOException ex) {
			url = null;
		}
		return new RunReference(Long.toString(run.getId()), url);
	}

	private GHRepository repository() throws IOException {
		GHRepository known = this.repository;
		if (known == null) {
			// One read per engine lifetime: every run, artifact and job call hangs off
			// it.
			known = this.github.getRepository(this.properties.repository());
			this.repository = known;
		}
		return known;
	}

	private void checkBudget() throws EngineException {
		Duration wait = this.budget.holdOff();
		if (!wait.isZero()) {
			throw new EngineException("GitHub API budget is below its reserve of " + RateBudget.RESERVE
					+ " calls until the rate-limit window resets", wait, null);
		}
	}

	private <T> T call(String what, IoCall<T> call) throws EngineException {
		try {
			return call.call();
		}
		catch (GHException ex) {
			// hub4j's paged iterators wrap the IOException of a page they failed to read.
			if (ex.getCause() instanceof IOException io) {
				throw translate(what, io);
			}
			throw new EngineException("GitHub call failed (" + what + "): " + ex.getMessage(), true, ex);
		}
		catch (IOException ex) {
			throw translate(what, ex);
		}
		finally {
			observeBudget();
		}
	}

	private EngineException translate(String what, IOException ex) {
		// hub4j wraps what its handlers and body readers throw: look through the causes.
		RateLimitedException limited = cause(ex, RateLimitedException.class);
		if (limited != null) {
			return new EngineException("GitHub rate limit (" + what + "): " + limited.getMessage(),
					limited.retryAfter(), ex);
		}
		ArtifactUnpacker.UnsafeArtifactException unsafe = cause(ex, ArtifactUnpacker.UnsafeArtifactException.class);
		if (unsafe != null) {
			return new EngineException(unsafe.getMessage() + " (" + what + ")", false, ex);
		}
		int status = (ex instanceof HttpException http) ? http.getResponseCode()
				: (ex instanceof GitHubHttpException direct) ? direct.status() : -1;
		return new EngineException("GitHub call failed (" + what + "): " + describe(status, ex), isTransient(status),
				ex);
	}

	// 4xx that say the request itself is wrong (no such run, workflow or input) will not
	// succeed by trying again. Everything else (5xx, timeouts, broken connections, and
	// credentials an operator can fix) may.
	private static boolean isTransient(int status) {
		return !(status == 400 || status == 404 || status == 410 || status == 422);
	}

	private static String describe(int status, IOException ex) {
		String kind = (status > 0) ? "HTTP " + status : ex.getClass().getSimpleName();
		String message = (ex.getMessage() != null) ? ex.getMessage() : "";
		// hub4j puts GitHub's whole error body in the message; the start is enough.
		return kind + " " + ((message.length() > 300) ? message.substring(0, 300) + "…" : message);
	}

	private static <T extends Throwable> T cause(Throwable ex, Class<T> type) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (type.isInstance(cause)) {
				return type.cast(cause);
			}
		}
		return null;
	}

	private void observeBudget() {
		GHRateLimit last = this.github.lastRateLimit();
		if (last != null && last.getCore() != null) {
			GHRateLimit.Record core = last.getCore();
			this.budget.observe(core.getRemaining(), core.getResetEpochSeconds());
		}
	}

	private void forgetOldObservations() {
		// A dispatcher that never collects (the build was abandoned) must not grow this
		// map forever; completed runs are the ones nobody needs to re-read.
		if (this.observations.size() > 1000) {
			this.observations.values().removeIf((observation) -> observation.status().phase() == Phase.COMPLETED);
		}
	}

	private static long runId(RunReference run) throws EngineException {
		try {
			return Long.parseLong(run.id());
		}
		catch (NumberFormatException ex) {
			throw new EngineException("Not a GitHub run id: " + run.id(), false, ex);
		}
	}

	static Pattern requestIdToken(String requestId) {
		return Pattern.compile("(?<![A-Za-z0-9-])" + Pattern.quote(requestId) + "(?![A-Za-z0-9-])");
	}

	private static boolean matches(Pattern token, String title) {
		return title != null && token.matcher(title).find();
	}

	private static String tail(InputStream log) throws IOException {
		byte[] ring = new byte[LOG_TAIL_BYTES];
		long total = 0;
		byte[] buffer = new byte[8192];
		for (int n = log.read(buffer); n >= 0; n = log.read(buffer)) {
			for (int i = 0; i < n; i++) {
				ring[(int) ((total + i) % LOG_TAIL_BYTES)] = buffer[i];
			}
			total += n;
		}
		int length = (int) Math.min(total, LOG_TAIL_BYTES);
		byte[] last = new byte[length];
		for (int i = 0; i < length; i++) {
			last[i] = ring[(int) ((total - length + i) % LOG_TAIL_BYTES)];
		}
		String text = new String(last, StandardCharsets.UTF_8);
		return (total > LOG_TAIL_BYTES) ? "…" + text : text;
	}

	/** One hub4j or direct call; its IOException is translated in one place. */
	@FunctionalInterface
	interface IoCall<T> {

		T call() throws IOException;

	}

	/** Waits between looks for a late run; tests pass one that does not sleep. */
	@FunctionalInterface
	interface Sleeper {

		void sleep(Duration duration) throws EngineException;

		static Sleeper real() {
			return (duration) -> {
				try {
					// A real pause, in production only: GitHub lists a dispatched run a
					// few
					// seconds after it accepted the dispatch, and nothing tells when;
					// looking
					// again at once would only spend the rate limit.
					Thread.sleep(duration.toMillis());
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					throw new EngineException("Interrupted while waiting for a dispatched run to show", true, ex);
				}
			};
		}

	}

	/** The run as last read, and when it is worth reading again. */
	private record Observation(RunStatus status, GHWorkflowRun run, Instant nextRead, Duration interval,
			boolean cancelRequested) {

		Observation readNow() {
			return new Observation(this.status, this.run, Instant.MIN, this.interval, this.cancelRequested);
		}

		Observation withCancelRequested() {
			return new Observation(this.status, this.run, this.nextRead, this.interval, true);
		}

	}

}

package dev.wheelfarm.dispatch;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import dev.wheelfarm.builds.Build;
import dev.wheelfarm.builds.BuildEnvironmentCollected;
import dev.wheelfarm.builds.BuildEnvironments;
import dev.wheelfarm.builds.BuildLedger;
import dev.wheelfarm.builds.BuildLogs;
import dev.wheelfarm.builds.BuildState;
import dev.wheelfarm.builds.BuildSucceeded;
import dev.wheelfarm.builds.BuildSucceeded.BuiltWheel;
import dev.wheelfarm.builds.FailureClass;
import dev.wheelfarm.dispatch.BuildOutputs.DeclaredWheel;
import dev.wheelfarm.dispatch.BuildOutputs.InvalidOutputException;
import dev.wheelfarm.provenance.Publisher;
import dev.wheelfarm.provenance.VerifiedAttestation;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.Sha256;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.ApplicationEventPublisher;

/**
 * Turns ledger rows into runs and runs into outcomes. One round ({@link #round()}) keeps
 * this instance's claims alive, takes over the runs of dead instances, dispatches what is
 * due, and looks at every run it watches. Rounds are idempotent: a crash at any point
 * leaves the ledger in a state the next round (here or on another instance) continues
 * from, and the ledger never records a state the engine did not report.
 */
public class Dispatcher {

	private static final Logger logger = LoggerFactory.getLogger(Dispatcher.class);

	private final BuildLedger ledger;

	private final BuildLogs logs;

	private final BuildEngine engine;

	private final BuildOutputs outputs;

	private final ApplicationEventPublisher events;

	private final DispatchProperties properties;

	private final String owner;

	// The farm's clock, the one the ledger times claims with: a run's time limit is read
	// against it.
	private final Clock clock;

	// Checks the wheels of engines whose runs attest them; null when none does.
	private final WheelAttestations attestations;

	public Dispatcher(BuildLedger ledger, BuildLogs logs, BuildEngine engine, BuildOutputs outputs,
			ApplicationEventPublisher events, DispatchProperties properties, Clock clock) {
		this(ledger, logs, engine, outputs, events, properties, clock, null);
	}

	public Dispatcher(BuildLedger ledger, BuildLogs logs, BuildEngine engine, BuildOutputs outputs,
			ApplicationEventPublisher events, DispatchProperties properties, Clock clock,
			WheelAttestations attestations) {
		this.attestations = attestations;
		this.ledger = ledger;
		this.logs = logs;
		this.engine = engine;
		this.outputs = outputs;
		this.events = events;
		this.properties = properties;
		this.clock = clock;
		this.owner = properties.instanceName().isEmpty() ? defaultInstanceName() : properties.instanceName();
	}

	/** This instance's name in the ledger's claims. */
	public String owner() {
		return this.owner;
	}

	/**
	 * One round: leases, orphans, dispatch (unless the engine is held), watch.
	 */
	public synchronized void round() {
		this.ledger.renewLeases(this.owner);
		List<Long> adopted = this.ledger.adoptOrphans(this.owner);
		if (!adopted.isEmpty()) {
			logger.info("Took over the watch of builds {} from an instance whose lease expired", adopted);
		}
		// A held engine gets no new builds; the engine logs why (once per change).
		if (this.engine.holdReason().isEmpty()) {
			for (Build build : this.ledger.claim(this.owner, this.properties.batchSize())) {
				dispatch(build);
			}
		}
		for (Build build : this.ledger.held(this.owner, this.engine.name())) {
			watch(build);
		}
		republishStranded();
	}

	/**
	 * Offers the index again the wheels of builds that succeeded but were never
	 * published: the replica that recorded the success died before the index's ingest, or
	 * the blob store could not be written then. The ingest is idempotent, so two replicas
	 * doing this at once do no harm.
	 * <p>
	 * A replica that does not hold the run's outputs (another replica collected them and
	 * died) collects the run again from the engine, and every check runs again on what it
	 * got: the engine's copy of a run (GitHub's artifacts) outlives any one replica, so a
	 * success never waits on one replica's disk. It waits two graces, not one: while the
	 * replica that holds them lives, its failed offers restart the grace every time, and
	 * nobody else downloads the run. Collecting again was chosen over staging the outputs
	 * in the blob store because it adds no trusted copy and no blobs that belong to no
	 * wheel (which the blob sweep would have to learn to spare); it costs one download,
	 * and only when a replica died at that moment.
	 */
	private void republishStranded() {
		List<Build> stranded = this.ledger.stranded(this.properties.strandedGrace());
		if (stranded.isEmpty()) {
			return;
		}
		Set<Long> abandoned = this.ledger.stranded(this.properties.strandedGrace().multipliedBy(2))
			.stream()
			.map(Build::id)
			.collect(Collectors.toSet());
		for (Build build : stranded) {
			Path directory = this.outputs.directory(build);
			Optional<WorkerResult> result = readResult(directory);
			if (result.isEmpty()) {
				if (!abandoned.contains(build.id())) {
					continue;
				}
				result = collectAgain(build);
				if (result.isEmpty()) {
					continue;
				}
			}
			if (result.get().status() != WorkerResult.Status.SUCCESS) {
				delayPublication(build, "its collected outputs no longer report a success");
				continue;
			}
			try {
				List<BuiltWheel> wheels = this.outputs.verify(build, declared(result.get()), directory);
				Optional<Map<String, List<VerifiedAttestation>>> attested = attested(build, wheels, directory);
				if (attested.isEmpty()) {
					delayPublication(build, "its wheels' attestations do not hold up");
					continue;
				}
				logger.info("Build {} ({} {}) succeeded but was never published; offering its wheels again", build.id(),
						build.project(), build.version());
				publish(build, wheels, attested.get());
			}
			catch (InvalidOutputException ex) {
				delayPublication(build, "its outputs no longer hold up: " + ex.getMessage());
			}
		}
	}

	/**
	 * Collects a succeeded build's run again into this replica's directory for it; empty
	 * (and logged) when the engine cannot give it.
	 */
	private Optional<WorkerResult> collectAgain(Build build) {
		if (!this.engine.name().equals(build.builder()) || build.externalRunId() == null) {
			delayPublication(build, "its outputs are not on this replica and its run is not one of the "
					+ this.engine.name() + " engine's");
			return Optional.empty();
		}
		RunReference run = new RunReference(build.externalRunId(), build.externalRunUrl());
		Path directory = this.outputs.freshDirectory(build);
		logger.info("Build {} ({} {}) succeeded on another replica that did not publish it; collecting run {} again",
				build.id(), build.project(), build.version(), run.id());
		try {
			this.engine.collect(run, directory);
		}
		catch (EngineException ex) {
			// A local run lives in the memory and on the disk of the replica that ran it;
			// an engine's copy may have expired (GitHub keeps artifacts for days).
			delayPublication(build, "its outputs are not on this replica and run " + run.id()
					+ " could not be collected again: " + ex.getMessage());
			return Optional.empty();
		}
		Optional<WorkerResult> result = readResult(directory);
		if (result.isEmpty()) {
			delayPublication(build, "run " + run.id() + " collected again has no readable result.json");
		}
		return result;
	}

	private void delayPublication(Build build, String why) {
		logger.warn("Build {} ({} {}) succeeded but cannot be published from this replica: {}; trying again after {}",
				build.id(), build.project(), build.version(), why, this.properties.strandedGrace());
		this.ledger.publicationDelayed(build.id(), why);
	}

	/** Looks at one run now, e.g. when a webhook says it changed. */
	public synchronized void watchRun(String runId) {
		this.ledger.held(this.owner, this.engine.name())
			.stream()
			.filter((build) -> runId.equals(build.externalRunId()))
			.forEach(this::watch);
	}

	private void dispatch(Build build) {
		BuildJob job = jobFor(build);
		try {
			Optional<RunReference> earlier = mayHaveBeenDispatched(build) ? this.engine.findRun(job.requestId())
					: Optional.empty();
			if (earlier.isPresent()) {
				logger.info("Build {}: found run {} of an earlier dispatch of {}; not dispatching again", build.id(),
						earlier.get().id(), job.requestId());
			}
			RunReference run = (earlier.isPresent()) ? earlier.get() : this.engine.dispatch(job);
			if (this.ledger.markDispatched(build.id(), this.owner, this.engine.name(), run.id(), run.url())) {
				logger.info("Build {} ({} {}) dispatched to {} as run {}", build.id(), build.project(), build.version(),
						this.engine.name(), run.id());
			}
		}
		catch (EngineException ex) {
			refused(build, ex);
		}
	}

	/**
	 * The engine could not take the build. Nothing reached a builder that we know of, so
	 * the claim goes back without counting an attempt, and the build waits at least as
	 * long as the engine asked (a rate limit's reset). The request id is kept so that the
	 * next claimant looks for a run first. Refusals without a break for longer than the
	 * engine-outage limit are recorded as one transient failure: a permanent outage ends
	 * the build after its attempts instead of re-queueing it forever.
	 */
	private void refused(Build build, EngineException ex) {
		String problem = this.engine.name() + " unavailable: " + ex.getMessage();
		Duration refusedFor = this.ledger.engineRefusedFor(build.id()).orElse(Duration.ZERO);
		if (refusedFor.compareTo(this.properties.engineOutageLimit()) >= 0) {
			fail(build, FailureClass.BUILDER_UNAVAILABLE, problem + " (refused for " + refusedFor.toSeconds()
					+ " s, beyond wheelfarm.dispatch.engine-outage-limit)", null);
			return;
		}
		Duration wait = this.properties.engineRetryDelay();
		if (ex.retryAfter().isPresent() && ex.retryAfter().get().compareTo(wait) > 0) {
			wait = ex.retryAfter().get();
		}
		logger.warn("Build {}: {} could not take it ({}); retrying in {}", build.id(), this.engine.name(),
				ex.getMessage(), wait);
		this.ledger.release(build.id(), this.owner, problem, wait);
	}

	/**
	 * The request id was handed out before: by an earlier claim (its attempt number is
	 * older than the build's), whose claimant may have dispatched it and died before
	 * recording it; or to a dispatch the engine refused, which may have started a run all
	 * the same (a timeout: the request arrived, its answer did not). A refusal gives the
	 * attempt back, so only the ledger's record of it tells the second case.
	 */
	private boolean mayHaveBeenDispatched(Build build) {
		String requestId = build.requestId();
		int attempt = Integer.parseInt(requestId.substring(requestId.lastIndexOf('-') + 1));
		return attempt < build.attempts() || this.ledger.engineRefusedFor(build.id()).isPresent();
	}

	private void watch(Build build) {
		RunReference run = new RunReference(build.externalRunId(), build.externalRunUrl());
		RunStatus status;
		try {
			status = this.engine.status(run);
		}
		catch (EngineException ex) {
			// Not knowing is not a state: look again next round.
			logger.warn("Build {}: cannot read run {} ({}); will look again", build.id(), run.id(), ex.getMessage());
			return;
		}
		switch (status.phase()) {
			case QUEUED -> enforceTimeLimit(build, run);
			case RUNNING -> {
				if (build.state() == BuildState.DISPATCHED) {
					this.ledger.markRunning(build.id(), this.owner);
				}
				enforceTimeLimit(build, run);
			}
			case COMPLETED -> finish(build, run, status);
		}
	}

	private void enforceTimeLimit(Build build, RunReference run) {
		Instant dispatchedAt = this.ledger.dispatchedAt(build.id()).orElse(build.updatedAt());
		Duration elapsed = Duration.between(dispatchedAt, this.clock.instant());
		if (elapsed.compareTo(this.properties.runTimeout()) <= 0) {
			return;
		}
		try {
			this.engine.cancel(run);
		}
		catch (EngineException ex) {
			logger.warn("Build {}: cannot cancel run {} ({}); will try again", build.id(), run.id(), ex.getMessage());
			return;
		}
		fail(build, FailureClass.TIMEOUT, "the run exceeded the farm's limit of " + this.properties.runTimeout(), null);
	}

	private void finish(Build build, RunReference run, RunStatus status) {
		switch (status.conclusion()) {
			case SUCCESS, FAILURE -> collect(build, run, status);
			case TIMED_OUT -> fail(build, FailureClass.TIMEOUT, "the run timed out: " + status.detail(), null);
			case CANCELLED -> fail(build, FailureClass.RUNNER_LOST, "the run was cancelled: " + status.detail(), null);
			case STARTUP_FAILURE ->
				fail(build, FailureClass.BUILDER_UNAVAILABLE, "the run failed to start: " + status.detail(), null);
		}
	}

	private void collect(Build build, RunReference run, RunStatus status) {
		Path directory = this.outputs.freshDirectory(build);
		try {
			this.engine.collect(run, directory);
		}
		catch (EngineException ex) {
			if (ex.isTransient()) {
				logger.warn("Build {}: cannot collect run {} yet ({})", build.id(), run.id(), ex.getMessage());
				return;
			}
			fail(build, FailureClass.ARTIFACT_DOWNLOAD_FAILED, ex.getMessage(), null);
			return;
		}
		boolean logged = storeLog(build, directory.resolve("build.log"));
		Optional<WorkerResult> result = readResult(directory);
		if (result.isEmpty()) {
			String engineLog = engineLog(build, run);
			if (!logged && engineLog != null) {
				this.logs.store(build.id(), build.attempts(), engineLog);
			}
			fail(build, FailureClass.UNKNOWN, "the run ended (" + status.detail() + ") without a readable result.json",
					engineLog);
			return;
		}
		WorkerResult worker = result.get();
		if (!worker.buildEnvironment().isEmpty()) {
			this.events.publishEvent(new BuildEnvironmentCollected(build.id(),
					worker.buildEnvironment()
						.stream()
						.map((file) -> new BuildEnvironments.Dependency(file.name(), file.version(), file.filename(),
								file.sha256(), file.size()))
						.toList()));
		}
		if (worker.status() == WorkerResult.Status.NOTHING_TO_BUILD && worker.failure() == null) {
			// The build options exclude everything this builder could make (platforms,
			// the
			// build/skip selectors): permanent for this recipe, as a changed setting is a
			// new recipe.
			fail(build, FailureClass.CONFIG_ERROR,
					"nothing to build with these options: " + String.join("; ", worker.notes()), null);
			return;
		}
		if (worker.status() != WorkerResult.Status.SUCCESS) {
			WorkerResult.Failure failure = worker.failure();
			FailureClass failureClass = (failure != null) ? failure.failureClass() : FailureClass.UNKNOWN;
			String message = (failure != null) ? failure.message() : "the worker reported " + worker.status().wire();
			fail(build, failureClass, message, (failure != null) ? failure.logExcerpt() : null);
			return;
		}
		List<BuiltWheel> wheels;
		try {
			wheels = this.outputs.verify(build, declared(worker), directory);
		}
		catch (InvalidOutputException ex) {
			fail(build, FailureClass.INVALID_WHEEL, ex.getMessage(), null);
			return;
		}
		Optional<Map<String, List<VerifiedAttestation>>> attested = attested(build, wheels, directory);
		if (attested.isEmpty()) {
			return;
		}
		if (this.ledger.markSucceeded(build.id(), this.owner, worker.strategy().wire())) {
			logger.info("Build {} ({} {}) succeeded with {}: {}", build.id(), build.project(), build.version(),
					worker.strategy().wire(), wheels.stream().map(BuiltWheel::filename).toList());
			publish(build, wheels, attested.get());
		}
	}

	/**
	 * On an engine that attests its wheels, every wheel must carry a verified attestation
	 * of the engine's workflow; a build where one does not is not published, and records
	 * why.
	 */
	private Optional<Map<String, List<VerifiedAttestation>>> attested(Build build, List<BuiltWheel> wheels,
			Path directory) {
		Optional<Publisher> signer = this.engine.signer();
		if (signer.isEmpty()) {
			return Optional.of(Map.of());
		}
		if (this.attestations == null) {
			throw new IllegalStateException("the " + this.engine.name() + " engine attests its wheels, but this"
					+ " dispatcher has no attestation verifier");
		}
		try {
			List<VerifiedAttestation> verified = this.attestations.verify(wheels, directory, signer.get());
			logger.info("Build {}: {} attestation(s) of {} verified", build.id(), verified.size(), signer.get());
			Map<String, List<VerifiedAttestation>> byWheel = new HashMap<>();
			for (VerifiedAttestation attestation : verified) {
				byWheel.computeIfAbsent(attestation.filename(), (name) -> new ArrayList<>()).add(attestation);
			}
			return Optional.of(byWheel);
		}
		catch (WheelAttestations.RefusedException ex) {
			fail(build, ex.failureClass(), ex.getMessage(), null);
			return Optional.empty();
		}
	}

	private void publish(Build build, List<BuiltWheel> wheels, Map<String, List<VerifiedAttestation>> attestations) {
		this.events.publishEvent(
				new BuildSucceeded(build.id(), ProjectName.of(build.project()), build.version(), wheels, attestations));
	}

	private static List<DeclaredWheel> declared(WorkerResult result) {
		return result.wheels().stream().map((wheel) -> new DeclaredWheel(wheel.filename(), wheel.sha256())).toList();
	}

	/**
	 * Keeps the worker's full log for the build page. A log that cannot be read costs the
	 * page its log, not the build its wheels.
	 */
	private boolean storeLog(Build build, Path logFile) {
		try {
			return this.logs.store(build.id(), build.attempts(), logFile);
		}
		catch (java.io.UncheckedIOException ex) {
			logger.warn("Build {}: its log was not stored ({})", build.id(), ex.getMessage());
			return false;
		}
	}

	/**
	 * The engine's own log of a run that left no result, for the status page; best
	 * effort.
	 */
	private String engineLog(Build build, RunReference run) {
		try {
			return this.engine.logExcerpt(run).orElse(null);
		}
		catch (EngineException ex) {
			logger.warn("Build {}: no log excerpt for run {} ({})", build.id(), run.id(), ex.getMessage());
			return null;
		}
	}

	private void fail(Build build, FailureClass failure, String message, String logExcerpt) {
		this.ledger.markFailed(build.id(), this.owner, failure, message, logExcerpt)
			.ifPresent((state) -> logger.info("Build {} ({} {}) failed ({}): {} -> {}", build.id(), build.project(),
					build.version(), failure.code(), message, state));
	}

	private static Optional<WorkerResult> readResult(Path directory) {
		Path file = directory.resolve("result.json");
		if (!Files.isRegularFile(file)) {
			return Optional.empty();
		}
		return WorkerResult.read(file);
	}

	private static BuildJob jobFor(Build build) {
		return new BuildJob(build.requestId(), ProjectName.of(build.project()), build.version(), build.sdistUrl(),
				Sha256.of(build.sdistSha256()), build.options());
	}

	private static String defaultInstanceName() {
		// RuntimeMXBean's name is "pid@host"; the suffix tells two lives of one pid
		// apart.
		return ManagementFactory.getRuntimeMXBean().getName() + "-" + UUID.randomUUID().toString().substring(0, 8);
	}

}

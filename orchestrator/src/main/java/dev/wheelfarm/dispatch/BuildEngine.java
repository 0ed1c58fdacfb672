package dev.wheelfarm.dispatch;

import java.nio.file.Path;
import java.util.Optional;

import dev.wheelfarm.provenance.Publisher;

/**
 * Where builds run: the farm's GitHub Actions build repository, or this machine. The
 * dispatcher drives every engine through this interface alone, so the ledger's rules
 * (leases, retries, failure memory) are the same whichever engine builds.
 */
public interface BuildEngine {

	/** The engine's name as stored in the ledger: {@code local} or {@code github}. */
	String name();

	/**
	 * Starts a run of the worker for the job.
	 * @return the run, as the engine names it
	 * @throws EngineException when the run could not be started;
	 * {@link EngineException#isTransient()} says whether trying later can help
	 */
	RunReference dispatch(BuildJob job) throws EngineException;

	/**
	 * Finds a run started for a request id, for the case where the orchestrator died
	 * after dispatching and before recording the dispatch.
	 */
	Optional<RunReference> findRun(String requestId) throws EngineException;

	/** Where the run stands now, as the engine sees it. */
	RunStatus status(RunReference run) throws EngineException;

	/**
	 * Copies a completed run's outputs ({@code result.json} and the wheels) into
	 * {@code directory}. Nothing in them is trusted: the caller re-validates everything.
	 */
	void collect(RunReference run, Path directory) throws EngineException;

	/**
	 * Asks the engine to stop a run (it exceeded the farm's time limit, or was
	 * cancelled).
	 */
	void cancel(RunReference run) throws EngineException;

	/**
	 * Why the engine must not be given new builds now, e.g. the GitHub build repository
	 * runs another workflow than this farm ships; empty when it may. Runs already started
	 * are still followed and collected. Asked before each dispatch round, so it must be
	 * cheap (an engine caches what it had to ask for).
	 */
	default Optional<String> holdReason() {
		return Optional.empty();
	}

	/**
	 * The tail of a failed run's own log, for a run that ended without a worker
	 * {@code result.json} (the runner died, the workflow did not start): the only account
	 * of the failure the requester can be shown. Empty when the engine has none.
	 */
	default Optional<String> logExcerpt(RunReference run) throws EngineException {
		return Optional.empty();
	}

	/**
	 * The identity every wheel of this engine's runs must carry a PEP 740 attestation of
	 * ({@code <wheel>.publish.attestation} beside it); empty when the engine's runs are
	 * not attested (the local builder: the farm itself ran the build).
	 */
	default Optional<Publisher> signer() {
		return Optional.empty();
	}

}

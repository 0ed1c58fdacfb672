package dev.wheelfarm.dispatch.local;

import dev.wheelfarm.dispatch.WorkerResult;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One finished local run of the worker.
 *
 * @param result the parsed result.json (synthesized when the worker wrote none)
 * @param outputDirectory holds result.json, build.log and wheels/
 * @param consoleLog everything the worker process printed
 * @param exitCode the worker's exit status, {@code -1} when it was killed on timeout or
 * was adopted from an earlier orchestrator process (its status went to that process)
 * @param duration how long the run took
 */
public record WorkerRun(WorkerResult result, Path outputDirectory, Path consoleLog, int exitCode, Duration duration) {

	/** The directory of the produced wheels (named in {@link WorkerResult#wheels()}). */
	public Path wheelsDirectory() {
		return this.outputDirectory.resolve("wheels");
	}

	/** The build log the worker kept: tool output and its own decisions. */
	public Path buildLog() {
		return this.outputDirectory.resolve("build.log");
	}

}

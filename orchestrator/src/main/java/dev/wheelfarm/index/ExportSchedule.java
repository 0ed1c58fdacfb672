package dev.wheelfarm.index;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

import dev.wheelfarm.artifacts.FilesRemoved;
import dev.wheelfarm.scheduling.RepeatingTask;
import dev.wheelfarm.scheduling.SingletonJobs;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Brings the static export up to date every {@code wheelfarm.index.export-interval} when
 * {@code wheelfarm.index.export-dir} is set. A failed export is logged and retried at the
 * next interval: the previous export stays in place, whole.
 */
@Component
class ExportSchedule implements RepeatingTask {

	private static final Logger logger = LoggerFactory.getLogger(ExportSchedule.class);

	private final StaticExporter exporter;

	private final Path directory;

	private final Duration interval;

	private final SingletonJobs singletonJobs;

	ExportSchedule(StaticExporter exporter, IndexProperties properties, SingletonJobs singletonJobs) {
		this.exporter = exporter;
		this.singletonJobs = singletonJobs;
		this.directory = properties.exportDir();
		this.interval = properties.exportInterval();
	}

	@Override
	public String name() {
		return "index-export";
	}

	@Override
	public Duration initialDelay() {
		return Duration.ZERO;
	}

	@Override
	public Duration interval() {
		return this.interval;
	}

	/** Only a farm with an export directory exports. */
	@Override
	public boolean enabled() {
		return this.directory != null;
	}

	@Override
	public void runOnce() {
		exportTo(this.directory);
	}

	/**
	 * Deleted files leave the export in the same step as the index: the pages are
	 * rewritten and the copies deleted now, not at the next interval. Under the job's
	 * lock like a scheduled run: when another replica is exporting at this moment, the
	 * removal is taken out at the next interval (every export deletes what is no longer
	 * listed).
	 */
	@EventListener
	void on(FilesRemoved event) {
		if (this.directory != null) {
			this.singletonJobs.runIfFree(this);
		}
	}

	// One export at a time: the schedule's and one after a removal may otherwise overlap.
	private synchronized void exportTo(Path directory) {
		try {
			StaticExporter.Report report = this.exporter.export(directory);
			if (report.rewritten() + report.removed() + report.filesCopied() + report.filesDeleted() > 0) {
				logger.info("Static export to {}: {}", directory, report);
			}
		}
		catch (IOException ex) {
			logger.error("Static export to {} failed; the previous export stays: {}", directory, ex.getMessage());
		}
	}

}

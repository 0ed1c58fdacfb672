package dev.wheelfarm.index;

import java.io.IOException;
import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.stereotype.Component;

/**
 * Brings the static export up to date every {@code wheelfarm.index.export-interval} when
 * {@code wheelfarm.index.export-dir} is set. A failed export is logged and retried at the
 * next interval: the previous export stays in place, whole.
 */
@Component
class ExportSchedule implements SmartLifecycle {

	private static final Logger logger = LoggerFactory.getLogger(ExportSchedule.class);

	private final StaticExporter exporter;

	private final IndexProperties properties;

	private ThreadPoolTaskScheduler scheduler;

	ExportSchedule(StaticExporter exporter, IndexProperties properties) {
		this.exporter = exporter;
		this.properties = properties;
	}

	@Override
	public synchronized void start() {
		Path directory = this.properties.exportDir();
		if (directory == null || this.scheduler != null) {
			return;
		}
		ThreadPoolTaskScheduler newScheduler = new ThreadPoolTaskScheduler();
		newScheduler.setThreadNamePrefix("index-export-");
		newScheduler.setPoolSize(1);
		newScheduler.initialize();
		newScheduler.scheduleWithFixedDelay(() -> exportTo(directory), this.properties.exportInterval());
		this.scheduler = newScheduler;
	}

	private void exportTo(Path directory) {
		try {
			StaticExporter.Report report = this.exporter.export(directory);
			if (report.rewritten() + report.removed() + report.filesCopied() > 0) {
				logger.info("Static export to {}: {}", directory, report);
			}
		}
		catch (IOException ex) {
			logger.error("Static export to {} failed; the previous export stays: {}", directory, ex.getMessage());
		}
	}

	@Override
	public synchronized void stop() {
		if (this.scheduler != null) {
			this.scheduler.shutdown();
			this.scheduler = null;
		}
	}

	@Override
	public synchronized boolean isRunning() {
		return this.scheduler != null;
	}

}

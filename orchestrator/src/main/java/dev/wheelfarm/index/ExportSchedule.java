package dev.wheelfarm.index;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.wheelfarm.artifacts.BlobStoreConfiguration;
import dev.wheelfarm.artifacts.BlobsProperties;
import dev.wheelfarm.artifacts.FilesRemoved;
import dev.wheelfarm.scheduling.RepeatingTask;
import dev.wheelfarm.scheduling.SingletonJobs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Brings the static export up to date every {@code wheelfarm.index.export-interval}, in
 * {@code wheelfarm.index.export-dir} and/or {@code wheelfarm.index.export-bucket}. A
 * failed export is logged and retried at the next interval: what it had not reached stays
 * as the previous export left it, and what it wrote is whole. A singleton job: on one
 * replica at a time.
 */
@Component
class ExportSchedule implements RepeatingTask, DisposableBean {

	private static final Logger logger = LoggerFactory.getLogger(ExportSchedule.class);

	private final StaticExporter exporter;

	private final List<ExportTarget> targets = new ArrayList<>();

	private final Duration interval;

	private final SingletonJobs singletonJobs;

	/** The client this schedule made itself (the blob store is local), to close. */
	private S3Client ownClient;

	ExportSchedule(StaticExporter exporter, IndexProperties properties, SingletonJobs singletonJobs,
			BlobsProperties blobs, ObjectProvider<S3Client> blobsClient) {
		this.exporter = exporter;
		this.singletonJobs = singletonJobs;
		this.interval = properties.exportInterval();
		if (properties.exportDir() != null) {
			this.targets.add(new DirectoryExport(properties.exportDir()));
		}
		if (!properties.exportBucket().isEmpty()) {
			// The blob store's client when the blobs are in a bucket too (same endpoint
			// and credentials); otherwise one made from wheelfarm.blobs.s3.* alone.
			S3Client client = blobsClient.getIfAvailable();
			if (client == null) {
				client = BlobStoreConfiguration.s3Client(blobs.s3());
				this.ownClient = client;
			}
			this.targets.add(new BucketExport(client, properties.exportBucket(), properties.exportPrefix(),
					properties.pageMaxAge()));
		}
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

	/** Only a farm with somewhere to export to exports. */
	@Override
	public boolean enabled() {
		return !this.targets.isEmpty();
	}

	@Override
	public void runOnce() {
		for (ExportTarget target : this.targets) {
			exportTo(target);
		}
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
		if (enabled()) {
			this.singletonJobs.runIfFree(this);
		}
	}

	// One export at a time: the schedule's and one after a removal may otherwise overlap.
	private synchronized void exportTo(ExportTarget target) {
		try {
			StaticExporter.Report report = this.exporter.export(target);
			if (report.rewritten() + report.removed() + report.filesCopied() + report.filesDeleted() > 0) {
				logger.info("Static export to {}: {}", target.describe(), report);
			}
		}
		catch (IOException ex) {
			logger.error("Static export to {} failed; the previous export stays: {}", target.describe(),
					ex.getMessage());
		}
	}

	@Override
	public void destroy() {
		if (this.ownClient != null) {
			this.ownClient.close();
		}
	}

}

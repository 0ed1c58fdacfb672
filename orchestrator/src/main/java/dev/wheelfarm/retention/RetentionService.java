package dev.wheelfarm.retention;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.wheelfarm.artifacts.BlobStore;
import dev.wheelfarm.artifacts.FilesRemoved;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.Sha256;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionOperations;

/**
 * Applies each project's retention policy: plan, remove, tell the index, free the bytes.
 * <p>
 * One transaction per project: the files leave the listing in the same transaction that
 * records their removal (tombstone and run). After the commit, {@link FilesRemoved} makes
 * the index evict the project's pages and rewrite the static export, and only then are
 * blobs that no remaining file needs deleted. A crash between the commit and the deletion
 * leaves an unreferenced blob, never a listed file without bytes; the sweep at the end of
 * every run deletes such blobs.
 */
@Service
public class RetentionService {

	private static final Logger logger = LoggerFactory.getLogger(RetentionService.class);

	/**
	 * A blob stored this recently is never deleted: an ingest stores bytes before it
	 * lists them, and bytes equal to a removed file's may be on their way back under
	 * another name.
	 */
	static final Duration BLOB_GRACE = Duration.ofHours(1);

	private final RetentionRepository repository;

	private final TransactionOperations transactions;

	private final ApplicationEventPublisher events;

	private final BlobStore blobs;

	private final RetentionProperties properties;

	private final Clock clock;

	RetentionService(RetentionRepository repository, TransactionOperations transactions,
			ApplicationEventPublisher events, BlobStore blobs, RetentionProperties properties, Clock clock) {
		this.repository = repository;
		this.transactions = transactions;
		this.events = events;
		this.blobs = blobs;
		this.properties = properties;
		this.clock = clock;
	}

	/**
	 * One run over every project with hosted files, recorded as a {@code retention_run}.
	 * A project that fails is logged and counted, and the others go on: it is retried
	 * whole at the next run.
	 */
	public Summary run() {
		long run = this.repository.startRun();
		Instant now = this.clock.instant();
		int projects = 0;
		int files = 0;
		int failures = 0;
		long blobsDeleted = 0;
		for (long project : this.repository.projectsWithFiles()) {
			projects++;
			try {
				Removal removal = this.transactions.execute((status) -> removeDue(project, run, now));
				if (removal == null || removal.files().isEmpty()) {
					continue;
				}
				files += removal.files().size();
				logger.info("Retention run {}: removed {} file(s) of {} ({})", run, removal.files().size(),
						removal.project(), removal.versions());
				this.events.publishEvent(new FilesRemoved(removal.project(), removal.files()));
				blobsDeleted += deleteUnneeded(removal.hashes());
			}
			catch (DataAccessException | UnreadablePolicyException ex) {
				failures++;
				logger.error("Retention run {}: project {} left as it was, retried at the next run: {}", run, project,
						ex.getMessage());
			}
		}
		blobsDeleted += sweep();
		this.repository.finishRun(run, projects, files, blobsDeleted, failures);
		Summary summary = new Summary(run, projects, files, blobsDeleted, failures);
		logger.info("Retention run {} done: {}", run, summary);
		return summary;
	}

	/** Whether a run is due: none ran yet, or the last one started an interval ago. */
	boolean due() {
		return nextRunAt().map((next) -> !next.isAfter(this.clock.instant())).orElse(true);
	}

	/**
	 * What the project page shows: the policy, what the last run removed, and the plan
	 * for the next run.
	 */
	public Optional<ProjectRetention> forProject(ProjectName name) {
		Optional<RetentionRepository.ProjectRow> project = this.repository.project(name.value());
		if (project.isEmpty()) {
			return Optional.empty();
		}
		RetentionRepository.ProjectRow row = project.get();
		RetentionPolicy policy = policy(row);
		Instant now = this.clock.instant();
		Instant next = this.properties.enabled() ? nextRunAt().filter(now::isBefore).orElse(now) : null;
		RetentionPlan plan = RetentionPlanner.plan(policy, this.repository.hostedVersions(row.id()),
				(next != null) ? next : now);
		Optional<ProjectRetention.Run> last = this.repository.lastRun();
		List<ProjectRetention.RemovedFile> removed = last.map((run) -> this.repository.removedBy(run.id(), row.id()))
			.orElse(List.of());
		return Optional.of(new ProjectRetention(policy, row.policy() != null, this.properties.enabled(), next,
				last.orElse(null), removed, plan));
	}

	private Optional<Instant> nextRunAt() {
		return this.repository.lastRun().map((run) -> run.startedAt().toInstant().plus(this.properties.interval()));
	}

	private Removal removeDue(long projectId, long run, Instant now) {
		Optional<RetentionRepository.ProjectRow> locked = this.repository.lockProject(projectId);
		if (locked.isEmpty()) {
			return null;
		}
		RetentionRepository.ProjectRow project = locked.get();
		RetentionPolicy policy = policy(project);
		RetentionPlan plan = RetentionPlanner.plan(policy, this.repository.hostedVersions(projectId), now);
		List<FilesRemoved.RemovedFile> files = new ArrayList<>();
		Set<String> hashes = new LinkedHashSet<>();
		List<String> versions = new ArrayList<>();
		for (RetentionPlan.Entry entry : plan.removals()) {
			versions.add(entry.version());
			for (RetentionRepository.RemovedRow row : this.repository.remove(projectId, entry.version(),
					reason(policy, entry), run)) {
				files.add(new FilesRemoved.RemovedFile(row.filename(), row.sha256()));
				hashes.add(row.sha256());
				if (row.metadataSha256() != null) {
					// A file without PEP 658 metadata (an uploaded sdist) has no second
					// blob.
					hashes.add(row.metadataSha256());
				}
			}
		}
		return new Removal(ProjectName.of(project.name()), files, List.copyOf(hashes), versions);
	}

	private static String reason(RetentionPolicy policy, RetentionPlan.Entry entry) {
		return "retention: beyond the newest " + policy.keepNewest() + " versions it applies to ("
				+ policy.appliesTo().key() + ") and older than " + policy.maxAgeDays() + " days (newest file stored "
				+ entry.storedAt() + ")";
	}

	/**
	 * Compares the whole store with the database and deletes what no file needs any more:
	 * bytes of removed files a crash kept from being deleted, of discarded stages (whose
	 * rows are gone), and of ingests that died between storing and listing. Only blobs
	 * older than the grace period are candidates, so an ingest in flight keeps its bytes.
	 */
	private long sweep() {
		Instant cutoff = this.clock.instant().minus(BLOB_GRACE);
		try {
			Set<String> needed = this.repository.neededHashes();
			List<String> unneeded = this.blobs.storedBefore(cutoff)
				.stream()
				.map(Sha256::hex)
				.filter((hash) -> !needed.contains(hash))
				.toList();
			long deleted = deleteUnneeded(unneeded);
			int incomplete = this.blobs.deleteIncompleteBefore(cutoff);
			if (incomplete > 0) {
				logger.info("Retention: deleted {} partial writes left by interrupted stores", incomplete);
			}
			return deleted;
		}
		catch (IOException | DataAccessException ex) {
			logger.warn("Retention: the store was not swept, retried at the next run: {}", ex.getMessage());
			return 0;
		}
	}

	/**
	 * Deletes the blobs no remaining file needs. Content-addressed bytes may be shared:
	 * the same wheel under two names, or two wheels with the same METADATA.
	 */
	private long deleteUnneeded(List<String> hashes) {
		Instant cutoff = this.clock.instant().minus(BLOB_GRACE);
		long deleted = 0;
		for (String hash : hashes) {
			try {
				if (!this.repository.needed(hash) && this.blobs.deleteIfStoredBefore(Sha256.of(hash), cutoff)) {
					deleted++;
				}
			}
			catch (IOException | DataAccessException ex) {
				// Left for the sweep of the next run: an orphan costs disk, not
				// correctness.
				logger.warn("Retention: blob {} not deleted: {}", hash, ex.getMessage());
			}
		}
		return deleted;
	}

	/** The project's policy: its repository's {@code retention} table, or the default. */
	private static RetentionPolicy policy(RetentionRepository.ProjectRow project) {
		if (project.policy() == null) {
			return RetentionPolicy.DEFAULT;
		}
		try {
			return RetentionPolicy.fromStored(project.policy());
		}
		catch (IllegalArgumentException ex) {
			// The parser validated it when it was stored; a row that no longer reads is
			// not a reason to guess and delete.
			throw new UnreadablePolicyException(
					project.name() + ": stored retention policy unreadable: " + ex.getMessage());
		}
	}

	/**
	 * What one run did.
	 *
	 * @param run the {@code retention_run} row
	 * @param projects projects planned for
	 * @param filesRemoved files removed
	 * @param blobsDeleted blobs deleted (removed files' and orphans')
	 * @param failures projects left for the next run
	 */
	public record Summary(long run, int projects, int filesRemoved, long blobsDeleted, int failures) {

	}

	private record Removal(ProjectName project, List<FilesRemoved.RemovedFile> files, List<String> hashes,
			List<String> versions) {

	}

	private static final class UnreadablePolicyException extends RuntimeException {

		UnreadablePolicyException(String message) {
			super(message);
		}

	}

}

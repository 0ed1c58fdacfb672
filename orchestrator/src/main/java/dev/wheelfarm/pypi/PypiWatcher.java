package dev.wheelfarm.pypi;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Service;

/**
 * One watch cycle: read the cursor, ask PyPI's root listing who changed, re-read only
 * those projects, record their releases and files, and publish what changed. A full
 * reconciliation re-reads every opted-in project instead.
 */
@Service
public class PypiWatcher {

	private static final Logger logger = LoggerFactory.getLogger(PypiWatcher.class);

	/** Which projects a cycle reads. */
	public enum Mode {

		/** Only the projects the root listing says changed. */
		INCREMENTAL,
		/** Every opted-in project, unconditionally. */
		FULL,
		/** FULL when the last reconciliation is older than the reconcile interval. */
		AUTO

	}

	/**
	 * What one cycle did.
	 *
	 * @param mode the mode that ran (never AUTO)
	 * @param optedIn the opted-in projects
	 * @param read the projects whose page was requested
	 * @param unchanged of those, the ones PyPI answered 304 for
	 * @param failed of those, the ones that could not be read or recorded
	 * @param changes the changes recorded
	 */
	public record CycleReport(Mode mode, int optedIn, int read, int unchanged, int failed, List<PypiChange> changes) {

	}

	private final SimpleApiClient simple;

	private final JsonApiClient jsonApi;

	private final PypiRepository repository;

	private final ApplicationEventPublisher events;

	private final PypiProperties properties;

	private final Clock clock;

	PypiWatcher(SimpleApiClient simple, JsonApiClient jsonApi, PypiRepository repository,
			ApplicationEventPublisher events, PypiProperties properties, Optional<Clock> clock) {
		this.simple = simple;
		this.jsonApi = jsonApi;
		this.repository = repository;
		this.events = events;
		this.properties = properties;
		this.clock = clock.orElse(Clock.systemUTC());
	}

	/**
	 * Runs one cycle.
	 * @throws PypiReadException when the root listing cannot be read (nothing is read)
	 */
	public CycleReport watch(Mode requested) {
		redeliverChanges();
		List<PypiRepository.WatchedProject> projects = this.repository.optedInProjects();
		if (projects.isEmpty()) {
			// Nobody opted in: not even the root listing is worth a request.
			return new CycleReport(requested, 0, 0, 0, 0, List.of());
		}
		Optional<PypiRepository.GlobalCursor> cursor = this.repository.globalCursor();
		Mode mode = (requested == Mode.AUTO) ? (reconciliationDue(cursor) ? Mode.FULL : Mode.INCREMENTAL) : requested;
		PypiPage<SimpleApiClient.RootListing> root = (mode == Mode.INCREMENTAL) ? readRootListing(cursor) : null;
		Map<String, Long> listed = (root != null && root.status() == PypiPage.Status.OK) ? root.content().lastSerials()
				: null;
		Tally tally = new Tally();
		for (PypiRepository.WatchedProject project : projects) {
			Long expected = (listed != null) ? listed.get(project.name()) : null;
			if (mode == Mode.INCREMENTAL && !mayHaveChanged(project, listed, expected)) {
				continue;
			}
			readProject(project, (expected != null) ? expected : -1, mode == Mode.INCREMENTAL, tally);
		}
		if (listed != null) {
			// Saved only now: had the cycle died half-way, the next one must see this
			// listing again (not a 304) to find the projects it did not reach.
			this.repository.saveGlobalCursor(root.serial(), root.etag(), null);
		}
		if (mode == Mode.FULL) {
			this.repository.saveGlobalCursor(cursor.map(PypiRepository.GlobalCursor::lastSerial).orElse(0L), null,
					this.clock.instant());
		}
		CycleReport report = new CycleReport(mode, projects.size(), tally.read, tally.unchanged, tally.failed,
				List.copyOf(tally.changes));
		logger.info("PyPI watch cycle {}: {} opted in, {} read, {} unchanged, {} failed, {} changes", mode,
				report.optedIn(), report.read(), report.unchanged(), report.failed(), report.changes().size());
		return report;
	}

	/**
	 * Publishes again what an earlier cycle recorded but never delivered. Listeners are
	 * idempotent (the ledger's unique key makes a second {@link ReleaseDiscovered} the
	 * same build), so a change heard twice is harmless; one never heard is a lost build.
	 */
	private void redeliverChanges() {
		List<PypiRepository.DeliverableChange> pending = this.repository.undeliveredChanges();
		if (pending.isEmpty()) {
			return;
		}
		logger.info("Delivering {} PyPI changes recorded by an earlier cycle but never published", pending.size());
		List<Long> delivered = new java.util.ArrayList<>();
		try {
			for (PypiRepository.DeliverableChange change : pending) {
				this.events.publishEvent(change.change());
				delivered.add(change.id());
			}
		}
		finally {
			this.repository.markDelivered(delivered);
		}
	}

	private boolean reconciliationDue(Optional<PypiRepository.GlobalCursor> cursor) {
		Instant last = cursor.map(PypiRepository.GlobalCursor::reconciledAt).orElse(null);
		return last == null
				|| Duration.between(last, this.clock.instant()).compareTo(this.properties.reconcileInterval()) >= 0;
	}

	/** The root listing, refusing one older than the last seen. */
	private PypiPage<SimpleApiClient.RootListing> readRootListing(Optional<PypiRepository.GlobalCursor> cursor) {
		long seen = cursor.map(PypiRepository.GlobalCursor::lastSerial).orElse(0L);
		PypiPage<SimpleApiClient.RootListing> root = this.simple
			.root(cursor.map(PypiRepository.GlobalCursor::etag).orElse(null));
		if (root.status() == PypiPage.Status.OK && root.serial() < seen) {
			// A cache served an older listing: ask once more without the ETag, then give
			// up
			// on this cycle rather than act on the past.
			root = this.simple.root(null);
			if (root.serial() < seen) {
				throw new PypiReadException(
						"stale root listing: serial " + root.serial() + " is older than " + seen + " already seen",
						true);
			}
		}
		return root;
	}

	private static boolean mayHaveChanged(PypiRepository.WatchedProject project, Map<String, Long> listed,
			Long expected) {
		if (project.lastSerial() == null) {
			return true;
		}
		if (listed == null) {
			// The listing did not change since the last cycle; only a project whose last
			// read failed still owes us a read.
			return project.failedLastTime();
		}
		if (expected == null) {
			// Gone from PyPI: read it once to record the deletions, not every cycle.
			return project.hasLiveReleases();
		}
		return expected > project.lastSerial();
	}

	private void readProject(PypiRepository.WatchedProject project, long expected, boolean conditional, Tally tally) {
		tally.read++;
		try {
			PypiPage<ProjectSnapshot> page = this.jsonApi.project(project.name(), conditional ? project.etag() : null);
			long known = Math.max(expected, (project.lastSerial() != null) ? project.lastSerial() : -1);
			if (isStale(page, known)) {
				// bandersnatch's rule: never act on a page older than a serial already
				// seen;
				// the CDN may hold an old copy, so ask once more, unconditionally.
				page = this.jsonApi.project(project.name(), null);
				if (isStale(page, known)) {
					throw new PypiReadException("stale page: serial " + page.serial() + " is older than " + known
							+ " already seen; will retry next cycle", true);
				}
			}
			if (page.status() == PypiPage.Status.NOT_FOUND && expected >= 0) {
				// The listing says it exists: a 404 here is a hiccup, and taking it at
				// its word
				// would mark every release deleted and rediscover them all a cycle later.
				throw new PypiReadException("PyPI lists the project but its page answered 404; will retry", true);
			}
			if (page.status() == PypiPage.Status.NOT_MODIFIED) {
				tally.unchanged++;
				this.repository.recordNotModified(project.id());
				return;
			}
			ProjectSnapshot snapshot = (page.status() == PypiPage.Status.OK) ? page.content() : null;
			long serial = (snapshot != null) ? snapshot.serial()
					: Math.max(page.serial(), (project.lastSerial() != null) ? project.lastSerial() : 0);
			List<PypiChange> changes = this.repository.apply(project, snapshot, page.etag(), serial);
			tally.changes.addAll(changes);
			// Published after the commit: a listener never sees a change that was rolled
			// back. Marked delivered only once every listener has heard them: a process
			// that dies in between leaves them to the next cycle's redelivery.
			changes.forEach(this.events::publishEvent);
			if (!changes.isEmpty()) {
				this.repository.markDelivered(project.id());
			}
		}
		catch (PypiReadException ex) {
			fail(project, tally, ex.getMessage());
		}
		catch (DataAccessException ex) {
			fail(project, tally, "could not record the page: " + ex.getMostSpecificCause().getMessage());
		}
	}

	private void fail(PypiRepository.WatchedProject project, Tally tally, String message) {
		tally.failed++;
		logger.warn("PyPI project {}: {}", project.name(), message);
		this.repository.recordError(project.id(), message);
	}

	// A 304 to a conditional GET when the listing promised a newer serial is stale too.
	private static boolean isStale(PypiPage<ProjectSnapshot> page, long known) {
		return switch (page.status()) {
			case OK -> page.serial() < known;
			case NOT_MODIFIED -> known >= 0 && page.serial() >= 0 && page.serial() < known;
			case NOT_FOUND -> false;
		};
	}

	private static final class Tally {

		int read;

		int unchanged;

		int failed;

		final List<PypiChange> changes = new ArrayList<>();

	}

}

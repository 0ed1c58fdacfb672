package dev.wheelfarm.artifacts;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import dev.wheelfarm.pypi.UpstreamWheelAppeared;
import dev.wheelfarm.shared.InvalidWheelFilenameException;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.WheelFilename;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Withdraws the farm's wheels of a release from the listing when PyPI gains an official
 * wheel that competes with them: pip would otherwise be free to pick ours over upstream's
 * for the same interpreter and platform. Withdrawn wheels keep their row and their bytes
 * (a filename names the same bytes forever, and the build page says why it went); they
 * are only no longer listed.
 */
@Component
class UpstreamWithdrawal {

	private static final Logger logger = LoggerFactory.getLogger(UpstreamWithdrawal.class);

	private static final String LISTED = """
			SELECT w.id, w.filename FROM wheel w JOIN project p ON p.id = w.project_id
			WHERE p.name = :project AND w.version = :version AND w.withdrawn_at IS NULL
			""";

	// Idempotent: a wheel already withdrawn keeps its first reason.
	private static final String WITHDRAW = """
			UPDATE wheel SET withdrawn_at = now(), withdrawn_reason = :reason WHERE id = :id AND withdrawn_at IS NULL
			""";

	private final JdbcClient jdbc;

	private final ApplicationEventPublisher events;

	UpstreamWithdrawal(JdbcClient jdbc, ApplicationEventPublisher events) {
		this.jdbc = jdbc;
		this.events = events;
	}

	@EventListener
	void on(UpstreamWheelAppeared upstream) {
		WheelFilename official;
		try {
			official = WheelFilename.parse(upstream.filename());
		}
		catch (InvalidWheelFilenameException ex) {
			// Not a wheel pip would install either: it shadows nothing.
			return;
		}
		List<String> withdrawn = new ArrayList<>();
		for (ListedWheel ours : this.jdbc.sql(LISTED)
			.param("project", upstream.project())
			.param("version", upstream.version())
			.query(ListedWheel.class)
			.list()) {
			if (competes(ours.filename(), official)) {
				this.jdbc.sql(WITHDRAW)
					.param("id", ours.id())
					.param("reason", "PyPI now has " + upstream.filename())
					.update();
				withdrawn.add(ours.filename());
			}
		}
		if (!withdrawn.isEmpty()) {
			logger.info("Withdrew {} of {} {}: PyPI now has {}", withdrawn, upstream.project(), upstream.version(),
					upstream.filename());
			this.events.publishEvent(new WheelsWithdrawn(ProjectName.of(upstream.project()), withdrawn));
		}
	}

	/**
	 * Ours competes with the official wheel when some interpreter, ABI and platform would
	 * accept both: there, upstream must win.
	 */
	static boolean competes(String ours, WheelFilename official) {
		try {
			return !Collections.disjoint(WheelFilename.parse(ours).tags(), official.tags());
		}
		catch (InvalidWheelFilenameException ex) {
			return false;
		}
	}

	record ListedWheel(long id, String filename) {

	}

}

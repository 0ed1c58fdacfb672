package dev.wheelfarm.dispatch;

import dev.wheelfarm.builds.BuildCandidate;
import dev.wheelfarm.builds.BuildLedger;
import dev.wheelfarm.pypi.ReleaseDiscovered;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.Sha256;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Queues a build for every release the watcher finds with an sdist and no wheel, under
 * the recipe the project's current settings make. The ledger's unique key makes this
 * idempotent: a release announced twice is one build, and one that failed permanently
 * under this recipe is not queued again.
 */
@Component
class ReleaseIntake {

	private static final Logger logger = LoggerFactory.getLogger(ReleaseIntake.class);

	private static final String SETTINGS = """
			SELECT settings::text FROM project WHERE name = :name AND optin_state = 'OPTED_IN'
			""";

	private final JdbcClient jdbc;

	private final BuildLedger ledger;

	private final Recipes recipes;

	ReleaseIntake(JdbcClient jdbc, BuildLedger ledger, Recipes recipes) {
		this.jdbc = jdbc;
		this.ledger = ledger;
		this.recipes = recipes;
	}

	@EventListener
	void on(ReleaseDiscovered release) {
		// The project may have opted out between the watch and this event: then nothing
		// is queued.
		this.jdbc.sql(SETTINGS)
			.param("name", release.project())
			.query(String.class)
			.optional()
			.ifPresent((settings) -> queue(release, settings));
	}

	private void queue(ReleaseDiscovered release, String settings) {
		BuildLedger.Enqueued enqueued = this.ledger.enqueue(
				new BuildCandidate(ProjectName.of(release.project()), release.version(), release.sdistFilename(),
						release.sdistUrl(), Sha256.of(release.sdistSha256()), BuildCandidate.Origin.WATCHER),
				this.recipes.forSettings(settings));
		if (enqueued.created()) {
			logger.info("Queued build {} for {} {} ({})", enqueued.id(), release.project(), release.version(),
					release.sdistFilename());
		}
	}

}

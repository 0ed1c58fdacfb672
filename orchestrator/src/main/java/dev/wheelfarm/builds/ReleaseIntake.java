package dev.wheelfarm.builds;

import java.util.List;

import dev.wheelfarm.optin.ProjectOptedIn;
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
 * under this recipe is not queued again. When a project's recipe is no longer the one its
 * last failed builds ran under (the maintainer changed a build setting, or a new jar
 * ships another worker), those releases are queued again under the new recipe.
 */
@Component
class ReleaseIntake {

	private static final Logger logger = LoggerFactory.getLogger(ReleaseIntake.class);

	private static final String SETTINGS = """
			SELECT settings::text FROM project WHERE name = :name AND optin_state = 'OPTED_IN'
			""";

	// The newest build of each release that PyPI still offers as an sdist-only,
	// unyanked release: the ones whose newest build failed under another recipe get
	// another try. Older failures of a release that later built are left alone.
	private static final String FAILED_UNDER_OTHER_RECIPES = """
			SELECT version, sdist_filename, sdist_url, sdist_sha256, origin
			FROM (SELECT DISTINCT ON (b.version, b.sdist_sha256)
			             b.version, b.sdist_filename, b.sdist_url, b.sdist_sha256, b.origin, b.state,
			             b.recipe_fingerprint
			      FROM build b JOIN project p ON p.id = b.project_id
			      WHERE p.name = :name AND p.optin_state = 'OPTED_IN'
			      ORDER BY b.version, b.sdist_sha256, b.id DESC) newest
			WHERE state = 'FAILED' AND recipe_fingerprint <> :recipe
			  AND EXISTS (SELECT 1 FROM release r JOIN pypi_file f ON f.release_id = r.id
			              WHERE r.project_id = (SELECT id FROM project WHERE name = :name)
			                AND r.version = newest.version AND r.deleted_at IS NULL AND NOT r.yanked
			                AND f.sha256 = newest.sdist_sha256 AND f.deleted_at IS NULL AND NOT f.yanked
			                AND NOT EXISTS (SELECT 1 FROM pypi_file w WHERE w.release_id = r.id
			                                AND w.kind = 'wheel' AND w.deleted_at IS NULL))
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

	@EventListener
	void on(ProjectOptedIn project) {
		this.jdbc.sql(SETTINGS)
			.param("name", project.project())
			.query(String.class)
			.optional()
			.ifPresent((settings) -> requeueFailed(project.project(), this.recipes.recipe(settings)));
	}

	private void requeueFailed(String project, Recipes.Recipe recipe) {
		List<FailedRelease> failed = this.jdbc.sql(FAILED_UNDER_OTHER_RECIPES)
			.param("name", project)
			.param("recipe", recipe.fingerprint().hex())
			.query(FailedRelease.class)
			.list();
		for (FailedRelease release : failed) {
			BuildLedger.Enqueued enqueued = this.ledger
				.enqueue(
						new BuildCandidate(ProjectName.of(project), release.version(), release.sdistFilename(),
								release.sdistUrl(), Sha256.of(release.sdistSha256()), origin(release.origin())),
						recipe);
			if (enqueued.created()) {
				logger.info("Queued build {} for {} {}: its last build failed under another recipe", enqueued.id(),
						project, release.version());
			}
		}
	}

	private static BuildCandidate.Origin origin(String code) {
		for (BuildCandidate.Origin origin : BuildCandidate.Origin.values()) {
			if (origin.code().equals(code)) {
				return origin;
			}
		}
		return BuildCandidate.Origin.WATCHER;
	}

	private void queue(ReleaseDiscovered release, String settings) {
		Recipes.Recipe recipe = this.recipes.recipe(settings);
		BuildLedger.Enqueued enqueued = this.ledger
			.enqueue(
					new BuildCandidate(ProjectName.of(release.project()), release.version(), release.sdistFilename(),
							release.sdistUrl(), Sha256.of(release.sdistSha256()), BuildCandidate.Origin.WATCHER),
					recipe);
		if (enqueued.created()) {
			logger.info("Queued build {} for {} {} ({})", enqueued.id(), release.project(), release.version(),
					release.sdistFilename());
		}
	}

	record FailedRelease(String version, String sdistFilename, String sdistUrl, String sdistSha256, String origin) {

	}

}

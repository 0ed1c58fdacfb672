package dev.wheelfarm.status;

import java.util.Set;

import com.zaxxer.hikari.HikariDataSource;
import dev.wheelfarm.builds.BuildState;
import dev.wheelfarm.testsupport.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The list queries on a real PostgreSQL: which projects are hosted, what is counted for
 * each, the search in any spelling of a name, the build filters and the paging.
 */
class ListingsTest {

	static HikariDataSource pool;

	static JdbcClient jdbc;

	@BeforeAll
	static void farm() throws Exception {
		pool = TestDatabase.freshDatabase().migrate().pool(2);
		jdbc = JdbcClient.create(pool);
		long repository = jdbc.sql("INSERT INTO repository (url) VALUES ('https://git.example/r') RETURNING id")
			.query(Long.class)
			.single();
		long alpha = project("alpha", "Alpha", "OPTED_IN", repository);
		// Opted out, but still serves an uploaded file: hosted, as the index has it.
		long beta = project("beta-lib", "Beta_Lib", "DISABLED", null);
		// Opt-in not confirmed and nothing served: not hosted.
		project("gamma", "gamma", "PENDING", null);
		for (int i = 0; i < 5; i++) {
			project("many-" + i, "many-" + i, "OPTED_IN", repository);
		}
		release(alpha, "1.0", "2026-01-01T00:00:00Z");
		release(alpha, "2.0", "2026-02-01T00:00:00Z");
		release(alpha, "1.1", "2026-01-15T00:00:00Z");
		long published = build(alpha, "1.0");
		jdbc.sql("UPDATE build SET state = 'DISPATCHED', builder = 'local', external_run_id = 'r' WHERE id = ?")
			.param(published)
			.update();
		jdbc.sql("UPDATE build SET state = 'SUCCEEDED' WHERE id = ?").param(published).update();
		jdbc.sql("UPDATE build SET state = 'PUBLISHED' WHERE id = ?").param(published).update();
		wheel(alpha, "1.0", "alpha-1.0-cp312-cp312-manylinux_2_17_x86_64.whl", published);
		wheel(alpha, "1.0", "alpha-1.0-py3-none-any.whl", published);
		// 1.1 failed once, then a rebuild of it is queued: not a failed release any more.
		fail(build(alpha, "1.1"));
		build(alpha, "1.1", "b");
		fail(build(alpha, "2.0"));
		wheel(beta, "0.1.dev5", "beta_lib-0.1.dev5-py3-none-any.whl", null);
	}

	@AfterAll
	static void close() {
		pool.close();
	}

	@Test
	void everyHostedProjectWithWhatTheFarmHasForIt() {
		Listed<ProjectListing.ProjectSummary> page = new ProjectListing(jdbc).list(null, Paging.first());
		assertThat(page.total()).isEqualTo(7);
		assertThat(page.items()).extracting(ProjectListing.ProjectSummary::name)
			.startsWith("alpha", "beta-lib")
			.doesNotContain("gamma");
		assertThat(page.items().get(0))
			.isEqualTo(new ProjectListing.ProjectSummary("alpha", "Alpha", "OPTED_IN", "2.0", 2, 0, 1, 1));
		assertThat(page.items().get(1))
			.isEqualTo(new ProjectListing.ProjectSummary("beta-lib", "Beta_Lib", "DISABLED", null, 0, 1, 0, 0));
	}

	@Test
	void theSearchFindsAnySpellingOfANameAndTakesWildcardsLiterally() {
		ProjectListing listing = new ProjectListing(jdbc);
		assertThat(listing.list("BETA.lib", Paging.first()).items()).extracting(ProjectListing.ProjectSummary::name)
			.containsExactly("beta-lib");
		assertThat(listing.list("et_", Paging.first()).items()).extracting(ProjectListing.ProjectSummary::name)
			.as("_ is a character, not LIKE's any-character (which would match beta)")
			.isEmpty();
		assertThat(listing.list("%", Paging.first()).total()).isZero();
		assertThat(listing.list("  many ", Paging.first()).total()).isEqualTo(5);
		assertThatIllegalArgumentException().isThrownBy(() -> listing.list("x".repeat(201), Paging.first()));
	}

	@Test
	void projectsComeOnePageAtATime() {
		Listed<ProjectListing.ProjectSummary> second = new ProjectListing(jdbc).list(null, new Paging(2, 3));
		assertThat(second.items()).extracting(ProjectListing.ProjectSummary::name)
			.containsExactly("many-1", "many-2", "many-3");
		assertThat(second.pages()).isEqualTo(3);
		assertThat(second.hasNext()).isTrue();
		assertThat(second.hasPrevious()).isTrue();
	}

	@Test
	void buildsNewestFirstFilteredByStateAndProject() {
		BuildListing listing = new BuildListing(jdbc);
		assertThat(listing.list(BuildListing.Filter.all(), Paging.first()).items())
			.extracting((build) -> build.version() + " " + build.state())
			.containsExactly("2.0 FAILED", "1.1 PENDING", "1.1 FAILED", "1.0 PUBLISHED");
		Listed<BuildListing.BuildSummary> failed = listing
			.list(new BuildListing.Filter(Set.of(BuildState.FAILED), "alpha"), Paging.first());
		assertThat(failed.total()).isEqualTo(2);
		assertThat(failed.items().get(0).stateWords()).startsWith("failed — will not retry until");
		assertThat(listing.list(new BuildListing.Filter(Set.of(), "beta-lib"), Paging.first()).total()).isZero();
		assertThat(listing
			.list(new BuildListing.Filter(Set.of(BuildState.FAILED, BuildState.PUBLISHED), null), new Paging(2, 2))
			.items()).extracting(BuildListing.BuildSummary::version).containsExactly("1.0");
	}

	@Test
	void theQueueIsWhatWaitsOrRuns() {
		Listed<BuildListing.BuildSummary> queue = new BuildListing(jdbc).queue(Paging.first());
		assertThat(queue.items()).extracting((build) -> build.version() + " " + build.stateWords())
			.containsExactly("1.1 queued");
	}

	private static long project(String name, String display, String state, Long repository) {
		return jdbc.sql("""
				INSERT INTO project (name, display_name, optin_state, repository_id) VALUES (?, ?, ?, ?)
				RETURNING id""").params(name, display, state, repository).query(Long.class).single();
	}

	private static void release(long project, String version, String seen) {
		jdbc.sql("INSERT INTO release (project_id, version, pep440, first_seen_at) VALUES (?, ?, true, ?::timestamptz)")
			.params(project, version, seen)
			.update();
	}

	private static long build(long project, String version) {
		return build(project, version, "a");
	}

	private static long build(long project, String version, String recipe) {
		return jdbc
			.sql("""
					INSERT INTO build (project_id, version, sdist_filename, sdist_url, sdist_sha256, recipe_fingerprint, origin)
					VALUES (?, ?, 'x.tar.gz', 'https://files.example/x.tar.gz', ?, ?, 'watcher') RETURNING id""")
			.params(project, version, "a".repeat(64), recipe.repeat(64))
			.query(Long.class)
			.single();
	}

	private static void fail(long build) {
		jdbc.sql("""
				UPDATE build SET state = 'FAILED', failure_kind = 'permanent', failure_class = 'compile-error',
				                 reason = 'compile-error: gcc failed' WHERE id = ?""").param(build).update();
	}

	private static void wheel(long project, String version, String filename, Long build) {
		jdbc.sql(
				"""
						INSERT INTO wheel (build_id, project_id, version, filename, sha256, size, metadata_sha256, origin, uploaded_by)
						VALUES (?, ?, ?, ?, ?, 10, ?, ?, ?)""")
			.params(build, project, version, filename, "b".repeat(64), "c".repeat(64),
					(build != null) ? "build" : "upload", (build != null) ? null : "token")
			.update();
	}

}

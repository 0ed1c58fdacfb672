package dev.wheelfarm.pypi;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.wheelfarm.pypi.standin.Fault;
import dev.wheelfarm.pypi.standin.PypiStandIn;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Watch cycles against the stand-in PyPI on a real PostgreSQL: for each scenario of the
 * issue, the rows in the database and the events published.
 */
class PypiWatcherTest {

	private WatchHarness farm;

	@BeforeEach
	void setUp() {
		this.farm = new WatchHarness();
	}

	@AfterEach
	void tearDown() {
		this.farm.close();
	}

	@Test
	void firstCycleRecordsEveryReleaseAndDiscoversTheSdistOnlyOnes() {
		this.farm.pypi.project("Sample_Pkg").withWheel("1.0").sdistOnly("1.1").sdistOnly("2.0rc1");
		this.farm.pypi.project("sample-pkg").release("0.9"); // an empty release
		this.farm.optIn("sample-pkg");

		PypiWatcher.CycleReport report = this.farm.cycle();

		assertThat(report.read()).isEqualTo(1);
		assertThat(this.farm.pypi.requestCount()).as("root listing + one project page").isEqualTo(2);
		assertThat(this.farm.releases("sample-pkg")).containsExactly("0.9", "1.0", "1.1", "2.0rc1");
		assertThat(this.farm.files("sample-pkg")).containsExactly("1.0 sample_pkg-1.0-py3-none-any.whl",
				"1.0 sample_pkg-1.0.tar.gz", "1.1 sample_pkg-1.1.tar.gz", "2.0rc1 sample_pkg-2.0rc1.tar.gz");
		// Pre-releases are off by default; 1.0 has a wheel already.
		assertThat(this.farm.events(ReleaseDiscovered.class)).containsExactly(new ReleaseDiscovered("sample-pkg", "1.1",
				"sample_pkg-1.1.tar.gz", PypiStandIn.FILES_HOST + "/packages/"
						+ PypiStandIn.sha256Of("sample_pkg-1.1.tar.gz").substring(0, 2) + "/sample_pkg-1.1.tar.gz",
				PypiStandIn.sha256Of("sample_pkg-1.1.tar.gz"), ">=3.9"));
		assertThat(this.farm.changeLog("sample-pkg")).containsExactly("RELEASE_DISCOVERED 1.1");
		assertThat(this.farm.serial("sample-pkg")).isEqualTo(this.farm.pypi.project("sample-pkg").lastSerial());
		Map<String, Object> file = this.farm.jdbc.sql("""
				SELECT f.kind, f.size, f.upload_time::text AS upload_time, f.requires_python, f.url
				FROM pypi_file f WHERE f.filename = 'sample_pkg-1.0-py3-none-any.whl'
				""").query().singleRow();
		assertThat(file).containsEntry("kind", "wheel")
			.containsEntry("size", 1000L + "sample_pkg-1.0-py3-none-any.whl".length())
			.containsEntry("requires_python", ">=3.9")
			.containsEntry("upload_time", "2026-01-02 03:04:05.123456+00");
	}

	@Test
	void theMaintainersSettingsChooseWhatIsACandidate() {
		PypiStandIn.Project project = this.farm.pypi.project("picky");
		project.sdistOnly("0.9").sdistOnly("1.0").sdistOnly("1.1").sdistOnly("1.2b1").sdistOnly("2.0");
		this.farm.optIn("picky", """
				{"since": "1.0", "prereleases": true, "skip-versions": ["1.1"]}""");

		this.farm.cycle();

		assertThat(this.farm.events(ReleaseDiscovered.class)).extracting(ReleaseDiscovered::version)
			.containsExactly("1.0", "1.2b1", "2.0");
		assertThat(this.farm.releases("picky")).hasSize(5);
	}

	@Test
	void anUnchangedFarmCostsOneRequestAndAChangedProjectOneMore() {
		this.farm.pypi.project("alpha").sdistOnly("1.0");
		this.farm.pypi.project("beta").withWheel("1.0");
		this.farm.pypi.project("not-opted-in").sdistOnly("1.0");
		this.farm.optIn("alpha");
		this.farm.optIn("beta");
		this.farm.cycle();

		PypiWatcher.CycleReport quiet = this.farm.cycle();
		assertThat(quiet.read()).isZero();
		assertThat(this.farm.pypi.requestCount()).as("the root listing answers 304").isEqualTo(1);

		this.farm.pypi.project("not-opted-in").sdistOnly("2.0");
		PypiWatcher.CycleReport elsewhere = this.farm.cycle();
		assertThat(elsewhere.read()).as("a change to a project nobody opted in reads nothing").isZero();
		assertThat(this.farm.pypi.requestCount()).isEqualTo(1);

		this.farm.pypi.project("beta").sdistOnly("1.1");
		PypiWatcher.CycleReport changed = this.farm.cycle();
		assertThat(changed.read()).isEqualTo(1);
		assertThat(this.farm.pypi.requestCount()).isEqualTo(2);
		assertThat(this.farm.pypi.requestCount("/pypi/beta/json")).isEqualTo(1);
		assertThat(this.farm.events).containsExactly(new ReleaseDiscovered(
				"beta", "1.1", "beta-1.1.tar.gz", PypiStandIn.FILES_HOST + "/packages/"
						+ PypiStandIn.sha256Of("beta-1.1.tar.gz").substring(0, 2) + "/beta-1.1.tar.gz",
				PypiStandIn.sha256Of("beta-1.1.tar.gz"), ">=3.9"));
	}

	@Test
	void yanksAndUnyanksAreMirrored() {
		PypiStandIn.Project project = this.farm.pypi.project("yanky");
		project.sdistOnly("1.0").withWheel("1.1");
		this.farm.optIn("yanky");
		this.farm.cycle();

		project.release("1.1").yank("broken build");
		this.farm.cycle();
		assertThat(this.farm.events).containsExactly(new ReleaseYankChanged("yanky", "1.1", true, "broken build"));
		assertThat(this.farm.releases("yanky")).containsExactly("1.0", "1.1 yanked:broken build");
		assertThat(this.farm.files("yanky")).containsExactly("1.0 yanky-1.0.tar.gz",
				"1.1 yanky-1.1-py3-none-any.whl yanked", "1.1 yanky-1.1.tar.gz yanked");

		project.release("1.1").unyank();
		this.farm.cycle();
		assertThat(this.farm.events).containsExactly(new ReleaseYankChanged("yanky", "1.1", false, null));
		assertThat(this.farm.releases("yanky")).containsExactly("1.0", "1.1");

		// Yanking an sdist-only release takes it off the candidates; unyanking brings it
		// back.
		project.release("1.0").yank(null);
		this.farm.cycle();
		project.release("1.0").unyank();
		this.farm.cycle();
		assertThat(this.farm.events).containsExactlyInAnyOrder(new ReleaseYankChanged("yanky", "1.0", false, null),
				new ReleaseDiscovered(
						"yanky", "1.0", "yanky-1.0.tar.gz", PypiStandIn.FILES_HOST + "/packages/"
								+ PypiStandIn.sha256Of("yanky-1.0.tar.gz").substring(0, 2) + "/yanky-1.0.tar.gz",
						PypiStandIn.sha256Of("yanky-1.0.tar.gz"), ">=3.9"));
	}

	@Test
	void deletedFilesReleasesAndProjectsAreMarkedNotForgotten() {
		PypiStandIn.Project project = this.farm.pypi.project("shrinking");
		project.withWheel("1.0").sdistOnly("2.0").sdistOnly("3.0");
		this.farm.optIn("shrinking");
		this.farm.cycle();

		project.release("1.0").deleteFile("shrinking-1.0-py3-none-any.whl");
		project.deleteRelease("2.0");
		this.farm.cycle();

		assertThat(this.farm.events).containsExactlyInAnyOrder(
				new FileDeleted("shrinking", "1.0", "shrinking-1.0-py3-none-any.whl"),
				new ReleaseDeleted("shrinking", "2.0"),
				// with its wheel gone, 1.0 is sdist-only now
				new ReleaseDiscovered("shrinking", "1.0", "shrinking-1.0.tar.gz", PypiStandIn.FILES_HOST + "/packages/"
						+ PypiStandIn.sha256Of("shrinking-1.0.tar.gz").substring(0, 2) + "/shrinking-1.0.tar.gz",
						PypiStandIn.sha256Of("shrinking-1.0.tar.gz"), ">=3.9"));
		assertThat(this.farm.files("shrinking")).containsExactly("1.0 shrinking-1.0-py3-none-any.whl deleted",
				"1.0 shrinking-1.0.tar.gz", "2.0 shrinking-2.0.tar.gz deleted", "3.0 shrinking-3.0.tar.gz");
		assertThat(this.farm.releases("shrinking")).containsExactly("1.0", "2.0 deleted", "3.0");

		// A 404 for a project the listing still shows is a hiccup, not a deletion.
		project.sdistOnly("4.0");
		this.farm.pypi.failNext("/pypi/shrinking/json", Fault.status(404));
		this.farm.cycle();
		assertThat(this.farm.lastError("shrinking")).contains("answered 404");
		assertThat(this.farm.releases("shrinking")).containsExactly("1.0", "2.0 deleted", "3.0");
		this.farm.cycle();
		assertThat(this.farm.releases("shrinking")).containsExactly("1.0", "2.0 deleted", "3.0", "4.0");

		this.farm.pypi.deleteProject("shrinking");
		this.farm.cycle();
		assertThat(this.farm.events).containsExactlyInAnyOrder(new ReleaseDeleted("shrinking", "1.0"),
				new ReleaseDeleted("shrinking", "3.0"), new ReleaseDeleted("shrinking", "4.0"));
		assertThat(this.farm.releases("shrinking")).containsExactly("1.0 deleted", "2.0 deleted", "3.0 deleted",
				"4.0 deleted");

		PypiWatcher.CycleReport after = this.farm.cycle();
		assertThat(after.read()).as("a project gone from PyPI is read once, not every cycle").isZero();
	}

	@Test
	void anUpstreamWheelForAReleaseTheFarmBuiltIsReported() {
		PypiStandIn.Project project = this.farm.pypi.project("farmed");
		project.sdistOnly("1.0").sdistOnly("2.0");
		long id = this.farm.optIn("farmed");
		this.farm.cycle();
		long build = this.farm.jdbc
			.sql("""
					INSERT INTO build (project_id, version, sdist_filename, sdist_url, sdist_sha256, recipe_fingerprint, origin)
					VALUES (:id, '1.0', 'farmed-1.0.tar.gz', 'https://x/farmed-1.0.tar.gz', :sha, :sha, 'watcher') RETURNING id
					""")
			.param("id", id)
			.param("sha", "a".repeat(64))
			.query(Long.class)
			.single();
		this.farm.jdbc.sql("""
				INSERT INTO wheel (build_id, project_id, version, filename, sha256, size, metadata_sha256)
				VALUES (:build, :id, '1.0', 'farmed-1.0-cp312-cp312-manylinux_2_17_x86_64.whl', :sha, 10, :sha)
				""").param("build", build).param("id", id).param("sha", "b".repeat(64)).update();

		project.release("1.0").wheel("cp312-cp312-manylinux_2_17_x86_64");
		project.release("2.0").wheel("py3-none-any"); // not built by the farm: nothing to
														// withdraw
		this.farm.cycle();

		assertThat(this.farm.events(UpstreamWheelAppeared.class)).containsExactly(
				new UpstreamWheelAppeared("farmed", "1.0", "farmed-1.0-cp312-cp312-manylinux_2_17_x86_64.whl",
						PypiStandIn.sha256Of("farmed-1.0-cp312-cp312-manylinux_2_17_x86_64.whl")));
		assertThat(this.farm.changeLog("farmed")).containsExactly("RELEASE_DISCOVERED 1.0", "RELEASE_DISCOVERED 2.0",
				"UPSTREAM_WHEEL_APPEARED 1.0 farmed-1.0-cp312-cp312-manylinux_2_17_x86_64.whl");
	}

	@Test
	void aStalePageIsFetchedAgainAndNeverMovesTheSerialBack() {
		PypiStandIn.Project project = this.farm.pypi.project("laggy");
		project.sdistOnly("1.0");
		this.farm.optIn("laggy");
		this.farm.cycle();
		long before = this.farm.serial("laggy");
		byte[] old = this.farm.pypi.currentBody("/pypi/laggy/json");

		// Once stale: the second read gets the fresh page.
		project.sdistOnly("1.1");
		this.farm.pypi.failNext("/pypi/laggy/json", Fault.replay(old, before));
		this.farm.cycle();
		assertThat(this.farm.pypi.requestCount("/pypi/laggy/json")).isEqualTo(2);
		assertThat(this.farm.events(ReleaseDiscovered.class)).extracting(ReleaseDiscovered::version)
			.containsExactly("1.1");
		long current = this.farm.serial("laggy");
		assertThat(current).isEqualTo(project.lastSerial());

		// Stale twice: recorded as an error; the serial and the rows stay as they were.
		project.sdistOnly("1.2");
		this.farm.pypi.failNext("/pypi/laggy/json", Fault.replay(old, before), Fault.replay(old, before));
		PypiWatcher.CycleReport report = this.farm.cycle();
		assertThat(report.failed()).isEqualTo(1);
		assertThat(this.farm.lastError("laggy")).contains("stale page").contains("older than");
		assertThat(this.farm.serial("laggy")).isEqualTo(current);
		assertThat(this.farm.releases("laggy")).containsExactly("1.0", "1.1");

		// The next cycle retries by itself.
		this.farm.cycle();
		assertThat(this.farm.releases("laggy")).containsExactly("1.0", "1.1", "1.2");
		assertThat(this.farm.lastError("laggy")).isNull();
	}

	@Test
	void faultsAreRecordedAgainstTheirProjectAndTheCycleGoesOn() {
		List<String> names = List.of("healthy", "throttled", "broken", "garbled", "impostor", "huge", "sluggish",
				"absurd");
		for (String name : names) {
			this.farm.pypi.project(name).sdistOnly("1.0");
			this.farm.optIn(name);
		}
		this.farm.cycle();
		for (String name : names) {
			this.farm.pypi.project(name).sdistOnly("2.0");
		}
		this.farm.pypi.failNext("/pypi/throttled/json", Fault.tooManyRequests("0"));
		this.farm.pypi.failNext("/pypi/broken/json", Fault.status(500), Fault.status(502), Fault.status(503));
		this.farm.pypi.failNext("/pypi/garbled/json", Fault.malformedJson());
		this.farm.pypi.failNext("/pypi/impostor/json", Fault.json("""
				{"info": {"name": "someone-else"}, "last_serial": 99999999, "releases": {}}"""));
		this.farm.pypi.failNext("/pypi/huge/json", Fault.json("{\"info\": {\"name\": \"huge\", \"description\": \""
				+ "x".repeat(10 * 1024 * 1024) + "\"}, \"last_serial\": 99999999, \"releases\": {}}"));
		this.farm.pypi.failNext("/pypi/sluggish/json", Fault.slow(Duration.ofSeconds(3)),
				Fault.slow(Duration.ofSeconds(3)), Fault.slow(Duration.ofSeconds(3)));
		String sha = PypiStandIn.sha256Of("x");
		this.farm.pypi.failNext("/pypi/absurd/json",
				Fault
					.json("""
							{"info": {"name": "absurd"}, "last_serial": %d, "releases": {
							  "1.0": [{"filename": "absurd-1.0.tar.gz", "packagetype": "sdist", "digests": {"sha256": "%s"},
							           "size": 10, "url": "https://files.standin.invalid/absurd-1.0.tar.gz", "yanked": false}],
							  "%s": [],
							  "3.0 beta": [],
							  "2.0": [{"filename": "../../etc/passwd", "digests": {"sha256": "%s"}, "size": 1, "url": "https://x/y"},
							          {"filename": "absurd-2.0.tar.gz", "digests": {"sha256": "not-hex"}, "size": 1, "url": "https://x/y"}]
							}}"""
						.formatted(this.farm.pypi.project("absurd").lastSerial(), sha, "9".repeat(300), sha)));

		PypiWatcher.CycleReport report = this.farm.cycle();

		assertThat(report.read()).isEqualTo(names.size());
		assertThat(report.failed()).isEqualTo(5);
		assertThat(this.farm.releases("healthy")).containsExactly("1.0", "2.0");
		assertThat(this.farm.releases("throttled")).as("429 then served").containsExactly("1.0", "2.0");
		assertThat(this.farm.lastError("broken")).contains("HTTP 503").contains("after 2 retries");
		assertThat(this.farm.lastError("garbled")).startsWith("malformed JSON");
		assertThat(this.farm.lastError("impostor")).contains("page for a different project").contains("someone-else");
		assertThat(this.farm.lastError("huge")).contains("page larger than 5242880 bytes");
		assertThat(this.farm.lastError("sluggish")).contains("no complete response within 1500 ms");
		for (String failed : List.of("broken", "garbled", "impostor", "huge", "sluggish")) {
			assertThat(this.farm.releases(failed)).as(failed).containsExactly("1.0");
			assertThat(this.farm.files(failed)).as(failed).containsExactly("1.0 " + failed + "-1.0.tar.gz");
		}
		// Absurd entries are left out and named; the rest of the page is kept.
		assertThat(this.farm.lastError("absurd")).isNull();
		assertThat(this.farm.releases("absurd")).containsExactly("1.0", "2.0");
		String warning = this.farm.jdbc
			.sql("SELECT last_warning FROM pypi_cursor c JOIN project p ON p.id = c.project_id WHERE p.name = 'absurd'")
			.query(String.class)
			.single();
		assertThat(warning).contains("unusable version \"999")
			.contains("(300 chars)")
			.contains("unusable version \"3.0 beta\"")
			.contains("unusable filename \"../../etc/passwd\"")
			.contains("ignored absurd-2.0.tar.gz: missing or malformed sha256");

		// The failed ones are retried by the next cycle, which now succeeds.
		PypiWatcher.CycleReport retry = this.farm.cycle();
		assertThat(retry.read()).isEqualTo(5);
		assertThat(retry.failed()).isZero();
		assertThat(this.farm.releases("sluggish")).containsExactly("1.0", "2.0");
	}

	@Test
	void aFailedTransactionLeavesNoHalfWrittenProjectAndNoAdvancedSerial() {
		PypiStandIn.Project project = this.farm.pypi.project("crashy");
		project.sdistOnly("1.0");
		this.farm.optIn("crashy");
		this.farm.cycle();
		long serial = this.farm.serial("crashy");
		// A crash in the middle of the project's writes, after a release row went in.
		this.farm.jdbc.sql("""
				CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN RAISE EXCEPTION 'simulated crash'; END $$;
				CREATE TRIGGER boom BEFORE INSERT ON pypi_file FOR EACH ROW
				    WHEN (NEW.filename LIKE '%boom%') EXECUTE FUNCTION boom();
				""").update();
		project.sdistOnly("1.1");
		project.release("1.2").add("crashy-1.2-boom.tar.gz");

		PypiWatcher.CycleReport report = this.farm.cycle();

		assertThat(report.failed()).isEqualTo(1);
		assertThat(this.farm.events).isEmpty();
		assertThat(this.farm.lastError("crashy")).contains("simulated crash");
		assertThat(this.farm.serial("crashy")).isEqualTo(serial);
		assertThat(this.farm.releases("crashy")).containsExactly("1.0");
		assertThat(this.farm.changeLog("crashy")).containsExactly("RELEASE_DISCOVERED 1.0");

		this.farm.jdbc.sql("DROP TRIGGER boom ON pypi_file").update();
		this.farm.cycle();
		assertThat(this.farm.releases("crashy")).containsExactly("1.0", "1.1", "1.2");
		assertThat(this.farm.events(ReleaseDiscovered.class)).extracting(ReleaseDiscovered::version)
			.containsExactly("1.1", "1.2");
	}

	@Test
	void aCycleThatDiesHalfWayIsFinishedByTheNextOne() {
		for (String name : List.of("first", "second", "third")) {
			this.farm.pypi.project(name).withWheel("1.0");
			this.farm.optIn(name);
		}
		this.farm.cycle();
		for (String name : List.of("first", "second", "third")) {
			this.farm.pypi.project(name).sdistOnly("2.0");
		}
		this.farm.crashOnNextEvent = true;

		assertThatExceptionOfType(IllegalStateException.class).isThrownBy(this.farm::cycle);
		// "first" was committed before the crash; the change is in the log even though no
		// listener heard it.
		assertThat(this.farm.changeLog("first")).containsExactly("RELEASE_DISCOVERED 2.0");
		assertThat(this.farm.releases("second")).containsExactly("1.0");

		PypiWatcher.CycleReport next = this.farm.cycle();
		assertThat(next.read()).as("the listing is read again, not answered 304").isEqualTo(2);
		List<ReleaseDiscovered> heard = this.farm.events(ReleaseDiscovered.class);
		assertThat(heard).extracting(ReleaseDiscovered::project)
			.as("first's change, recorded but never heard, is delivered now")
			.containsExactlyInAnyOrder("first", "second", "third");
		assertThat(heard).filteredOn((event) -> event.project().equals("first")).singleElement().satisfies((event) -> {
			assertThat(event.version()).isEqualTo("2.0");
			assertThat(event.sdistFilename()).isEqualTo("first-2.0.tar.gz");
			assertThat(event.sdistSha256()).matches("[0-9a-f]{64}");
			assertThat(event.sdistUrl()).endsWith("/first-2.0.tar.gz");
		});
		assertThat(this.farm.changeLog("first")).as("nothing twice").containsExactly("RELEASE_DISCOVERED 2.0");
		assertThat(this.farm.jdbc.sql("SELECT count(*) FROM pypi_change WHERE delivered_at IS NULL")
			.query(Long.class)
			.single()).as("every change delivered").isZero();

		this.farm.cycle();
		assertThat(this.farm.events(ReleaseDiscovered.class)).as("and delivered once").isEmpty();
	}

	@Test
	void aFullReconciliationReadsEveryProjectAndRepairsWhatTheSignalMissed() {
		this.farm.pypi.project("one").sdistOnly("1.0");
		this.farm.pypi.project("two").sdistOnly("1.0");
		this.farm.optIn("one");
		this.farm.optIn("two");
		this.farm.cycle();
		// Rows lost behind the watcher's back (a restore from an old backup, say).
		this.farm.jdbc
			.sql("DELETE FROM release WHERE version = '1.0' AND project_id = "
					+ "(SELECT id FROM project WHERE name = 'two')")
			.update();

		assertThat(this.farm.cycle().read()).as("the global signal sees no change").isZero();
		PypiWatcher.CycleReport full = this.farm.fullCycle();

		assertThat(full.mode()).isEqualTo(PypiWatcher.Mode.FULL);
		assertThat(full.read()).isEqualTo(2);
		assertThat(this.farm.pypi.requestCount()).as("no root listing, no ETags").isEqualTo(2);
		assertThat(this.farm.releases("two")).containsExactly("1.0");
		assertThat(this.farm.jdbc.sql("SELECT reconciled_at IS NOT NULL FROM pypi_global_cursor")
			.query(Boolean.class)
			.single()).isTrue();
		assertThat(this.farm.watcher.watch(PypiWatcher.Mode.AUTO).mode()).as("the next reconciliation is a day away")
			.isEqualTo(PypiWatcher.Mode.INCREMENTAL);
	}

	@Test
	void nobodyOptedInMeansNoRequestAtAll() {
		this.farm.pypi.project("lonely").sdistOnly("1.0");
		PypiWatcher.CycleReport report = this.farm.cycle();
		assertThat(report.optedIn()).isZero();
		assertThat(this.farm.pypi.requestCount()).isZero();
	}

}

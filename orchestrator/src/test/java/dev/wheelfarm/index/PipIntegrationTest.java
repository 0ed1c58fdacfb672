package dev.wheelfarm.index;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import dev.wheelfarm.artifacts.LocalBlobStore;
import dev.wheelfarm.artifacts.TestWheels;
import dev.wheelfarm.builds.Build;
import dev.wheelfarm.builds.BuildCandidate;
import dev.wheelfarm.builds.BuildLedger;
import dev.wheelfarm.builds.BuildState;
import dev.wheelfarm.builds.RecipeFingerprint;
import dev.wheelfarm.dispatch.Dispatcher;
import dev.wheelfarm.dispatch.local.SdistServer;
import dev.wheelfarm.dispatch.local.Sdists;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.testsupport.IntegrationTest;
import dev.wheelfarm.testsupport.Venv;
import dev.wheelfarm.testsupport.Waiting;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real pip against the index, with wheels the real worker built from generated sdists
 * (one pure, one C extension) through the dispatcher and the ingest. PyPI's files are
 * served by a local stand-in for files.pythonhosted.org. pip is isolated from this
 * machine's configuration (environment.md): no config file, no find-links, no cache, a
 * fresh venv.
 */
@IntegrationTest
@TestPropertySource(properties = { "wheelfarm.dispatch.enabled=false", "wheelfarm.engine=local",
		"wheelfarm.local.python=" + Sdists.PYTHON, "wheelfarm.local.offline=true", "wheelfarm.local.fetch-retries=0",
		"wheelfarm.index.page-cache-ttl=0s" })
class PipIntegrationTest {

	@TempDir
	static Path scratch;

	static SdistServer pypi;

	static Venv venv;

	static boolean built;

	static Path pureSdist;

	@LocalServerPort
	int port;

	@Autowired
	BuildLedger ledger;

	@Autowired
	Dispatcher dispatcher;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	LocalBlobStore blobs;

	@BeforeAll
	static void startPypiAndVenv() throws Exception {
		pypi = new SdistServer();
		venv = Venv.create(scratch, "venv");
	}

	@AfterAll
	static void stopPypi() {
		pypi.close();
	}

	/** PyPI's releases and the farm's builds of them, once for the class. */
	@BeforeEach
	void buildOnce() throws Exception {
		if (built) {
			return;
		}
		IndexFixtures rows = new IndexFixtures(this.jdbc);
		long pure = rows.optedIn("purepkg");
		long pure10 = rows.release(pure, "1.0");
		byte[] sdist = Sdists.sdist(scratch, "purepkg", "1.0", Sdists.PURE_SETUPTOOLS);
		pureSdist = Files.write(scratch.resolve("pypi-purepkg-1.0.tar.gz"), sdist);
		URI sdistUrl = pypi.publish("purepkg-1.0.tar.gz", sdist, 0);
		rows.pypiFile(pure10, "purepkg-1.0.tar.gz", "sdist", sdistUrl.toString(), Sha256.digest(sdist).hex(),
				sdist.length);
		// An older release that has a wheel on PyPI: where pip goes when 1.0 is yanked.
		long pure09 = rows.release(pure, "0.9");
		byte[] oldWheel = TestWheels.of("purepkg", "0.9").bytes();
		rows.pypiFile(pure09, "purepkg-0.9-py3-none-any.whl", "wheel",
				pypi.publish("purepkg-0.9-py3-none-any.whl", oldWheel, 0).toString(), Sha256.digest(oldWheel).hex(),
				oldWheel.length);
		build("purepkg", "1.0", sdistUrl, sdist);

		long cext = rows.optedIn("cext");
		long cext20 = rows.release(cext, "2.0");
		byte[] cextSdist = Sdists.sdist(scratch, "cext", "2.0", Sdists.C_EXTENSION);
		URI cextUrl = pypi.publish("cext-2.0.tar.gz", cextSdist, 0);
		rows.pypiFile(cext20, "cext-2.0.tar.gz", "sdist", cextUrl.toString(), Sha256.digest(cextSdist).hex(),
				cextSdist.length);
		build("cext", "2.0", cextUrl, cextSdist);
		built = true;
	}

	@Test
	void pipInstallsOurPureAndCExtensionWheels() throws Exception {
		Venv.Result install = pip("install", "purepkg==1.0", "cext");
		assertThat(install.exitCode()).as(install.output()).isZero();
		assertThat(install.output()).contains("/files/")
			.contains("purepkg-1.0-py3-none-any.whl")
			.containsPattern("cext-2\\.0-cp3\\d+-cp3\\d+-linux_x86_64\\.whl");
		Venv.Result imported = venv.python("import purepkg, cext; print(purepkg.ANSWER)");
		assertThat(imported.output().strip()).isEqualTo("42");
	}

	@Test
	void pipRefusesATamperedFile() throws Exception {
		String sha = this.jdbc.sql("SELECT sha256 FROM wheel WHERE filename = 'purepkg-1.0-py3-none-any.whl'")
			.query(String.class)
			.single();
		Path blob = this.blobs.path(Sha256.of(sha));
		byte[] original = Files.readAllBytes(blob);
		byte[] tampered = original.clone();
		tampered[tampered.length / 2] ^= 0x01;
		try {
			Files.write(blob, tampered);
			Venv.Result install = pip("install", "--force-reinstall", "--no-deps", "purepkg==1.0");
			assertThat(install.exitCode()).isNotZero();
			assertThat(install.output()).contains("THESE PACKAGES DO NOT MATCH THE HASHES");
		}
		finally {
			Files.write(blob, original);
		}
	}

	@Test
	void pipSkipsAYankedReleaseUnlessPinned() throws Exception {
		this.jdbc
			.sql("UPDATE release SET yanked = true, yanked_reason = 'bad build' WHERE version = '1.0'"
					+ " AND project_id = (SELECT id FROM project WHERE name = 'purepkg')")
			.update();
		try {
			Venv.Result unpinned = pip("download", "--no-deps", "-d", scratch.resolve("unpinned").toString(),
					"purepkg");
			assertThat(unpinned.exitCode()).as(unpinned.output()).isZero();
			assertThat(scratch.resolve("unpinned/purepkg-0.9-py3-none-any.whl")).exists();
			Venv.Result pinned = pip("download", "--no-deps", "-d", scratch.resolve("pinned").toString(),
					"purepkg==1.0");
			assertThat(pinned.exitCode()).as(pinned.output()).isZero();
			assertThat(pinned.output()).contains("yanked").contains("bad build");
			assertThat(scratch.resolve("pinned/purepkg-1.0-py3-none-any.whl")).exists();
		}
		finally {
			this.jdbc.sql("UPDATE release SET yanked = false, yanked_reason = NULL WHERE version = '1.0'").update();
		}
	}

	@Test
	void pipDownloadSeesPypisSdistAndOurWheel() throws Exception {
		Venv.Result wheel = pip("download", "--no-deps", "--only-binary", ":all:", "-d",
				scratch.resolve("wheels").toString(), "purepkg==1.0");
		assertThat(wheel.exitCode()).as(wheel.output()).isZero();
		assertThat(scratch.resolve("wheels/purepkg-1.0-py3-none-any.whl")).exists();
		int before = pypi.requestCount("purepkg-1.0.tar.gz");
		Venv.Result sdist = pip("download", "--no-deps", "--no-binary", ":all:", "--no-build-isolation", "-d",
				scratch.resolve("sdists").toString(), "purepkg==1.0");
		assertThat(sdist.exitCode()).as(sdist.output()).isZero();
		assertThat(pypi.requestCount("purepkg-1.0.tar.gz")).isGreaterThan(before);
		assertThat(Files.readAllBytes(scratch.resolve("sdists/purepkg-1.0.tar.gz")))
			.isEqualTo(Files.readAllBytes(pureSdist));
	}

	private void build(String name, String version, URI sdistUrl, byte[] sdist) {
		long id = this.ledger
			.enqueue(
					new BuildCandidate(ProjectName.of(name), version, name + "-" + version + ".tar.gz",
							sdistUrl.toString(), Sha256.digest(sdist), BuildCandidate.Origin.WATCHER),
					RecipeFingerprint.of(Map.of("worker", "test")))
			.id();
		Waiting.until("the build of " + name + " " + version + " to be published", Duration.ofMinutes(4), () -> {
			this.dispatcher.round();
			Build build = this.ledger.find(id).orElseThrow();
			assertThat(build.state()).as("build of %s %s: %s", name, version, build)
				.isNotIn(BuildState.FAILED, BuildState.CANCELLED, BuildState.SKIPPED);
			return build;
		}, (build) -> build.state() == BuildState.PUBLISHED);
	}

	private Venv.Result pip(String... arguments) {
		return venv.pip("http://127.0.0.1:" + this.port + "/simple/", arguments);
	}

}

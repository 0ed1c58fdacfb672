package dev.wheelfarm.retention;

import java.nio.file.Path;

import dev.wheelfarm.testsupport.IntegrationTest;
import dev.wheelfarm.testsupport.Venv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real pip, isolated from this machine's configuration, against the index before and
 * after a retention run: a removed version is no longer a candidate, the newest stays
 * installable.
 */
@IntegrationTest
class RetentionPipTest extends RetentionIntegrationTest {

	@TempDir
	Path scratch;

	@Test
	void pipNoLongerSeesARemovedVersion() throws Exception {
		RetentionFixtures rows = fixtures();
		long project = rows.optedIn("pipnightly", "prereleases", 1, 30);
		rows.publish(project, "pipnightly", "1.0.dev1", 100);
		rows.publish(project, "pipnightly", "1.0.dev2", 99);
		rows.publish(project, "pipnightly", "1.0.dev3", 98);
		Venv pip = Venv.create(this.scratch, "venv");
		String index = "http://127.0.0.1:" + this.port + "/simple/";

		Venv.Result before = pip.pip(index, "download", "--no-deps", "-d", this.scratch.resolve("before").toString(),
				"pipnightly==1.0.dev1");
		assertThat(before.exitCode()).as(before.output()).isZero();
		assertThat(this.scratch.resolve("before/pipnightly-1.0.dev1-py3-none-any.whl")).exists();

		runJob();

		Venv.Result pinned = pip.pip(index, "download", "--no-deps", "-d", this.scratch.resolve("after").toString(),
				"pipnightly==1.0.dev1");
		assertThat(pinned.exitCode()).as(pinned.output()).isNotZero();
		assertThat(pinned.output()).contains("No matching distribution found for pipnightly==1.0.dev1")
			.contains("(from versions: 1.0.dev3)");
		Venv.Result newest = pip.pip(index, "download", "--no-deps", "--pre", "-d",
				this.scratch.resolve("newest").toString(), "pipnightly");
		assertThat(newest.exitCode()).as(newest.output()).isZero();
		assertThat(this.scratch.resolve("newest/pipnightly-1.0.dev3-py3-none-any.whl")).exists();
	}

}

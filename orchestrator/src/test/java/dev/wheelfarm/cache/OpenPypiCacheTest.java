package dev.wheelfarm.cache;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.wheelfarm.testsupport.IntegrationTest;
import dev.wheelfarm.testsupport.PypiFilesStandIn;
import dev.wheelfarm.testsupport.Venv;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cache as an operator opens it to everyone ({@code wheelfarm.cache.public=true}):
 * real pip, with no credentials, installs a project and its dependency from
 * {@code /cache/simple/}, and the files come from upstream once however many installs
 * ask. The closed default is {@link PypiCacheTest}'s.
 */
@IntegrationTest
class OpenPypiCacheTest {

	@TempDir
	static Path scratch;

	static PypiFilesStandIn pypi;

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void upstream(DynamicPropertyRegistry registry) throws IOException {
		Path wheels = Files.createTempDirectory("open-cache-test-wheels");
		pypi = new PypiFilesStandIn().addWheels(PypiFilesStandIn.DEBIAN_WHEELS).add(CacheFixtures.tinyBackend(wheels));
		// The operator's mirror, not wheelfarm.pypi.base-url (which answers nothing
		// here): every page and file below comes from the mirror.
		registry.add("wheelfarm.cache.upstream", () -> pypi.baseUrl() + "/simple/");
		registry.add("wheelfarm.pypi.base-url", () -> "http://127.0.0.1:9");
		registry.add("wheelfarm.pypi.watch-enabled", () -> "false");
		registry.add("wheelfarm.dispatch.enabled", () -> "false");
		registry.add("wheelfarm.cache.public", () -> "true");
	}

	@AfterAll
	static void stopPypi() {
		pypi.close();
	}

	@Test
	void realPipInstallsFromTheOpenCacheAndUpstreamServesEachFileOnce() throws Exception {
		String index = "http://127.0.0.1:" + this.port + "/cache/simple/";
		// Two installs into two fresh venvs, each with pip's own cache off: the second
		// one's files come from the farm's cache.
		for (String name : new String[] { "first", "second" }) {
			Venv venv = Venv.create(scratch, name);
			Venv.Result installed = venv.pip(index, "install", "--ignore-installed", "tiny-backend", "wheel");
			assertThat(installed.exitCode()).as(installed.output()).isZero();
			assertThat(venv.python("import tiny_backend, wheel; print(tiny_backend.__file__)").output())
				.contains(scratch.resolve(name).toString());
		}
		assertThat(pypi.fileRequests()).containsKey("/files/tiny_backend-1.0-py3-none-any.whl")
			.allSatisfy((path, count) -> assertThat(count).as(path).isEqualTo(1));
		assertThat(CacheFixtures.get(index + "wheel/", null, null).statusCode()).isEqualTo(200);
	}

}

package dev.wheelfarm.cache;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.wheelfarm.testsupport.IntegrationTest;
import dev.wheelfarm.testsupport.PypiFilesStandIn;
import dev.wheelfarm.testsupport.Venv;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the PyPI cache saves upstream, and what a hit costs (docs/benchmarks.md, "PyPI
 * cache"). In one run: {@code bench.builds} (20) isolated builds of different sdists that
 * all need setuptools and wheel, first each downloading its own straight from the
 * stand-in (pip's own cache off, as on a fresh build machine), then all through the
 * farm's cache; the stand-in counts requests and bytes. Then {@code bench.fetches} (200)
 * GETs of the setuptools wheel from the cache (hits) against the same GETs from the
 * stand-in itself. Run with {@code bench/pypi-cache-benchmark.sh}; not part of the suite.
 */
@IntegrationTest
class PypiCacheBenchmark {

	static final int BUILDS = Integer.getInteger("bench.builds", 20);

	static final int FETCHES = Integer.getInteger("bench.fetches", 200);

	/** Builds at a time: a farm runs several. */
	static final int PARALLEL = Integer.getInteger("bench.parallel", 2);

	@TempDir
	static Path scratch;

	static PypiFilesStandIn pypi;

	@LocalServerPort
	int port;

	@Autowired
	CacheAccess access;

	@DynamicPropertySource
	static void upstream(DynamicPropertyRegistry registry) throws IOException {
		pypi = new PypiFilesStandIn().addWheels(PypiFilesStandIn.DEBIAN_WHEELS);
		registry.add("wheelfarm.pypi.base-url", pypi::baseUrl);
		registry.add("wheelfarm.pypi.watch-enabled", () -> "false");
		registry.add("wheelfarm.dispatch.enabled", () -> "false");
	}

	@AfterAll
	static void stopPypi() {
		pypi.close();
	}

	@Test
	void upstreamTrafficAndHitLatency() throws Exception {
		Traffic direct = builds("direct", pypi.baseUrl() + "/simple/");
		Traffic cached;
		try (CacheAccess.Grant grant = this.access.grant()) {
			cached = builds("cached", grant.indexUrl(URI.create("http://127.0.0.1:" + this.port)).toString());
			String file = pypi.filenames("setuptools").get(0);
			String sha = pypi.sha256Of(file);
			long[] hit = fetch("http://127.0.0.1:" + this.port + "/cache/files/setuptools/" + sha + "/" + file,
					grant.token());
			long[] upstream = fetch(pypi.baseUrl() + "/files/" + file, null);
			System.out.printf("%nPYPI CACHE BENCHMARK (%d builds, %d fetches)%n", BUILDS, FETCHES);
			System.out.printf("without cache: %d upstream requests, %d bytes, %.1f s%n", direct.requests(),
					direct.bytes(), direct.seconds());
			System.out.printf("with cache:    %d upstream requests, %d bytes, %.1f s%n", cached.requests(),
					cached.bytes(), cached.seconds());
			System.out.printf("ratio requests %.3f, bytes %.4f%n", (double) cached.requests() / direct.requests(),
					(double) cached.bytes() / direct.bytes());
			System.out.printf(
					"%s (%d bytes): cache hit median %.2f ms p95 %.2f ms; direct from the stand-in "
							+ "median %.2f ms p95 %.2f ms; ratio of medians %.2f%n",
					file, Files.size(PypiFilesStandIn.DEBIAN_WHEELS.resolve(file)), millis(hit, 50), millis(hit, 95),
					millis(upstream, 50), millis(upstream, 95), millis(hit, 50) / millis(upstream, 50));
		}
		assertThat(cached.bytes()).isLessThan(direct.bytes());
	}

	private Traffic builds(String label, String index) throws Exception {
		int requests = pypi.totalRequests();
		long bytes = pypi.fileBytes() + pageBytes();
		long start = System.nanoTime();
		ExecutorService builders = Executors.newFixedThreadPool(PARALLEL);
		try {
			List<Future<Venv.Result>> results = new ArrayList<>();
			for (int i = 1; i <= BUILDS; i++) {
				Path project = project(label + "-build-" + i);
				results.add(builders.submit(() -> Venv.isolated(
						List.of(Venv.PYTHON, "-m", "build", "--wheel", "--outdir", project.resolve("dist").toString(),
								project.toString()),
						project, 600, Map.of("PIP_INDEX_URL", index, "PIP_NO_CACHE_DIR", "1", "PIP_NO_INPUT", "1",
								"PIP_NO_COMPILE", "1"))));
			}
			for (Future<Venv.Result> result : results) {
				assertThat(result.get().exitCode()).as(result.get().output()).isZero();
			}
		}
		finally {
			builders.shutdownNow();
		}
		return new Traffic(pypi.totalRequests() - requests, pypi.fileBytes() + pageBytes() - bytes,
				(System.nanoTime() - start) / 1e9);
	}

	private static long pageBytes() {
		return pypi.bytes("/simple/setuptools/") + pypi.bytes("/simple/wheel/");
	}

	private static long[] fetch(String url, String token) throws Exception {
		for (int i = 0; i < 20; i++) {
			CacheFixtures.get(url, token, null);
		}
		long[] nanos = new long[FETCHES];
		for (int i = 0; i < FETCHES; i++) {
			long start = System.nanoTime();
			HttpResponse<byte[]> answer = CacheFixtures.get(url, token, null);
			nanos[i] = System.nanoTime() - start;
			assertThat(answer.statusCode()).isEqualTo(200);
		}
		Arrays.sort(nanos);
		return nanos;
	}

	private static double millis(long[] sorted, int percentile) {
		return sorted[Math.min(sorted.length - 1, sorted.length * percentile / 100)] / 1e6;
	}

	private static Path project(String name) {
		try {
			Path directory = scratch.resolve(name);
			String module = name.replace('-', '_');
			Files.createDirectories(directory.resolve(module));
			Files.writeString(directory.resolve(module).resolve("__init__.py"), "");
			Files.writeString(directory.resolve("pyproject.toml"), """
					[build-system]
					requires = ["setuptools>=60", "wheel"]
					build-backend = "setuptools.build_meta"

					[project]
					name = "%s"
					version = "1.0"
					""".formatted(name));
			return directory;
		}
		catch (IOException ex) {
			throw new java.io.UncheckedIOException(ex);
		}
	}

	private record Traffic(int requests, long bytes, double seconds) {

	}

}

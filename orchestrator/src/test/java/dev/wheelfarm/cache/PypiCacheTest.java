package dev.wheelfarm.cache;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.wheelfarm.artifacts.BlobStore;
import dev.wheelfarm.artifacts.LocalBlobStore;
import dev.wheelfarm.index.IndexFixtures;
import dev.wheelfarm.pypi.PypiProperties;
import dev.wheelfarm.retention.RetentionService;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.testsupport.IntegrationTest;
import dev.wheelfarm.testsupport.MutableClock;
import dev.wheelfarm.testsupport.PypiFilesStandIn;
import dev.wheelfarm.testsupport.Venv;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The PyPI cache with real parts: a PyPI stand-in on loopback serving Debian's real
 * wheels of setuptools, wheel and pip plus wheels made here (a tiny build backend), real
 * isolated builds ({@code python -m build} with Debian's Python) whose pip reaches only
 * the cache, with a build's grant. The stand-in counts what it serves, so "once" is
 * counted where the bytes leave upstream. The cache is closed to others (the default).
 * Methods run in order: the LRU test evicts what the others cached.
 */
@IntegrationTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PypiCacheTest {

	static final Duration PAGE_TTL = Duration.ofMinutes(10);

	static final Duration STALE_IF_ERROR = Duration.ofHours(1);

	static final JsonMapper JSON = JsonMapper.builder().build();

	@TempDir
	static Path scratch;

	static PypiFilesStandIn pypi;

	@LocalServerPort
	int port;

	@Autowired
	CacheAccess access;

	@Autowired
	MutableClock clock;

	@Autowired
	MeterRegistry meters;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	BlobStore blobStore;

	@Autowired
	RetentionService retention;

	@Autowired
	CacheRepository repository;

	@Autowired
	CacheBlobs blobs;

	@Autowired
	ProjectPages pages;

	@Autowired
	UpstreamClient upstream;

	@Autowired
	CacheMetrics metrics;

	@Autowired
	PypiProperties pypiProperties;

	@DynamicPropertySource
	static void upstream(DynamicPropertyRegistry registry) throws IOException {
		Path wheels = Files.createTempDirectory("pypi-cache-test-wheels");
		pypi = new PypiFilesStandIn().addWheels(PypiFilesStandIn.DEBIAN_WHEELS).add(CacheFixtures.tinyBackend(wheels));
		for (String name : List.of("down-cached", "down-uncached", "corrupt-pkg", "etag-pkg", "timeout-pkg", "lru-a",
				"lru-b", "lru-c")) {
			pypi.add(CacheFixtures.wheel(wheels, name));
		}
		pypi.corrupt("corrupt_pkg-1.0-py3-none-any.whl");
		registry.add("wheelfarm.pypi.base-url", pypi::baseUrl);
		registry.add("wheelfarm.pypi.watch-enabled", () -> "false");
		registry.add("wheelfarm.dispatch.enabled", () -> "false");
		registry.add("wheelfarm.cache.page-ttl", PAGE_TTL::toString);
		registry.add("wheelfarm.cache.stale-if-error", STALE_IF_ERROR::toString);
		registry.add("wheelfarm.cache.timeout", () -> "2s");
		registry.add("wheelfarm.cache.retry-after", () -> "45s");
	}

	@AfterAll
	static void stopPypi() {
		pypi.close();
	}

	@Test
	@Order(1)
	void tenIsolatedBuildsFetchEachBuildDependencyFromUpstreamOnce() throws Exception {
		Map<String, Integer> filesBefore = pypi.fileRequests();
		long bytesBefore = pypi.fileBytes();
		double upstreamBefore = upstreamFileRequests();
		double upstreamBytesBefore = upstreamFileBytes();
		double hitsBefore = count("wheelfarm.cache.hits", "file");
		double missesBefore = count("wheelfarm.cache.misses", "file");
		List<Path> projects = new ArrayList<>();
		for (int i = 1; i <= 10; i++) {
			// Two of them also need the tiny backend the test made: a wheel that exists
			// nowhere but at the stand-in.
			String extra = (i > 8) ? ", \"tiny-backend\"" : "";
			projects.add(project("cached-build-" + i, "[\"setuptools>=60\", \"wheel\"" + extra + "]"));
		}
		ExecutorService builders = Executors.newFixedThreadPool(2);
		try {
			List<Future<Venv.Result>> builds = new ArrayList<>();
			for (Path project : projects) {
				builds.add(builders.submit(() -> build(project)));
			}
			for (int i = 0; i < builds.size(); i++) {
				Venv.Result result = builds.get(i).get();
				assertThat(result.exitCode()).as(result.output()).isZero();
				assertThat(projects.get(i).resolve("dist"))
					.isDirectoryContaining("glob:**cached_build_*-1.0-py3-none-any.whl");
			}
		}
		finally {
			builders.shutdownNow();
		}
		Map<String, Integer> files = pypi.fileRequests();
		String setuptools = "/files/" + pypi.filenames("setuptools").get(0);
		String wheel = "/files/" + pypi.filenames("wheel").get(0);
		String tiny = "/files/tiny_backend-1.0-py3-none-any.whl";
		assertThat(files).containsKeys(setuptools, wheel, tiny);
		// Each build-dependency file (and its PEP 658 metadata, when pip asked for it)
		// left upstream once, for all ten builds together.
		assertThat(files).allSatisfy((path, count) -> assertThat(count).as(path).isEqualTo(1));
		// The farm's metrics count what the stand-in counted, request for request and
		// byte for byte.
		int fetched = files.size() - filesBefore.size();
		assertThat(upstreamFileRequests() - upstreamBefore).isEqualTo(fetched);
		assertThat(upstreamFileBytes() - upstreamBytesBefore).isEqualTo(pypi.fileBytes() - bytesBefore);
		// Every build downloaded its two (or three) wheels from the cache: 22 in all, of
		// which only the first of each left upstream.
		double hits = count("wheelfarm.cache.hits", "file") - hitsBefore;
		double misses = count("wheelfarm.cache.misses", "file") - missesBefore;
		assertThat(misses).isEqualTo(3);
		assertThat(hits + misses).isEqualTo(22);
	}

	@Test
	@Order(2)
	void aBuildRequirementUpstreamLacksFailsAndIsNamed() throws Exception {
		Venv.Result result = build(project("needs-missing", "[\"setuptools>=60\", \"no-such-backend-here\"]"));
		assertThat(result.exitCode()).isNotZero();
		assertThat(result.output()).contains("no-such-backend-here");
		assertThat(pypi.requests("/simple/no-such-backend-here/")).isPositive();
		try (CacheAccess.Grant grant = this.access.grant()) {
			assertThat(CacheFixtures.get(cache("simple/no-such-backend-here/"), grant.token(), null).statusCode())
				.isEqualTo(404);
		}
	}

	@Test
	@Order(3)
	void othersAreRefusedWhileTheCacheIsClosedAndRealPipSaysSo() throws Exception {
		assertThat(CacheFixtures.get(cache("simple/wheel/"), null, null).statusCode()).isEqualTo(403);
		assertThat(CacheFixtures.get(cache("simple/wheel/"), "made-up-token", null).statusCode()).isEqualTo(403);
		CacheAccess.Grant closed = this.access.grant();
		closed.close();
		assertThat(CacheFixtures.get(cache("simple/wheel/"), closed.token(), null).statusCode()).isEqualTo(403);
		Venv venv = Venv.create(scratch, "closed-venv");
		// -vv: pip reports a refused project page only in its verbose log.
		Venv.Result refused = venv.pip(cache("simple/"), "download", "-vv", "--no-deps", "-d",
				scratch.resolve("d").toString(), "tiny-backend");
		assertThat(refused.exitCode()).isNotZero();
		assertThat(refused.output()).contains("403 Client Error: Forbidden for url: " + cache("simple/tiny-backend/"));
	}

	@Test
	@Order(4)
	void theListingIsUpstreamsWithOnlyFileUrlsRewrittenAndRevalidatedWithItsEtag() throws Exception {
		try (CacheAccess.Grant grant = this.access.grant()) {
			HttpResponse<byte[]> upstreamPage = CacheFixtures.get(pypi.baseUrl() + "/simple/etag-pkg/", null,
					"application/vnd.pypi.simple.v1+json");
			HttpResponse<byte[]> cached = CacheFixtures.get(cache("simple/etag-pkg/"), grant.token(),
					"application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01");
			assertThat(cached.statusCode()).isEqualTo(200);
			assertThat(cached.headers().firstValue("Content-Type")).hasValue("application/vnd.pypi.simple.v1+json");
			JsonNode expected = JSON.readTree(upstreamPage.body());
			JsonNode served = JSON.readTree(cached.body());
			String sha = pypi.sha256Of("etag_pkg-1.0-py3-none-any.whl");
			assertThat(served.path("files").get(0).path("url").asString())
				.isEqualTo("../../files/etag-pkg/" + sha + "/etag_pkg-1.0-py3-none-any.whl");
			((tools.jackson.databind.node.ObjectNode) served.path("files").get(0)).put("url",
					expected.path("files").get(0).path("url").asString());
			assertThat(served).isEqualTo(expected);

			HttpResponse<byte[]> html = CacheFixtures.get(cache("simple/etag-pkg/"), grant.token(), "text/html");
			assertThat(new String(html.body(), StandardCharsets.UTF_8)).contains(
					"<a href=\"../../files/etag-pkg/" + sha + "/etag_pkg-1.0-py3-none-any.whl#sha256=" + sha + "\"",
					"data-requires-python=\"&gt;=3.7\"", "data-core-metadata=\"sha256=");

			int pageRequests = pypi.requests("/simple/etag-pkg/");
			int notModified = pypi.notModified();
			this.clock.advance(PAGE_TTL.plusSeconds(1));
			HttpResponse<byte[]> again = CacheFixtures.get(cache("simple/etag-pkg/"), grant.token(),
					"application/vnd.pypi.simple.v1+json");
			assertThat(again.body()).isEqualTo(cached.body());
			assertThat(pypi.requests("/simple/etag-pkg/")).isEqualTo(pageRequests + 1);
			assertThat(pypi.notModified()).isEqualTo(notModified + 1);
			// Within the time-to-live upstream is not asked at all.
			CacheFixtures.get(cache("simple/etag-pkg/"), grant.token(), null);
			assertThat(pypi.requests("/simple/etag-pkg/")).isEqualTo(pageRequests + 1);
		}
	}

	@Test
	@Order(5)
	void namesAreNormalizedAndRequestsNamingNothingListedFetchNothing() throws Exception {
		try (CacheAccess.Grant grant = this.access.grant()) {
			HttpResponse<byte[]> redirect = CacheFixtures.get(cache("simple/Etag_PKG/"), grant.token(), null);
			assertThat(redirect.statusCode()).isEqualTo(301);
			assertThat(redirect.headers().firstValue("Location")).hasValue("/cache/simple/etag-pkg/");
			int before = pypi.totalRequests();
			String sha = pypi.sha256Of("etag_pkg-1.0-py3-none-any.whl");
			assertThat(CacheFixtures
				.get(cache("files/etag-pkg/" + sha + "/other-1.0-py3-none-any.whl"), grant.token(), null)
				.statusCode()).isEqualTo(404);
			assertThat(CacheFixtures
				.get(cache("files/etag-pkg/" + "0".repeat(64) + "/etag_pkg-1.0-py3-none-any.whl"), grant.token(), null)
				.statusCode()).isEqualTo(404);
			assertThat(CacheFixtures
				.get(cache("files/etag-pkg/not-a-hash/etag_pkg-1.0-py3-none-any.whl"), grant.token(), null)
				.statusCode()).isEqualTo(404);
			assertThat(
					CacheFixtures.get(cache("files/etag-pkg/" + sha + "/..%2F..%2Fetc%2Fpasswd"), grant.token(), null)
						.statusCode())
				.isIn(400, 404);
			assertThat(CacheFixtures.get(cache("simple/..%2Fetc/"), grant.token(), null).statusCode()).isIn(400, 404);
			assertThat(pypi.totalRequests()).isEqualTo(before);
		}
	}

	@Test
	@Order(6)
	void aFileWhoseBytesDoNotMatchUpstreamsHashIsRefusedAndNeverKept() throws Exception {
		String filename = "corrupt_pkg-1.0-py3-none-any.whl";
		String sha = pypi.sha256Of(filename);
		try (CacheAccess.Grant grant = this.access.grant()) {
			for (int attempt = 1; attempt <= 2; attempt++) {
				HttpResponse<byte[]> answer = CacheFixtures.get(cache("files/corrupt-pkg/" + sha + "/" + filename),
						grant.token(), null);
				assertThat(answer.statusCode()).isEqualTo(502);
				assertThat(new String(answer.body(), StandardCharsets.UTF_8)).contains("refused, not cached");
				// Not kept: the next request asks upstream again.
				assertThat(pypi.requests("/files/" + filename)).isEqualTo(attempt);
			}
		}
		assertThat(this.repository.file(sha, filename)).isEmpty();
		assertThat(this.blobStore.contains(Sha256.of(sha))).isFalse();
		assertThat(count("wheelfarm.cache.upstream.requests", "file", "refused")).isGreaterThanOrEqualTo(2);
	}

	@Test
	@Order(7)
	void whenUpstreamIsDownCachedFilesAndPagesServeAndTheRestIs503() throws Exception {
		String cachedName = "down_cached-1.0-py3-none-any.whl";
		String cachedUrl = cache("files/down-cached/" + pypi.sha256Of(cachedName) + "/" + cachedName);
		String uncachedName = "down_uncached-1.0-py3-none-any.whl";
		String uncachedUrl = cache("files/down-uncached/" + pypi.sha256Of(uncachedName) + "/" + uncachedName);
		try (CacheAccess.Grant grant = this.access.grant()) {
			HttpResponse<byte[]> fetched = CacheFixtures.get(cachedUrl, grant.token(), null);
			assertThat(fetched.statusCode()).isEqualTo(200);
			assertThat(fetched.headers().firstValue("Content-Disposition")).hasValueSatisfying(
					(disposition) -> assertThat(disposition).contains("filename=\"" + cachedName + "\""));
			pypi.failWith(500);
			try {
				HttpResponse<byte[]> cached = CacheFixtures.get(cachedUrl, grant.token(), null);
				assertThat(cached.statusCode()).isEqualTo(200);
				assertThat(Sha256.digest(cached.body()).hex()).isEqualTo(pypi.sha256Of(cachedName));
				assertThat(CacheFixtures.get(cache("simple/down-cached/"), grant.token(), null).statusCode())
					.isEqualTo(200);

				HttpResponse<byte[]> uncached = CacheFixtures.get(uncachedUrl, grant.token(), null);
				assertThat(uncached.statusCode()).isEqualTo(503);
				assertThat(uncached.headers().firstValue("Retry-After")).hasValue("45");

				// Past its time-to-live the page cannot be revalidated: served stale...
				double stale = count("wheelfarm.cache.stale");
				this.clock.advance(PAGE_TTL.plusSeconds(1));
				assertThat(CacheFixtures.get(cache("simple/down-cached/"), grant.token(), null).statusCode())
					.isEqualTo(200);
				assertThat(count("wheelfarm.cache.stale")).isEqualTo(stale + 1);
				// ...but not forever.
				this.clock.advance(STALE_IF_ERROR);
				assertThat(CacheFixtures.get(cache("simple/down-cached/"), grant.token(), null).statusCode())
					.isEqualTo(503);
			}
			finally {
				pypi.failWith(0);
			}
			// An upstream that does not answer in time (wheelfarm.cache.timeout = 2s).
			pypi.holdAnswers();
			try {
				HttpResponse<byte[]> timedOut = CacheFixtures.get(cache("simple/timeout-pkg/"), grant.token(), null);
				assertThat(timedOut.statusCode()).isEqualTo(503);
				assertThat(timedOut.headers().firstValue("Retry-After")).hasValue("45");
			}
			finally {
				pypi.release();
			}
			assertThat(CacheFixtures.get(uncachedUrl, grant.token(), null).statusCode()).isEqualTo(200);
		}
	}

	@Test
	@Order(8)
	void retentionsBlobSweepLeavesCachedFilesAlone() throws Exception {
		String filename = "down_cached-1.0-py3-none-any.whl";
		Sha256 cached = Sha256.of(pypi.sha256Of(filename));
		assertThat(this.repository.file(cached.hex(), filename)).isPresent();
		byte[] orphanBytes = "bytes no row needs".getBytes(StandardCharsets.UTF_8);
		Sha256 orphan = Sha256.digest(orphanBytes);
		this.blobStore.store(orphanBytes, orphan);
		FileTime longAgo = FileTime.from(this.clock.instant().minus(Duration.ofDays(2)));
		Files.setLastModifiedTime(((LocalBlobStore) this.blobStore).path(cached), longAgo);
		Files.setLastModifiedTime(((LocalBlobStore) this.blobStore).path(orphan), longAgo);

		this.retention.run();

		assertThat(this.blobStore.contains(cached)).as("a cached file's blob").isTrue();
		assertThat(this.blobStore.contains(orphan)).as("the control: an unreferenced blob").isFalse();
	}

	@Test
	@Order(9)
	void theLruSweepEvictsLeastRecentlyUsedButNeverBytesTheIndexLists() throws Exception {
		List<String> names = List.of("lru_a-1.0-py3-none-any.whl", "lru_b-1.0-py3-none-any.whl",
				"lru_c-1.0-py3-none-any.whl");
		try (CacheAccess.Grant grant = this.access.grant()) {
			for (String name : names) {
				// Each one used later than everything cached before.
				this.clock.advance(Duration.ofMinutes(2));
				String project = name.substring(0, 5).replace('_', '-');
				assertThat(CacheFixtures
					.get(cache("files/" + project + "/" + pypi.sha256Of(name) + "/" + name), grant.token(), null)
					.statusCode()).isEqualTo(200);
			}
		}
		// lru-a's bytes are also one of the farm's own files.
		long project = new IndexFixtures(this.jdbc).optedIn("lru-a");
		this.jdbc.sql("""
				INSERT INTO wheel (project_id, version, filename, sha256, size, metadata_sha256, origin, uploaded_by)
				VALUES (:project, '1.0', 'lru_a-1.0-py3-none-any.whl', :sha, 1, :sha, 'upload', 'token')
				""").param("project", project).param("sha", pypi.sha256Of(names.get(0))).update();
		long newest = this.repository.file(pypi.sha256Of(names.get(2)), names.get(2)).orElseThrow().size();
		CacheProperties small = new CacheProperties("", false, PAGE_TTL, STALE_IF_ERROR, DataSize.ofBytes(newest),
				DataSize.ofMegabytes(10), Duration.ofSeconds(2), Duration.ofSeconds(45));
		double evictions = count("wheelfarm.cache.evictions");

		new CachedFiles(this.repository, this.blobs, this.pages, this.upstream, this.metrics, small, this.clock)
			.sweep();

		assertThat(this.repository.totalSize()).isLessThanOrEqualTo(newest);
		assertThat(this.repository.file(pypi.sha256Of(names.get(2)), names.get(2))).as("most recently used")
			.isPresent();
		assertThat(this.repository.file(pypi.sha256Of(names.get(0)), names.get(0))).isEmpty();
		assertThat(this.repository.file(pypi.sha256Of(names.get(1)), names.get(1))).isEmpty();
		assertThat(this.blobStore.contains(Sha256.of(pypi.sha256Of(names.get(0))))).as("listed by the index").isTrue();
		assertThat(this.blobStore.contains(Sha256.of(pypi.sha256Of(names.get(1))))).as("evicted").isFalse();
		assertThat(this.blobStore.contains(Sha256.of(pypi.sha256Of(names.get(2))))).isTrue();
		assertThat(count("wheelfarm.cache.evictions") - evictions).isGreaterThanOrEqualTo(2);
	}

	@Test
	@Order(10)
	void aFileLargerThanTheLimitIsRefusedWhileItStreams() throws Exception {
		String filename = pypi.filenames("setuptools").get(0);
		CacheProperties small = new CacheProperties("", false, PAGE_TTL, STALE_IF_ERROR, DataSize.ofMegabytes(10),
				DataSize.ofKilobytes(64), Duration.ofSeconds(2), Duration.ofSeconds(45));
		UpstreamClient limited = new UpstreamClient(small, this.pypiProperties, this.metrics);
		Path part = scratch.resolve("limited.part");
		assertThatThrownBy(() -> limited.download(URI.create(pypi.baseUrl() + "/files/" + filename),
				Sha256.of(pypi.sha256Of(filename)), part, CacheMetrics.FILE))
			.isInstanceOf(UpstreamException.class)
			.hasMessageContaining("larger than wheelfarm.cache.max-file-size");
	}

	/** An isolated build whose pip reaches only the cache, with a grant of its own. */
	private Venv.Result build(Path project) {
		try (CacheAccess.Grant grant = this.access.grant()) {
			return CacheFixtures.build(project, grant.indexUrl(URI.create("http://127.0.0.1:" + this.port)).toString());
		}
	}

	private static Path project(String name, String requires) throws IOException {
		return CacheFixtures.project(scratch, name, requires);
	}

	private String cache(String path) {
		return "http://127.0.0.1:" + this.port + "/cache/" + path;
	}

	private double upstreamFileRequests() {
		return count("wheelfarm.cache.upstream.requests", "file", "ok")
				+ count("wheelfarm.cache.upstream.requests", "metadata", "ok");
	}

	private double upstreamFileBytes() {
		return sum(Search.in(this.meters).name("wheelfarm.cache.upstream.bytes").tag("kind", "file"))
				+ sum(Search.in(this.meters).name("wheelfarm.cache.upstream.bytes").tag("kind", "metadata"));
	}

	private double count(String name, String kind, String outcome) {
		return sum(Search.in(this.meters).name(name).tag("kind", kind).tag("outcome", outcome));
	}

	private double count(String name, String kind) {
		return sum(Search.in(this.meters).name(name).tag("kind", kind));
	}

	private double count(String name) {
		return sum(Search.in(this.meters).name(name));
	}

	private static double sum(Search search) {
		return search.counters().stream().mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
	}

	@TestConfiguration
	static class Time {

		@Bean
		@Primary
		MutableClock testClock() {
			return MutableClock.startingNow();
		}

	}

}

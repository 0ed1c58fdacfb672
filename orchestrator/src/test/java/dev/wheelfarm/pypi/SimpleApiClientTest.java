package dev.wheelfarm.pypi;

import java.time.Instant;
import java.util.Map;

import dev.wheelfarm.pypi.standin.Fixtures;
import dev.wheelfarm.pypi.standin.PypiStandIn;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The PEP 691 client against recorded pages and the stand-in's generated ones.
 */
class SimpleApiClientTest {

	private final PypiStandIn pypi = PypiStandIn.start();

	private final SimpleApiClient client = WatchHarness
		.simpleApi(WatchHarness.properties(this.pypi.baseUrl(), Map.of()));

	@AfterEach
	void stop() {
		this.pypi.close();
	}

	@Test
	void readsARecordedProjectPage() {
		this.pypi.replay("/simple/argset/", 200, SimpleApiClient.ACCEPT,
				Fixtures.path("pypi/simple-json/pypi-simple/argset.json"));

		PypiPage<SimpleApiClient.ProjectPage> page = this.client.project("argset", null);

		assertThat(page.serial()).isEqualTo(10562871L);
		assertThat(page.content().files()).extracting(SimpleApiClient.SimpleFile::filename)
			.containsExactly("argset-0.1.0-py3-none-any.whl", "argset-0.1.0.tar.gz");
		assertThat(page.content().files().get(1).sha256())
			.isEqualTo("8a41ee4789d37517c259984c11f2aa3639a90dc8fa446ff905ecc5fe6623c12d");
		assertThat(page.content().files().get(1).requiresPython()).isEqualTo("~=3.6");
	}

	@Test
	void readsTheYankReasonInItsStringForm() {
		this.pypi.replay("/simple/black/", 200, SimpleApiClient.ACCEPT,
				Fixtures.path("pypi/simple-json/poetry-derived/black.json"));

		SimpleApiClient.ProjectPage page = this.client.project("black", null).content();

		assertThat(page.files()).filteredOn(SimpleApiClient.SimpleFile::yanked)
			.isNotEmpty()
			.allSatisfy((f) -> assertThat(f.yankedReason()).startsWith("Broken regex dependency"));
		assertThat(page.files().get(0).size()).isEqualTo(97525L);
		assertThat(page.files().get(0).uploadTime()).isEqualTo(Instant.parse("2019-10-28T23:53:54.000711Z"));
	}

	@Test
	void theRootListingGivesEveryProjectsSerialAndAnswers304WhenUnchanged() {
		this.pypi.project("Foo.Bar").sdistOnly("1.0");
		this.pypi.project("baz").sdistOnly("1.0");

		PypiPage<SimpleApiClient.RootListing> root = this.client.root(null);

		assertThat(root.content().lastSerials()).containsOnlyKeys("foo-bar", "baz")
			.containsEntry("baz", this.pypi.project("baz").lastSerial());
		assertThat(root.serial()).isEqualTo(this.pypi.serial());
		assertThat(this.client.root(root.etag()).status()).isEqualTo(PypiPage.Status.NOT_MODIFIED);
	}

	@Test
	void absurdNamesInTheRootListingAreSkippedNotFatal() {
		this.pypi.failNext("/simple/", new dev.wheelfarm.pypi.standin.Fault.Body(SimpleApiClient.ACCEPT, """
				{"meta": {"api-version": "1.1", "_last-serial": 50},
				 "projects": [{"name": "Good_One", "_last-serial": 40}, {"name": "../../etc", "_last-serial": 41},
				              {"name": "%s", "_last-serial": 42}, {"name": 12, "_last-serial": 43},
				              {"name": "good-one", "_last-serial": 44}, {"_last-serial": 45}]}
				""".formatted("x".repeat(201)).getBytes(java.nio.charset.StandardCharsets.UTF_8), -1));

		PypiPage<SimpleApiClient.RootListing> root = this.client.root(null);

		assertThat(root.serial()).isEqualTo(50);
		assertThat(root.content().lastSerials()).as("two spellings of one project keep the newer serial")
			.containsExactly(java.util.Map.entry("good-one", 44L));
	}

	@Test
	void aNonNormalizedNameIsRedirectedAndAHtmlAnswerRefused() {
		this.pypi.project("Foo.Bar").sdistOnly("1.0");
		assertThat(this.client.project("Foo.Bar", null).content().name()).isEqualTo("foo-bar");
		assertThat(this.pypi.requestCount("/simple/Foo.Bar/")).isEqualTo(1);
		assertThat(this.pypi.requestCount("/simple/foo-bar/")).isEqualTo(1);

		this.pypi.replay("/simple/qypi/", 200, "text/html", Fixtures.path("pypi/simple-html/pypi-simple/qypi.html"));
		assertThatExceptionOfType(PypiReadException.class).isThrownBy(() -> this.client.project("qypi", null))
			.withMessageContaining("expected PEP 691 JSON");
	}

}

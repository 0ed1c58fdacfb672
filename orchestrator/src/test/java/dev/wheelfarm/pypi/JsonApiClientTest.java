package dev.wheelfarm.pypi;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.wheelfarm.pypi.standin.Fault;
import dev.wheelfarm.pypi.standin.Fixtures;
import dev.wheelfarm.pypi.standin.PypiStandIn;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The JSON API client against recorded PyPI responses and the stand-in's faults.
 */
class JsonApiClientTest {

	private final PypiStandIn pypi = PypiStandIn.start();

	private final RecordedPauses pauses = new RecordedPauses();

	private final JsonApiClient client = WatchHarness.jsonApi(WatchHarness.properties(this.pypi.baseUrl(), Map.of()),
			this.pauses);

	@AfterEach
	void stop() {
		this.pypi.close();
	}

	@Test
	void readsARecordedProjectPage() {
		this.pypi.replay("/pypi/octocheese/json", 200, "application/json",
				Fixtures.path("pypi/json-api/octocheese.json"));

		PypiPage<ProjectSnapshot> page = this.client.project("octocheese", null);

		assertThat(page.status()).isEqualTo(PypiPage.Status.OK);
		assertThat(page.serial()).isEqualTo(21571217L);
		ProjectSnapshot snapshot = page.content();
		assertThat(snapshot.warnings()).isEmpty();
		assertThat(snapshot.releases()).containsKey("0.0.2");
		assertThat(snapshot.releases().get("0.0.2")).contains(new ProjectSnapshot.FileSnapshot(
				"octocheese-0.0.2-py3-none-any.whl", ProjectSnapshot.Kind.WHEEL,
				"https://files.pythonhosted.org/packages/bf/73/eb602da8836598e3806db37efc2a7111407bef0762dd016ac042eb96d9bc/octocheese-0.0.2-py3-none-any.whl",
				"ab4f758b7763401cb811ed968b136e802103ce83c54e1fdab032be97ff5b0f0b", 12448,
				Instant.parse("2020-06-26T21:21:26.102673Z"), ">=3.6", false, null));
	}

	@Test
	void findsTheSdistOnlyReleasesOfARealProject() {
		this.pypi.replay("/pypi/luigi/json", 200, "application/json",
				Fixtures.path("pypi/json-api/dependabot/pypi_response_luigi.json"));

		ProjectSnapshot luigi = this.client.project("luigi", null).content();

		assertThat(luigi.releases()).hasSize(84);
		long sdistOnly = luigi.releases()
			.values()
			.stream()
			.filter((files) -> !files.isEmpty()
					&& files.stream().noneMatch((f) -> f.kind() == ProjectSnapshot.Kind.WHEEL))
			.count();
		// 84 releases: 81 with an sdist and no wheel, 2.7.2 with a wheel, 2 empty.
		assertThat(sdistOnly).isEqualTo(81);
		assertThat(luigi.releases().get("2.7.2")).extracting(ProjectSnapshot.FileSnapshot::kind)
			.containsExactlyInAnyOrder(ProjectSnapshot.Kind.WHEEL, ProjectSnapshot.Kind.SDIST);
	}

	@Test
	void followsTheRedirectToTheNormalizedNameAndKeepsEmptyReleases() {
		// As in the recorded cassette: PyPI answers 301 from one spelling to another.
		this.pypi.redirect("/pypi/pyyaml/json", "/pypi/PyYAML/json");
		this.pypi.replay("/pypi/PyYAML/json", 200, "application/json", Fixtures.path("pypi/json-api/PyYAML.json"));

		PypiPage<ProjectSnapshot> page = this.client.project("pyyaml", null);

		assertThat(page.content().name()).isEqualTo("pyyaml");
		assertThat(page.content().releases()).hasSize(34).containsEntry("3.01", List.of());
		assertThat(page.content().releases().get("5.4.1")).hasSize(29);
		assertThat(this.pypi.requestCount()).isEqualTo(2);
	}

	@Test
	void aMissingProjectIsNotFoundNotAnError() {
		this.pypi.replay("/pypi/fizzbuzz/json", 404, "text/html", Fixtures.path("pypi/json-api/FizzBuzz.404.html"));
		assertThat(this.client.project("fizzbuzz", null).status()).isEqualTo(PypiPage.Status.NOT_FOUND);
	}

	@Test
	void sendsAUserAgentWithAContactAndUsesTheEtag() {
		this.pypi.project("tagged").sdistOnly("1.0");
		PypiPage<ProjectSnapshot> first = this.client.project("tagged", null);
		assertThat(first.etag()).isNotBlank();

		PypiPage<ProjectSnapshot> second = this.client.project("tagged", first.etag());
		assertThat(second.status()).isEqualTo(PypiPage.Status.NOT_MODIFIED);
		assertThat(second.serial()).isEqualTo(first.serial());
		assertThat(new PypiProperties(this.pypi.baseUrl(), "mailto:ops@example.org", true, Duration.ofMinutes(1),
				Duration.ofHours(1), Duration.ofSeconds(1), Duration.ofSeconds(1),
				org.springframework.util.unit.DataSize.ofMegabytes(1),
				org.springframework.util.unit.DataSize.ofMegabytes(1), 0, Duration.ZERO, Duration.ZERO)
			.userAgent()).matches("wheelfarm/\\S+ \\(\\+mailto:ops@example.org\\)");
	}

	@Test
	void honoursRetryAfter() {
		this.pypi.project("patient").sdistOnly("1.0");
		this.pypi.failNext("/pypi/patient/json", Fault.tooManyRequests("1"));

		assertThat(this.client.project("patient", null).status()).isEqualTo(PypiPage.Status.OK);

		// The one retry waited the second asked for, not the 10 ms initial backoff.
		assertThat(this.pauses.all()).containsExactly(Duration.ofSeconds(1));
		assertThat(this.pypi.requestCount("/pypi/patient/json")).isEqualTo(2);
	}

	@Test
	void aRetryAfterBeyondTheCapGivesUpForThisCycle() {
		this.pypi.project("throttled").sdistOnly("1.0");
		this.pypi.failNext("/pypi/throttled/json", Fault.tooManyRequests("3600"));
		assertThatExceptionOfType(PypiReadException.class).isThrownBy(() -> this.client.project("throttled", null))
			.withMessageContaining("Retry-After 3600 s; trying next cycle")
			.matches(PypiReadException::isTransient);
		assertThat(this.pypi.requestCount()).isEqualTo(1);
	}

	@Test
	void retriesServerErrorsWithBackoffThenGivesUp() {
		this.pypi.project("flaky").sdistOnly("1.0");
		this.pypi.failNext("/pypi/flaky/json", Fault.status(500), Fault.status(503));
		assertThat(this.client.project("flaky", null).status()).isEqualTo(PypiPage.Status.OK);
		// initial-backoff is 10 ms, doubled for the second retry.
		assertThat(this.pauses.all()).containsExactly(Duration.ofMillis(10), Duration.ofMillis(20));

		this.pypi.failNext("/pypi/flaky/json", Fault.status(500), Fault.status(500), Fault.status(500));
		assertThatExceptionOfType(PypiReadException.class).isThrownBy(() -> this.client.project("flaky", null))
			.withMessageContaining("HTTP 500")
			.withMessageContaining("still after 2 retries")
			.matches(PypiReadException::isTransient);
		assertThat(this.pypi.requestCount("/pypi/flaky/json")).isEqualTo(3 + 3);
	}

	@Test
	void countsEveryExchangeWithPypiRetriesIncluded() {
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		PypiProperties properties = WatchHarness.properties(this.pypi.baseUrl(), Map.of());
		JsonApiClient counted = new JsonApiClient(properties, new PypiHttp(properties, meters, new RecordedPauses()));
		this.pypi.project("counted").sdistOnly("1.0");
		this.pypi.failNext("/pypi/counted/json", Fault.status(503), Fault.tooManyRequests("0"));

		assertThat(counted.project("counted", null).status()).isEqualTo(PypiPage.Status.OK);

		assertThat(meters.counter("wheelfarm.pypi.requests", "outcome", "server_error", "status", "5xx").count())
			.isEqualTo(1);
		assertThat(meters.counter("wheelfarm.pypi.requests", "outcome", "rate_limited", "status", "4xx").count())
			.isEqualTo(1);
		assertThat(meters.counter("wheelfarm.pypi.requests", "outcome", "success", "status", "2xx").count())
			.isEqualTo(1);
	}

	@Test
	void inflatesGzipButCapsWhatItInflatesTo() {
		this.pypi.failNext("/pypi/zipped/json", Fault.gzippedJson("""
				{"info": {"name": "Zipped"}, "last_serial": 7, "releases": {"1.0": []}}"""));
		assertThat(this.client.project("zipped", null).content().releases()).containsOnlyKeys("1.0");

		// 10 MB of one letter compresses to a few kB: the cap must hold after inflation.
		this.pypi.failNext("/pypi/zipped/json", Fault.gzippedJson("{\"info\": {\"name\": \"zipped\", \"x\": \""
				+ "a".repeat(10 * 1024 * 1024) + "\"}, \"last_serial\": 8, \"releases\": {}}"));
		assertThatExceptionOfType(PypiReadException.class).isThrownBy(() -> this.client.project("zipped", null))
			.withMessageContaining("page larger than 5242880 bytes");
	}

	@Test
	void refusesWhatCannotBeTrusted() {
		this.pypi.failNext("/pypi/bad/json", Fault.malformedJson());
		assertThatExceptionOfType(PypiReadException.class).isThrownBy(() -> this.client.project("bad", null))
			.withMessageStartingWith("malformed JSON from")
			.matches((ex) -> !ex.isTransient());

		this.pypi.failNext("/pypi/bad/json", Fault.json("[1, 2, 3]"));
		assertThatExceptionOfType(PypiReadException.class).isThrownBy(() -> this.client.project("bad", null))
			.withMessageContaining("not a JSON API project page");

		this.pypi.failNext("/pypi/bad/json", Fault.json("{\"info\": {\"name\": \"bad\"}, \"last_serial\": 5}"));
		assertThatExceptionOfType(PypiReadException.class).isThrownBy(() -> this.client.project("bad", null))
			.withMessageContaining("no releases");

		this.pypi.redirect("/pypi/bad/json", "https://elsewhere.example/pypi/bad/json");
		assertThatExceptionOfType(PypiReadException.class).isThrownBy(() -> this.client.project("bad", null))
			.withMessageContaining("redirect from")
			.withMessageContaining("to another host");
	}

}

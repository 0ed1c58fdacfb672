package dev.wheelfarm.retention;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

import dev.wheelfarm.testsupport.IntegrationTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The project page and its JSON show the policy, what will go at the next run, when the
 * others become eligible, and afterwards what the run removed: the plan the page showed
 * is the one the job carried out. The schedule is on (its first check waits ten minutes,
 * longer than this test), so the page shows a next run.
 */
@IntegrationTest
class RetentionPageTest extends RetentionIntegrationTest {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final DateTimeFormatter MINUTES = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
		.withZone(ZoneOffset.UTC);

	@Test
	void thePageShowsThePlanAndThenWhatTheRunRemoved() throws Exception {
		RetentionFixtures rows = fixtures();
		long project = rows.optedIn("planned", "prereleases", 2, 30);
		rows.publish(project, "planned", "1.0", 300);
		rows.publish(project, "planned", "2.0.dev5", 1);
		rows.publish(project, "planned", "2.0.dev4", 2);
		rows.publish(project, "planned", "2.0.dev3", 20);
		rows.publish(project, "planned", "2.0.dev2", 45);
		rows.publish(project, "planned", "2.0.dev1", 60);
		Instant dev3StoredAt = this.jdbc.sql("SELECT stored_at FROM wheel WHERE version = '2.0.dev3'")
			.query(java.sql.Timestamp.class)
			.single()
			.toInstant();

		String before = html("/projects/planned");
		assertThat(before).contains(
				"dev and pre-release versions beyond the newest 2 are removed once older than 30 days; final releases stay")
			.contains("(set in the project's config)")
			.doesNotContain("id=\"retention-removed\"");
		String next = section(before, "retention-next");
		assertThat(next).contains("2.0.dev1", "2.0.dev2", "2.0.dev3").doesNotContain("2.0.dev4", "2.0.dev5", ">1.0<");
		assertThat(row(next, "2.0.dev1")).contains("at the next run");
		assertThat(row(next, "2.0.dev2")).contains("at the next run");
		// dev3 is 20 days old: it goes at the first run after it turns 30 days old.
		assertThat(row(next, "2.0.dev3"))
			.contains("at the first run after " + MINUTES.format(dev3StoredAt.plus(Duration.ofDays(30))));

		JsonNode api = json("/api/projects/planned").at("/retention");
		assertThat(api.at("/policy/applies_to").asString()).isEqualTo("prereleases");
		assertThat(api.at("/policy/keep_newest").asInt()).isEqualTo(2);
		assertThat(api.at("/from_config").asBoolean()).isTrue();
		List<String> dueNow = api.at("/next")
			.values()
			.stream()
			.filter((entry) -> entry.at("/at_next_run").asBoolean())
			.map((entry) -> entry.at("/version").asString())
			.toList();
		assertThat(dueNow).containsExactlyInAnyOrder("2.0.dev1", "2.0.dev2");
		assertThat(Instant.parse(api.at("/next/2/at").asString())).isEqualTo(dev3StoredAt.plus(Duration.ofDays(30)));

		runJob();

		// The run removed exactly what the page announced for it.
		JsonNode after = json("/api/projects/planned").at("/retention");
		assertThat(
				after.at("/last_run/removed").values().stream().map((file) -> file.at("/version").asString()).toList())
			.containsExactlyInAnyOrderElementsOf(dueNow);
		String page = html("/projects/planned");
		assertThat(section(page, "retention-removed")).contains("planned-2.0.dev1-py3-none-any.whl",
				"planned-2.0.dev2-py3-none-any.whl");
		assertThat(page).contains("which removed <span>2</span> file(s) of this project");
		assertThat(section(page, "retention-next")).contains("2.0.dev3").doesNotContain("2.0.dev1", "2.0.dev2");
		// The next run is a day after this one started.
		assertThat(Instant.parse(after.at("/next_run_at").asString()))
			.isAfter(Instant.now().plus(Duration.ofHours(23)));
	}

	@Test
	void aProjectWithoutConfigShowsTheDefaultPolicy() throws Exception {
		this.jdbc.sql("INSERT INTO project (name, display_name, optin_state) VALUES ('bare', 'bare', 'PENDING')")
			.update();
		assertThat(html("/projects/bare")).contains(
				"dev and pre-release versions beyond the newest 5 are removed once older than 30 days; final releases stay")
			.contains("the farm's default")
			.contains("Nothing is due to be removed.");
		JsonNode api = json("/api/projects/bare").at("/retention");
		assertThat(api.at("/from_config").asBoolean()).isFalse();
		assertThat(api.at("/policy/max_age_days").asInt()).isEqualTo(30);
		assertThat(api.at("/next").size()).isZero();
	}

	private String html(String path) throws Exception {
		HttpResponse<String> response = get(path, "text/html");
		assertThat(response.statusCode()).isEqualTo(200);
		return response.body();
	}

	private JsonNode json(String path) throws Exception {
		HttpResponse<String> response = get(path, "application/json");
		assertThat(response.statusCode()).isEqualTo(200);
		return JSON.readTree(response.body());
	}

	/** The element with this id, up to its closing table tag. */
	private static String section(String page, String id) {
		int start = page.indexOf("id=\"" + id + "\"");
		assertThat(start).as("element #%s on the page", id).isNotNegative();
		return page.substring(start, page.indexOf("</table>", start));
	}

	private static String row(String table, String version) {
		int cell = table.indexOf(">" + version + "<");
		assertThat(cell).as("a row for %s", version).isNotNegative();
		return table.substring(cell, table.indexOf("</tr>", cell));
	}

}

package dev.wheelfarm.requests;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.wheelfarm.testsupport.IntegrationTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.redirectedUrlPattern;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The request form and the JSON API over the whole application and a real database: every
 * refusal says why, changes nothing, and nothing a user typed comes back unescaped.
 */
@IntegrationTest
@AutoConfigureMockMvc
@TestPropertySource(properties = { "wheelfarm.dispatch.enabled=false", "wheelfarm.requests.per-client=1000" })
class RequestsWebTest {

	private static final String SHA = "d".repeat(64);

	@Autowired
	MockMvc mvc;

	@Autowired
	JdbcClient jdbc;

	@BeforeEach
	void seed() {
		this.jdbc.sql("TRUNCATE build, wheel, pypi_file, release, project, repository RESTART IDENTITY CASCADE")
			.update();
		long repo = this.jdbc.sql("INSERT INTO repository (url) VALUES ('https://git.example/demo') RETURNING id")
			.query(Long.class)
			.single();
		long demo = project("demo-pkg", "OPTED_IN", repo, "{}");
		release(demo, "1.0", "sdist");
		release(demo, "2.0", "sdist", "wheel");
		release(demo, "3.0");
		project("closed-pkg", "OPTED_IN", repo, "{\"accept-requests\": false}");
		project("pending-pkg", "PENDING", null, "{}");
	}

	private long project(String name, String state, Long repository, String settings) {
		return this.jdbc.sql("""
				INSERT INTO project (name, display_name, optin_state, repository_id, settings)
				VALUES (?, ?, ?, ?, ?::jsonb) RETURNING id
				""").params(name, name, state, repository, settings).query(Long.class).single();
	}

	private void release(long project, String version, String... kinds) {
		long release = this.jdbc
			.sql("INSERT INTO release (project_id, version, pep440) VALUES (?, ?, true) RETURNING id")
			.params(project, version)
			.query(Long.class)
			.single();
		for (String kind : kinds) {
			String filename = "sdist".equals(kind) ? "demo_pkg-" + version + ".tar.gz"
					: "demo_pkg-" + version + "-py3-none-any.whl";
			this.jdbc.sql("""
					INSERT INTO pypi_file (release_id, filename, kind, url, sha256, size)
					VALUES (?, ?, ?, ?, ?, 10)
					""").params(release, filename, kind, "https://files.example/" + filename, SHA).update();
		}
	}

	private long builds() {
		return this.jdbc.sql("SELECT count(*) FROM build").query(Long.class).single();
	}

	@Test
	void theFormCarriesACsrfTokenAndRefusesAPostWithout() throws Exception {
		this.mvc.perform(get("/request"))
			.andExpect(status().isOk())
			.andExpect(content().string(containsString("name=\"_csrf\"")));
		this.mvc.perform(post("/request").param("project", "demo-pkg").param("version", "1.0"))
			.andExpect(status().isForbidden());
		this.mvc.perform(post("/request").param("project", "demo-pkg").param("version", "1.0").param("_csrf", "forged"))
			.andExpect(status().isForbidden());
		assertThat(builds()).isZero();
	}

	@Test
	void aGoodRequestLeadsToItsBuildAndARepeatToTheSameBuild() throws Exception {
		MvcResult first = this.mvc
			.perform(post("/request").with(csrf()).param("project", "Demo_Pkg").param("version", "1.0.0"))
			.andExpect(status().isFound())
			.andExpect(redirectedUrlPattern("/builds/*"))
			.andReturn();
		String page = first.getResponse().getRedirectedUrl();
		this.mvc.perform(post("/request").with(csrf()).param("project", "demo-pkg").param("version", "1.0"))
			.andExpect(status().isFound())
			.andExpect(header().string("Location", page));
		assertThat(builds()).isOne();
		this.mvc.perform(get(page))
			.andExpect(status().isOk())
			.andExpect(content().string(containsString("demo_pkg-1.0.tar.gz")))
			.andExpect(content().string(containsString("PENDING")))
			.andExpect(content().string(containsString("http-equiv=\"refresh\"")));
	}

	@Test
	void everyRefusalSaysWhyAndChangesNothing() throws Exception {
		refused("demo pkg!", "1.0", 400, "not a valid PyPI project name");
		refused("demo-pkg", "not a version", 400, "not a valid version");
		refused("nobody-knows", "1.0", 404, "is not a project of this farm");
		refused("pending-pkg", "1.0", 409, "is not opted in");
		refused("closed-pkg", "1.0", 403, "do not take build requests");
		refused("demo-pkg", "9.9", 404, "PyPI has no release 9.9 of demo-pkg");
		refused("demo-pkg", "2.0", 409, "already has wheels on PyPI");
		refused("demo-pkg", "3.0", 409, "has no sdist");
		refused("x".repeat(300), "1.0", 422, "at most 200 characters");
		refused("demo-pkg", "", 422, "Enter a version");
		assertThat(builds()).isZero();
	}

	@Test
	void whatAUserTypedIsEscapedWhereverItIsShown() throws Exception {
		this.mvc
			.perform(post("/request").with(csrf())
				.param("project", "<script>alert(1)</script>")
				.param("version", "\"><img src=x onerror=alert(2)>"))
			.andExpect(status().isBadRequest())
			.andExpect(content().string(not(containsString("<script>alert(1)"))))
			.andExpect(content().string(not(containsString("<img src=x"))))
			.andExpect(content().string(containsString("&lt;script&gt;alert(1)&lt;/script&gt;")));
	}

	@Test
	void theJsonApiAnswersLikeTheForm() throws Exception {
		this.mvc
			.perform(post("/api/requests").contentType(MediaType.APPLICATION_JSON)
				.content("{\"project\":\"demo-pkg\",\"version\":\"1.0\"}"))
			.andExpect(status().isAccepted())
			.andExpect(jsonPath("$.created").value(true))
			.andExpect(header().string("Location", containsString("/api/builds/")));
		this.mvc
			.perform(post("/api/requests").contentType(MediaType.APPLICATION_JSON)
				.content("{\"project\":\"demo-pkg\",\"version\":\"1.0\"}"))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.created").value(false));
		this.mvc
			.perform(post("/api/requests").contentType(MediaType.APPLICATION_JSON)
				.content("{\"project\":\"demo-pkg\",\"version\":\"2.0\"}"))
			.andExpect(status().isConflict())
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
			.andExpect(jsonPath("$.detail", containsString("already has wheels")))
			.andExpect(jsonPath("$.type").value("urn:wheelfarm:problem:has-wheels"))
			.andExpect(jsonPath("$.field").value("version"));
		long id = this.jdbc.sql("SELECT id FROM build").query(Long.class).single();
		this.mvc.perform(get("/api/builds/" + id))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.state.code").value("pending"))
			.andExpect(jsonPath("$.state.message").value("queued"))
			.andExpect(jsonPath("$.timeline[0].state").value("pending"));
		this.mvc.perform(get("/api/builds/nope"))
			.andExpect(status().isNotFound())
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
		this.mvc.perform(get("/api/projects/Demo.Pkg"))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.name").value("demo-pkg"))
			.andExpect(jsonPath("$.releases[?(@.version == '2.0')].outcome.code").value("upstream-wheels"))
			.andExpect(jsonPath("$.releases[?(@.version == '2.0')].outcome.message").value("has wheels on PyPI"));
	}

	@Test
	void projectPagesLiveAtTheNormalizedName() throws Exception {
		this.mvc.perform(get("/projects/Demo_Pkg"))
			.andExpect(status().isFound())
			.andExpect(header().string("Location", "/projects/demo-pkg"));
		this.mvc.perform(get("/projects/demo-pkg"))
			.andExpect(status().isOk())
			.andExpect(content().string(containsString("has wheels on PyPI")))
			.andExpect(content().string(containsString(">opted in<")));
		this.mvc.perform(get("/projects/nobody")).andExpect(status().isNotFound());
		this.mvc.perform(get("/builds/99999")).andExpect(status().isNotFound());
	}

	/**
	 * pip takes a newer release's sdist over an older release's wheel: every pip line the
	 * pages show says {@code --prefer-binary}, and why.
	 */
	@Test
	void everyPipLineThePagesShowPrefersWheels() throws Exception {
		long build = publishedBuild("demo-pkg", "3.0");
		String index = "http://localhost/simple/";
		assertPipLine("/", "pip install --prefer-binary --extra-index-url " + index + " PROJECT");
		assertPipLine("/projects/demo-pkg", "pip install --prefer-binary --extra-index-url " + index + " demo-pkg");
		assertPipLine("/builds/" + build, "pip install --prefer-binary --extra-index-url " + index + " demo-pkg==3.0");
		// The index does not serve a project the opt-in has not accepted: no pip line.
		this.mvc.perform(get("/projects/pending-pkg"))
			.andExpect(status().isOk())
			.andExpect(content().string(not(containsString("pip install"))));
	}

	private void assertPipLine(String page, String line) throws Exception {
		String html = this.mvc.perform(get(page))
			.andExpect(status().isOk())
			.andReturn()
			.getResponse()
			.getContentAsString();
		Matcher shown = Pattern.compile("<code class=\"pip-line\">([^<]*)</code>").matcher(html);
		assertThat(shown.find()).as(page + " shows a pip line: " + html).isTrue();
		assertThat(shown.group(1)).as(page).isEqualTo(line);
		assertThat(shown.find()).as(page + " shows one pip line").isFalse();
		Matcher why = Pattern.compile("<p class=\"muted pip-why\">(.*?)</p>", Pattern.DOTALL).matcher(html);
		assertThat(why.find()).as(page + " says why").isTrue();
		assertThat(why.group(1).replaceAll("\\s+", " ")).contains("<code>--prefer-binary</code> pip installs")
			.contains("instead of compiling a newer release's sdist");
	}

	/** A build of the project's version whose wheel the farm serves. */
	private long publishedBuild(String project, String version) {
		long projectId = this.jdbc.sql("SELECT id FROM project WHERE name = ?")
			.params(project)
			.query(Long.class)
			.single();
		long build = this.jdbc
			.sql("""
					INSERT INTO build (project_id, version, sdist_filename, sdist_url, sdist_sha256, recipe_fingerprint, origin)
					VALUES (?, ?, 'x.tar.gz', 'https://files.example/x.tar.gz', repeat('a', 64), repeat('b', 64), 'watcher')
					RETURNING id
					""")
			.params(projectId, version)
			.query(Long.class)
			.single();
		this.jdbc.sql("UPDATE build SET state = 'DISPATCHED', builder = 'local', external_run_id = 'run' WHERE id = ?")
			.params(build)
			.update();
		this.jdbc.sql("UPDATE build SET state = 'SUCCEEDED' WHERE id = ?").params(build).update();
		this.jdbc.sql("UPDATE build SET state = 'PUBLISHED' WHERE id = ?").params(build).update();
		this.jdbc.sql("""
				INSERT INTO wheel (build_id, project_id, version, filename, sha256, size, metadata_sha256)
				VALUES (?, ?, ?, ?, repeat('e', 64), 100, repeat('f', 64))
				""").params(build, projectId, version, "demo_pkg-" + version + "-py3-none-any.whl").update();
		return build;
	}

	private void refused(String project, String version, int status, String message) throws Exception {
		this.mvc.perform(post("/request").with(csrf()).param("project", project).param("version", version))
			.andExpect(status().is(status))
			.andExpect(content().string(containsString(message)));
	}

}

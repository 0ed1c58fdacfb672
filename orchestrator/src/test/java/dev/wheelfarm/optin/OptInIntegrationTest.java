package dev.wheelfarm.optin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.wheelfarm.builds.Recipes;
import dev.wheelfarm.pypi.standin.Fault;
import dev.wheelfarm.pypi.standin.PypiStandIn;
import dev.wheelfarm.testsupport.IntegrationTest;
import dev.wheelfarm.testsupport.Waiting;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.servlet.MockMvc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Opt-in end to end over real git repositories (bare, made with JGit, read over
 * {@code file://}), the PyPI stand-in for the ownership check, and a real PostgreSQL.
 */
@IntegrationTest
@AutoConfigureMockMvc
@TestPropertySource(properties = { "wheelfarm.dispatch.enabled=false", "wheelfarm.optin.allow-file-urls=true",
		"wheelfarm.optin.resync-enabled=false", "wheelfarm.optin.fetch-timeout=2s", "wheelfarm.pypi.max-retries=0",
		// The unreachable-server test reads from servers on this machine.
		"wheelfarm.optin.allowed-internal-hosts=127.0.0.1" })
class OptInIntegrationTest {

	private static final PypiStandIn pypi = PypiStandIn.start();

	private static final Path repositories = temporaryDirectory();

	@Autowired
	private OptInService service;

	@Autowired
	private OptInRepository rows;

	@Autowired
	private Recipes recipes;

	@Autowired
	private MockMvc mvc;

	@Autowired
	private JdbcClient jdbc;

	@DynamicPropertySource
	static void pypi(DynamicPropertyRegistry registry) {
		registry.add("wheelfarm.pypi.base-url", () -> pypi.baseUrl().toString());
	}

	@AfterAll
	static void stop() {
		pypi.close();
	}

	@Test
	void optInThenChangeThenPauseThenRemoveTheFile() {
		try (BareRepository git = BareRepository.create(repositories, "lifecycle")) {
			// PyPI spells the repository differently (no .git, a trailing slash): still
			// the same.
			pypi.project("lifecycle-pkg").projectUrl("Source", git.url().replaceFirst("\\.git$", "") + "/");
			String first = git.put("wheelfarm.toml", "projects = [\"Lifecycle_Pkg\"]\nplatforms = [\"linux\"]\n")
				.commit("opt in");
			long id = sync(git.url());
			OptInRepository.ProjectRow project = this.rows.project("lifecycle-pkg").orElseThrow();
			assertThat(project.optinState()).isEqualTo("OPTED_IN");
			assertThat(project.displayName()).isEqualTo("Lifecycle_Pkg");
			assertThat(project.repositoryId()).isEqualTo(id);
			assertThat(this.rows.repository(id).orElseThrow().headCommit()).isEqualTo(first);
			String firstRecipe = recipe("lifecycle-pkg");

			this.service.sync(id);
			assertThat(recipe("lifecycle-pkg")).as("an unchanged config keeps its recipe").isEqualTo(firstRecipe);

			String second = git
				.put("wheelfarm.toml",
						"projects = [\"Lifecycle_Pkg\"]\nplatforms = [\"linux\"]\n" + "since = \"2.0\"\n")
				.commit("backfill from 2.0 only");
			this.service.sync(id);
			assertThat(this.rows.repository(id).orElseThrow().headCommit()).isEqualTo(second);
			assertThat(this.rows.project("lifecycle-pkg").orElseThrow().settings()).contains("\"since\": \"2.0\"");
			assertThat(recipe("lifecycle-pkg")).as("which releases to build is not how to build them")
				.isEqualTo(firstRecipe);

			git.put("wheelfarm.toml", "projects = [\"Lifecycle_Pkg\"]\nplatforms = [\"linux\"]\n" + "since = \"2.0\"\n"
					+ "skip = \"*-musllinux*\"\n")
				.commit("no musl wheels");
			this.service.sync(id);
			assertThat(recipe("lifecycle-pkg")).as("a changed build setting is a new recipe").isNotEqualTo(firstRecipe);

			git.put("wheelfarm.toml", "projects = [\"Lifecycle_Pkg\"]\nenabled = false\n").commit("pause");
			this.service.sync(id);
			project = this.rows.project("lifecycle-pkg").orElseThrow();
			assertThat(project.optinState()).isEqualTo("DISABLED");
			assertThat(project.optinReason()).contains("enabled = false in wheelfarm.toml");

			git.put("wheelfarm.toml", "projects = [\"Lifecycle_Pkg\"]\n").commit("resume");
			this.service.sync(id);
			assertThat(this.rows.project("lifecycle-pkg").orElseThrow().optinState()).isEqualTo("OPTED_IN");

			git.remove("wheelfarm.toml").put("README.md", "bye").commit("opt out");
			this.service.sync(id);
			project = this.rows.project("lifecycle-pkg").orElseThrow();
			assertThat(project.optinState()).isEqualTo("DISABLED");
			assertThat(project.optinReason()).contains("config file was removed");
			assertThat(this.rows.repository(id).orElseThrow().configError()).contains("no wheelfarm.toml");
		}
	}

	@Test
	void pyprojectToolTableIsReadAndWheelfarmTomlWinsOverIt() {
		try (BareRepository git = BareRepository.create(repositories, "both")) {
			pypi.project("both-a").projectUrl("Source", git.url());
			pypi.project("both-b").homePage(git.url());
			git.put("pyproject.toml", "[project]\nname = \"both-a\"\n\n[tool.wheelfarm]\nprojects = [\"both-a\"]\n")
				.commit("pyproject only");
			long id = sync(git.url());
			assertThat(this.rows.repository(id).orElseThrow().configPath()).isEqualTo("pyproject.toml");
			assertThat(this.rows.project("both-a").orElseThrow().optinState()).isEqualTo("OPTED_IN");

			git.put("wheelfarm.toml", "projects = [\"both-b\"]\n").commit("wheelfarm.toml too");
			this.service.sync(id);
			assertThat(this.rows.repository(id).orElseThrow().configPath()).isEqualTo("wheelfarm.toml");
			assertThat(this.rows.project("both-b").orElseThrow().optinState()).as("home_page counts too")
				.isEqualTo("OPTED_IN");
			assertThat(this.rows.project("both-a").orElseThrow().optinState()).as("no longer named")
				.isEqualTo("DISABLED");
		}
	}

	@Test
	void malformedTomlIsStoredWithItsPositionAndTheLastGoodConfigStays() {
		try (BareRepository git = BareRepository.create(repositories, "malformed")) {
			pypi.project("malformed-pkg").projectUrl("Source", git.url());
			git.put("wheelfarm.toml", "projects = [\"malformed-pkg\"]\n").commit("good");
			long id = sync(git.url());
			git.put("wheelfarm.toml", "projects = [\"malformed-pkg\"\nenabled = tru\n").commit("broken");
			this.service.sync(id);
			OptInRepository.RepositoryRow row = this.rows.repository(id).orElseThrow();
			assertThat(row.configError()).contains("not valid TOML").contains("line ");
			assertThat(this.rows.project("malformed-pkg").orElseThrow().optinState()).isEqualTo("OPTED_IN");

			git.put("wheelfarm.toml", "projects = [\"malformed-pkg\"]\nprereleases = \"yes\"\n").commit("wrong type");
			this.service.sync(id);
			assertThat(this.rows.repository(id).orElseThrow().configError())
				.contains("`prereleases`: must be true or false, not a string (line 2, column 15)");
		}
	}

	@Test
	void aRepositoryThatRefusesPartialClonesIsFetchedWhole() {
		try (BareRepository git = BareRepository.create(repositories, "plain").withoutPartialClones()) {
			pypi.project("plain-pkg").projectUrl("Source", git.url());
			git.put("wheelfarm.toml", "projects = [\"plain-pkg\"]\n").commit("opt in");
			long id = sync(git.url());
			assertThat(this.rows.repository(id).orElseThrow().configError()).isNull();
			assertThat(this.rows.project("plain-pkg").orElseThrow().optinState()).isEqualTo("OPTED_IN");
		}
	}

	@Test
	void aFiftyMegabytePyprojectIsNotEvenFetched() {
		try (BareRepository git = BareRepository.create(repositories, "huge")) {
			byte[] huge = new byte[50 * 1024 * 1024];
			java.util.Arrays.fill(huge, (byte) '#');
			git.put("pyproject.toml", huge).commit("huge");
			long id = sync(git.url());
			assertThat(this.rows.repository(id).orElseThrow().configError())
				.contains("pyproject.toml is larger than 262144 bytes");
		}
	}

	@Test
	void unreachableRepositoriesAreStoredErrorsAndOthersContinue() throws IOException {
		try (ServerSocket hanging = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
				BareRepository good = BareRepository.create(repositories, "neighbour")) {
			List<Socket> accepted = new ArrayList<>();
			Thread acceptor = new Thread(() -> {
				// Accepts and never answers: a server that hangs.
				while (!hanging.isClosed()) {
					try {
						accepted.add(hanging.accept());
					}
					catch (IOException ex) {
						return;
					}
				}
			});
			acceptor.setDaemon(true);
			acceptor.start();
			int closedPort;
			try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
				closedPort = probe.getLocalPort();
			}
			pypi.project("neighbour-pkg").projectUrl("Source", good.url());
			good.put("wheelfarm.toml", "projects = [\"neighbour-pkg\"]\n").commit("opt in");
			long missing = this.rows.register(repositories.resolve("does-not-exist.git").toUri().toString());
			long hangs = this.rows.register("https://127.0.0.1:" + hanging.getLocalPort() + "/x.git");
			long refused = this.rows.register("https://127.0.0.1:" + closedPort + "/x.git");
			long neighbour = this.rows.register(good.url());

			long started = System.nanoTime();
			this.service.resyncAll();
			assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(60));

			assertThat(this.rows.repository(missing).orElseThrow().configError()).isNotBlank();
			assertThat(this.rows.repository(hangs).orElseThrow().configError()).containsIgnoringCase("time");
			assertThat(this.rows.repository(refused).orElseThrow().configError()).isNotBlank();
			assertThat(this.rows.repository(neighbour).orElseThrow().configError()).isNull();
			assertThat(this.rows.project("neighbour-pkg").orElseThrow().optinState()).isEqualTo("OPTED_IN");
			for (Socket socket : accepted) {
				socket.close();
			}
		}
	}

	@Test
	void someoneElsesProjectAndANameNotOnPypiAreRejectedWithoutTouchingTheOwner() {
		try (BareRepository owner = BareRepository.create(repositories, "owner");
				BareRepository impostor = BareRepository.create(repositories, "impostor")) {
			pypi.project("owned-pkg").projectUrl("Source", owner.url());
			owner.put("wheelfarm.toml", "projects = [\"owned-pkg\"]\n").commit("opt in");
			long ownerId = sync(owner.url());
			impostor.put("wheelfarm.toml", "projects = [\"owned-pkg\", \"nowhere-on-pypi\"]\n").commit("claim");
			long impostorId = sync(impostor.url());

			OptInRepository.ProjectRow owned = this.rows.project("owned-pkg").orElseThrow();
			assertThat(owned.optinState()).isEqualTo("OPTED_IN");
			assertThat(owned.repositoryId()).isEqualTo(ownerId);
			assertThat(this.rows.claimsOf(impostorId))
				.extracting(OptInRepository.ClaimRow::projectName, OptInRepository.ClaimRow::outcome)
				.containsExactly(org.assertj.core.groups.Tuple.tuple("nowhere-on-pypi", "REJECTED"),
						org.assertj.core.groups.Tuple.tuple("owned-pkg", "REJECTED"));
			assertThat(this.rows.claimsOf(impostorId)).extracting(OptInRepository.ClaimRow::reason)
				.anySatisfy((reason) -> assertThat(reason).contains("does not point to " + impostor.url()))
				.anySatisfy((reason) -> assertThat(reason).contains("nowhere-on-pypi is not a project on PyPI"));
			assertThat(this.rows.project("nowhere-on-pypi").orElseThrow().optinState()).isEqualTo("REJECTED");
		}
	}

	@Test
	void pypiBeingDownLeavesTheProjectPendingUntilTheNextResync() {
		try (BareRepository git = BareRepository.create(repositories, "later")) {
			pypi.failNext("/pypi/later-pkg/json", Fault.status(503));
			git.put("wheelfarm.toml", "projects = [\"later-pkg\"]\n").commit("opt in");
			long id = sync(git.url());
			assertThat(this.rows.project("later-pkg").orElseThrow().optinState()).isEqualTo("PENDING");
			pypi.project("later-pkg").projectUrl("Source", git.url());
			this.service.sync(id);
			assertThat(this.rows.project("later-pkg").orElseThrow().optinState()).isEqualTo("OPTED_IN");
		}
	}

	@Test
	void registrationAnswers202AndTheStatusShowsConfigCommitAndProblems() throws Exception {
		try (BareRepository git = BareRepository.create(repositories, "api")) {
			pypi.project("api-pkg").projectUrl("Source", git.url());
			String commit = git.put("wheelfarm.toml", "projects = [\"api-pkg\"]\ncolour = \"blue\"\n").commit("opt in");
			this.mvc
				.perform(post("/api/opt-ins").contentType(MediaType.APPLICATION_JSON)
					.content("{\"repository\": \"" + git.url() + "\"}"))
				.andExpect(status().isAccepted())
				.andExpect(header().string("Location", containsString("/api/opt-ins?repository=")))
				.andExpect(jsonPath("$.repository").value(git.url()));
			Waiting.until("the registered repository's opt-in of api-pkg", Duration.ofSeconds(30),
					() -> this.rows.project("api-pkg"), Optional::isPresent);
			this.mvc.perform(get("/api/opt-ins/API_Pkg"))
				.andExpect(status().isOk())
				.andExpect(jsonPath("$.state.code").value("opted-in"))
				.andExpect(jsonPath("$.repository.commit").value(commit))
				.andExpect(jsonPath("$.repository.config.projects[0]").value("api-pkg"))
				.andExpect(jsonPath("$.repository.problems[0].key").value("colour"))
				.andExpect(jsonPath("$.repository.problems[0].line").value(2))
				.andExpect(jsonPath("$.settings.platforms[0]").value("linux"));
			this.mvc.perform(get("/api/opt-ins").param("repository", git.url()))
				.andExpect(status().isOk())
				.andExpect(jsonPath("$.status").value("read"))
				.andExpect(jsonPath("$.projects[0].outcome").value("opted-in"));
		}
	}

	@Test
	void badRegistrationsAreRefusedInWords() throws Exception {
		this.mvc.perform(post("/api/opt-ins").contentType(MediaType.APPLICATION_JSON).content("{}"))
			.andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.detail").value(containsString("repository")));
		this.mvc
			.perform(post("/api/opt-ins").contentType(MediaType.APPLICATION_JSON)
				.content("{\"repository\": \"ssh://git@example.org/x.git\"}"))
			.andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.detail").value(containsString("only https://")));
		this.mvc.perform(get("/api/opt-ins/never-named")).andExpect(status().isNotFound());
	}

	@Test
	void pausingAndResumingThroughTheRepositoryForgetsTheTrustedPublishingBinding() {
		try (BareRepository git = BareRepository.create(repositories, "rebind")) {
			pypi.project("rebind-pkg").projectUrl("Source", git.url());
			git.put("wheelfarm.toml", "projects = [\"rebind-pkg\"]\n").commit("opt in");
			long id = sync(git.url());
			assertThat(this.rows.project("rebind-pkg").orElseThrow().optinState()).isEqualTo("OPTED_IN");
			// As the project's first accepted OIDC token binds it
			// (uploads.TrustedPublishers).
			this.jdbc.sql("""
					INSERT INTO trusted_publisher (project_id, github_repository_id, github_owner_id, repository)
					SELECT id, 101, 202, 'example-org/rebind' FROM project WHERE name = 'rebind-pkg'
					""").update();

			this.service.sync(id);
			git.put("wheelfarm.toml", "projects = [\"rebind-pkg\"]\nsince = \"1.0\"\n").commit("a setting");
			this.service.sync(id);
			assertThat(binding("rebind-pkg")).as("a routine re-sync or a changed setting keeps it").isEqualTo(1);

			git.put("wheelfarm.toml", "projects = [\"rebind-pkg\"]\nenabled = false\n").commit("pause");
			this.service.sync(id);
			assertThat(this.rows.project("rebind-pkg").orElseThrow().optinState()).isEqualTo("DISABLED");
			git.put("wheelfarm.toml", "projects = [\"rebind-pkg\"]\n").commit("resume");
			this.service.sync(id);
			assertThat(this.rows.project("rebind-pkg").orElseThrow().optinState()).isEqualTo("OPTED_IN");
			assertThat(binding("rebind-pkg")).as("opted in again: the next accepted token binds anew").isZero();
		}
	}

	private int binding(String project) {
		return this.jdbc
			.sql("SELECT count(*) FROM trusted_publisher t JOIN project p ON p.id = t.project_id WHERE p.name = :name")
			.param("name", project)
			.query(Integer.class)
			.single();
	}

	private long sync(String url) {
		long id = this.rows.register(url);
		this.service.sync(id);
		return id;
	}

	private String recipe(String project) {
		return this.recipes.forSettings(this.rows.project(project).orElseThrow().settings()).toString();
	}

	private static Path temporaryDirectory() {
		try {
			return Files.createTempDirectory("wheelfarm-optin-repositories");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}

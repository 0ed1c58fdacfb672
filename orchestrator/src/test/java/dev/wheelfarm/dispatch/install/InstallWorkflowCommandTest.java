package dev.wheelfarm.dispatch.install;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import dev.wheelfarm.testsupport.GitHttpServer;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code java -jar wheelfarm.jar install-workflow …} as an operator runs it (the same
 * entry point the jar's main calls), against a real git smart-HTTP server that checks the
 * token as GitHub does.
 */
class InstallWorkflowCommandTest {

	static final String TOKEN = "ghs_test-installation-token";

	static final String REPOSITORY = "farm-org/wheelfarm-builds";

	@TempDir
	Path temp;

	GitHttpServer git;

	Path bare;

	@BeforeEach
	void startGitServer() {
		this.git = GitHttpServer.start(this.temp.resolve("server"), TOKEN);
		this.bare = this.git.createRepository(REPOSITORY);
	}

	@AfterEach
	void stopGitServer() {
		this.git.close();
	}

	@Test
	void installsTheShippedBundleAndItsManifestIntoAnEmptyRepository() throws Exception {
		Run run = command("--repository", REPOSITORY);

		assertThat(run.exitCode()).as(run.toString()).isZero();
		WorkflowBundle bundle = WorkflowBundle.fromClasspath();
		assertThat(run.out()).contains("Installed the Wheelfarm workflow bundle " + bundle.contentHash())
			.contains(this.git.gitUrl() + REPOSITORY + ".git")
			.doesNotContain(TOKEN);
		Map<String, byte[]> tree = tree();
		bundle.files().forEach((path, bytes) -> assertThat(tree.get(path)).as(path).isEqualTo(bytes));
		JsonNode manifest = JsonMapper.builder().build().readTree(tree.get(WorkflowInstaller.MANIFEST));
		assertThat(manifest.path("content_sha256").asString()).isEqualTo(bundle.contentHash());
		assertThat(manifest.path("files").path(".github/workflows/wheelfarm-build.yml").asString())
			.isEqualTo(WorkflowInstaller.sha256(bundle.files().get(".github/workflows/wheelfarm-build.yml")));
		assertThat(this.git.unauthorized()).as("git asked, then sent the token").isPositive();
	}

	@Test
	void runningItAgainChangesNothing() throws Exception {
		assertThat(command("--repository", REPOSITORY).exitCode()).isZero();
		ObjectId head = head();

		Run again = command("--repository", REPOSITORY);

		assertThat(again.exitCode()).as(again.toString()).isZero();
		assertThat(again.out()).contains("already holds the Wheelfarm workflow bundle").contains("nothing to do");
		assertThat(head()).isEqualTo(head);
	}

	@Test
	void upgradesWhatAnEarlierFarmInstalledWithoutForce() throws Exception {
		SortedMap<String, byte[]> older = new TreeMap<>(WorkflowBundle.fromClasspath().files());
		older.put(".wheelfarm/worker/wheelfarm_worker.py", "# an older worker\n".getBytes(StandardCharsets.UTF_8));
		older.put(".wheelfarm/worker/retired_helper.py", "# gone in the new bundle\n".getBytes(StandardCharsets.UTF_8));
		new WorkflowInstaller(this.temp.resolve("scratch"))
			.install(
					new WorkflowInstaller.BuildRepository(this.git.gitUrl() + REPOSITORY + ".git", "main",
							new UsernamePasswordCredentialsProvider("x-access-token", TOKEN)),
					new WorkflowBundle(older));

		Run upgrade = command("--repository", REPOSITORY);

		assertThat(upgrade.exitCode()).as(upgrade.toString()).isZero();
		Map<String, byte[]> tree = tree();
		assertThat(tree.get(".wheelfarm/worker/wheelfarm_worker.py"))
			.isEqualTo(WorkflowBundle.fromClasspath().files().get(".wheelfarm/worker/wheelfarm_worker.py"));
		assertThat(tree).doesNotContainKey(".wheelfarm/worker/retired_helper.py");
	}

	@Test
	void refusesToOverwriteAHandEditUnlessForced() throws Exception {
		assertThat(command("--repository", REPOSITORY).exitCode()).isZero();
		pushHandEdit(".github/workflows/wheelfarm-build.yml", "# an emergency fix made on github.com\n");
		ObjectId edited = head();

		Run refused = command("--repository", REPOSITORY);

		assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(InstallWorkflowCommand.CHANGED_BY_HAND);
		assertThat(refused.err()).contains("nothing was pushed")
			.contains(".github/workflows/wheelfarm-build.yml")
			.contains("--force");
		assertThat(head()).as("the hand edit is still there").isEqualTo(edited);

		Run forced = command("--repository", REPOSITORY, "--force");

		assertThat(forced.exitCode()).as(forced.toString()).isZero();
		assertThat(tree().get(".github/workflows/wheelfarm-build.yml"))
			.isEqualTo(WorkflowBundle.fromClasspath().files().get(".github/workflows/wheelfarm-build.yml"));
	}

	@Test
	void aFileTheOperatorAddedToTheWorkerDirectoryIsAHandChange() throws Exception {
		assertThat(command("--repository", REPOSITORY).exitCode()).isZero();
		pushHandEdit(".wheelfarm/worker/debug.py", "print('debugging')\n");

		Run refused = command("--repository", REPOSITORY);

		assertThat(refused.exitCode()).isEqualTo(InstallWorkflowCommand.CHANGED_BY_HAND);
		assertThat(refused.err()).contains(".wheelfarm/worker/debug.py");
		assertThat(tree()).containsKey(".wheelfarm/worker/debug.py");
	}

	@Test
	void aGitHubAppPushesWithAFreshInstallationToken() throws Exception {
		KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
		generator.initialize(2048);
		Path key = this.temp.resolve("app.pem");
		Files.writeString(key,
				"-----BEGIN PRIVATE KEY-----\n"
						+ Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
							.encodeToString(generator.generateKeyPair().getPrivate().getEncoded())
						+ "\n-----END PRIVATE KEY-----\n");
		WireMockServer api = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
		api.start();
		try {
			String apiUrl = "http://127.0.0.1:" + api.port();
			api.stubFor(WireMock.get("/app")
				.withHeader("Authorization", WireMock.matching("Bearer .+"))
				.willReturn(WireMock.okJson("{\"id\":12345,\"slug\":\"wheelfarm\",\"name\":\"Wheelfarm\"}")));
			api.stubFor(WireMock.get("/app/installations/678")
				.withHeader("Authorization", WireMock.matching("Bearer .+"))
				.willReturn(WireMock.okJson("{\"id\":678,\"app_id\":12345,\"access_tokens_url\":\"" + apiUrl
						+ "/app/installations/678/access_tokens\"}")));
			api.stubFor(WireMock.post("/app/installations/678/access_tokens")
				.withHeader("Authorization", WireMock.matching("Bearer .+"))
				.willReturn(WireMock
					.jsonResponse("{\"token\":\"" + TOKEN + "\",\"expires_at\":\"2099-01-01T00:00:00Z\"}", 201)));
			String[] args = { "--repository", REPOSITORY, "--wheelfarm.github.api-url=" + apiUrl,
					"--wheelfarm.github.app-id=12345", "--wheelfarm.github.private-key=" + key,
					"--wheelfarm.github.installation-id=678", "--wheelfarm.github.git-url=" + this.git.gitUrl() };
			ByteArrayOutputStream out = new ByteArrayOutputStream();
			ByteArrayOutputStream err = new ByteArrayOutputStream();

			int code = InstallWorkflowCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
					new PrintStream(err, true, StandardCharsets.UTF_8));

			assertThat(code).as(out + "\n" + err).isZero();
			assertThat(tree()).containsKey(".github/workflows/wheelfarm-build.yml");
			api.verify(1, WireMock.postRequestedFor(WireMock.urlEqualTo("/app/installations/678/access_tokens")));
		}
		finally {
			api.stop();
		}
	}

	@Test
	void aWrongTokenFailsWithAHintAndPushesNothing() throws Exception {
		Run run = command(List.of("--repository", REPOSITORY), "wheelfarm.github.token", "ghp_wrong-token");

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(InstallWorkflowCommand.FAILED);
		assertThat(run.err()).contains("nothing was pushed").contains("Contents: read and write");
		assertThat(run.err()).doesNotContain("ghp_wrong-token");
		assertThat(head()).isNull();
	}

	@Test
	void anUnknownRepositoryFailsAndSaysWhatToCheck() {
		Run run = command("--repository", "farm-org/no-such-repo");

		assertThat(run.exitCode()).as(run.toString()).isEqualTo(InstallWorkflowCommand.FAILED);
		assertThat(run.err()).contains("farm-org/no-such-repo");
	}

	@Test
	void missingCredentialsAndBadArgumentsAreUsageErrors() {
		Run noToken = command(List.of("--repository", REPOSITORY), "wheelfarm.github.token", "");
		assertThat(noToken.exitCode()).isEqualTo(InstallWorkflowCommand.USAGE);
		assertThat(noToken.err()).contains("wheelfarm.github.token");

		Run noRepository = command();
		assertThat(noRepository.exitCode()).isEqualTo(InstallWorkflowCommand.USAGE);
		assertThat(noRepository.err()).contains("--repository owner/name");

		Run badRepository = command("--repository", "not a repository");
		assertThat(badRepository.exitCode()).isEqualTo(InstallWorkflowCommand.USAGE);

		Run unknown = command("--repository", REPOSITORY, "--overwrite");
		assertThat(unknown.exitCode()).isEqualTo(InstallWorkflowCommand.USAGE);
		assertThat(unknown.err()).contains("unknown argument: --overwrite").contains("Usage:");

		Run badSetting = command(List.of("--repository", REPOSITORY), "wheelfarm.github.git-url",
				"ftp://example.invalid/");
		assertThat(badSetting.exitCode()).isEqualTo(InstallWorkflowCommand.USAGE);
		assertThat(badSetting.err()).contains("wheelfarm.github.git-url");
	}

	// ---- helpers

	private Run command(String... args) {
		return command(Arrays.asList(args), null, null);
	}

	/** The command with the server's settings, {@code property} overridden if given. */
	private Run command(List<String> args, String property, String value) {
		Map<String, String> settings = new TreeMap<>(
				Map.of("wheelfarm.github.token", TOKEN, "wheelfarm.github.git-url", this.git.gitUrl()));
		if (property != null) {
			settings.put(property, value);
		}
		List<String> all = new ArrayList<>(args);
		settings.forEach((name, setting) -> all.add("--" + name + "=" + setting));
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		ByteArrayOutputStream err = new ByteArrayOutputStream();
		int code = InstallWorkflowCommand.run(all.toArray(String[]::new),
				new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
		return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
	}

	private void pushHandEdit(String path, String content) throws Exception {
		Path work = Files.createTempDirectory(this.temp, "operator-");
		try (Git clone = Git.cloneRepository()
			.setURI(this.git.gitUrl() + REPOSITORY + ".git")
			.setDirectory(work.toFile())
			.setCredentialsProvider(new UsernamePasswordCredentialsProvider("operator", TOKEN))
			.call()) {
			Path file = work.resolve(path);
			Files.createDirectories(file.getParent());
			Files.writeString(file, content);
			clone.add().addFilepattern(".").call();
			clone.commit().setMessage("hand edit").setAuthor("Operator", "ops@example.org").call();
			clone.push().setCredentialsProvider(new UsernamePasswordCredentialsProvider("operator", TOKEN)).call();
		}
	}

	private ObjectId head() throws IOException {
		try (Repository repository = Git.open(this.bare.toFile()).getRepository()) {
			return repository.resolve("refs/heads/main");
		}
	}

	private Map<String, byte[]> tree() throws IOException {
		Map<String, byte[]> files = new TreeMap<>();
		try (Repository repository = Git.open(this.bare.toFile()).getRepository();
				RevWalk walk = new RevWalk(repository);
				TreeWalk tree = new TreeWalk(repository)) {
			tree.addTree(walk.parseCommit(repository.resolve("refs/heads/main")).getTree());
			tree.setRecursive(true);
			while (tree.next()) {
				files.put(tree.getPathString(), repository.open(tree.getObjectId(0)).getBytes());
			}
		}
		return files;
	}

	record Run(int exitCode, String out, String err) {

	}

}

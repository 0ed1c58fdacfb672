package dev.wheelfarm.dispatch.install;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.wheelfarm.dispatch.install.WorkflowInstaller.BuildRepository;
import dev.wheelfarm.dispatch.install.WorkflowInstaller.InstallResult;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** The installer against a local bare repository standing in for the GitHub one. */
class WorkflowInstallerTest {

	@TempDir
	Path temp;

	private Path bare;

	private String url;

	private WorkflowInstaller installer;

	@BeforeEach
	void createBareRepository() throws Exception {
		this.bare = this.temp.resolve("build-repo.git");
		Git.init().setBare(true).setDirectory(this.bare.toFile()).setInitialBranch("main").call().close();
		this.url = this.bare.toUri().toString();
		this.installer = new WorkflowInstaller(this.temp.resolve("scratch"));
	}

	@Test
	void installsTheWorkflowAndWorkerIntoAnEmptyRepository() throws Exception {
		WorkflowBundle bundle = WorkflowBundle.fromClasspath();

		InstallResult result = this.installer.install(new BuildRepository(this.url, "main", null), bundle);

		assertThat(result.changed()).isTrue();
		assertThat(result.contentHash()).matches("[0-9a-f]{64}").isEqualTo(bundle.contentHash());
		Map<String, byte[]> tree = remoteTree("main");
		assertThat(tree).containsKeys(".github/workflows/wheelfarm-build.yml", ".wheelfarm/worker/wheelfarm_worker.py",
				".wheelfarm/worker/result.schema.json", ".wheelfarm/worker/build-requirements.txt",
				".wheelfarm/worker/cibuildwheel-requirements.txt");
		bundle.files().forEach((path, bytes) -> assertThat(tree.get(path)).as(path).isEqualTo(bytes));
		RevCommit head = remoteHead("main");
		assertThat(head.getName()).isEqualTo(result.commit());
		assertThat(head.getAuthorIdent().getName()).isEqualTo("Wheelfarm");
		assertThat(head.getFullMessage()).contains(bundle.contentHash());
		assertThat(this.temp.resolve("scratch")).isEmptyDirectory();
	}

	@Test
	void aSecondInstallOfTheSameContentMakesNoCommit() throws Exception {
		BuildRepository target = new BuildRepository(this.url, "main", null);
		InstallResult first = this.installer.install(target, WorkflowBundle.fromClasspath());

		InstallResult second = this.installer.install(target, WorkflowBundle.fromClasspath());

		assertThat(second.changed()).isFalse();
		assertThat(second.contentHash()).isEqualTo(first.contentHash());
		assertThat(remoteHead("main").getName()).isEqualTo(first.commit());
	}

	@Test
	void keepsTheOperatorsFilesOutsideTheManagedOnes() throws Exception {
		pushToRemote("main",
				Map.of("README.md", "the farm's build repository\n", ".github/workflows/other.yml", "name: other\n"));
		RevCommit before = remoteHead("main");

		InstallResult result = this.installer.install(new BuildRepository(this.url, "main", null),
				WorkflowBundle.fromClasspath());

		Map<String, byte[]> tree = remoteTree("main");
		assertThat(tree).containsKeys("README.md", ".github/workflows/other.yml",
				".github/workflows/wheelfarm-build.yml");
		assertThat(tree).containsKey(WorkflowInstaller.MANIFEST);
		RevCommit head = remoteHead("main");
		assertThat(head.getName()).isEqualTo(result.commit());
		assertThat(head.getParent(0).getName()).isEqualTo(before.getName());
	}

	@Test
	void changedContentIsANewCommitAndANewHash() throws Exception {
		BuildRepository target = new BuildRepository(this.url, "main", null);
		WorkflowBundle original = WorkflowBundle.fromClasspath();
		InstallResult first = this.installer.install(target, original);
		SortedMap<String, byte[]> files = new TreeMap<>(original.files());
		files.put(".wheelfarm/worker/wheelfarm_worker.py", "# a new worker\n".getBytes(StandardCharsets.UTF_8));
		WorkflowBundle changed = new WorkflowBundle(files);

		InstallResult second = this.installer.install(target, changed);

		assertThat(second.changed()).isTrue();
		assertThat(second.contentHash()).isNotEqualTo(first.contentHash());
		assertThat(new String(remoteTree("main").get(".wheelfarm/worker/wheelfarm_worker.py"), StandardCharsets.UTF_8))
			.isEqualTo("# a new worker\n");
	}

	@Test
	void workerFilesNoLongerShippedAreRemovedWhenTheFarmInstalledThem() throws Exception {
		BuildRepository target = new BuildRepository(this.url, "main", null);
		SortedMap<String, byte[]> older = new TreeMap<>(WorkflowBundle.fromClasspath().files());
		older.put(".wheelfarm/worker/old_helper.py", bytes("print('old')\n"));
		this.installer.install(target, new WorkflowBundle(older));

		this.installer.install(target, WorkflowBundle.fromClasspath());

		assertThat(remoteTree("main")).doesNotContainKey(".wheelfarm/worker/old_helper.py");
	}

	@Test
	void aWorkerFileNobodyInstalledIsAHandChangeAndStays() throws Exception {
		pushToRemote("main", Map.of(".wheelfarm/worker/old_worker.py", "print('old')\n"));
		RevCommit before = remoteHead("main");
		BuildRepository target = new BuildRepository(this.url, "main", null);

		assertThatExceptionOfType(HandChangesException.class)
			.isThrownBy(() -> this.installer.install(target, WorkflowBundle.fromClasspath()))
			.satisfies((ex) -> assertThat(ex.paths()).containsExactly(".wheelfarm/worker/old_worker.py"));
		assertThat(remoteHead("main").getName()).isEqualTo(before.getName());
		assertThat(this.temp.resolve("scratch")).isEmptyDirectory();

		this.installer.install(target, WorkflowBundle.fromClasspath(), true);
		assertThat(remoteTree("main")).doesNotContainKey(".wheelfarm/worker/old_worker.py");
	}

	@Test
	void aManifestEditedByHandIsAHandChange() throws Exception {
		BuildRepository target = new BuildRepository(this.url, "main", null);
		this.installer.install(target, WorkflowBundle.fromClasspath());
		pushToRemote("main", Map.of(WorkflowInstaller.MANIFEST, "not json"));

		assertThatExceptionOfType(HandChangesException.class)
			.isThrownBy(() -> this.installer.install(target, WorkflowBundle.fromClasspath()))
			.satisfies((ex) -> assertThat(ex.paths()).contains(WorkflowInstaller.MANIFEST));
	}

	@Test
	void theContentHashDependsOnPathsAndBytesNotOnOrder() {
		Map<String, byte[]> a = new TreeMap<>(
				Map.of(".wheelfarm/worker/a", bytes("1"), ".wheelfarm/worker/b", bytes("2")));
		Map<String, byte[]> moved = Map.of(".wheelfarm/worker/a", bytes("12"), ".wheelfarm/worker/b", bytes(""));

		assertThat(new WorkflowBundle(a).contentHash())
			.isEqualTo(new WorkflowBundle(Map.of(".wheelfarm/worker/b", bytes("2"), ".wheelfarm/worker/a", bytes("1")))
				.contentHash())
			.isNotEqualTo(new WorkflowBundle(moved).contentHash());
	}

	@Test
	void refusesPathsOutsideTheManagedDirectories() {
		assertThatExceptionOfType(IllegalArgumentException.class)
			.isThrownBy(() -> new WorkflowBundle(Map.of(".github/workflows/../../evil.yml", bytes("x"))));
		assertThatExceptionOfType(IllegalArgumentException.class)
			.isThrownBy(() -> new WorkflowBundle(Map.of("setup.py", bytes("x"))));
	}

	@Test
	void anUnreachableRepositoryIsAnInstallFailure() {
		BuildRepository missing = new BuildRepository(this.temp.resolve("missing.git").toUri().toString(), "main",
				null);

		assertThatExceptionOfType(WorkflowInstallException.class)
			.isThrownBy(() -> this.installer.install(missing, WorkflowBundle.fromClasspath()));
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	private void pushToRemote(String branch, Map<String, String> files) throws Exception {
		Path work = Files.createTempDirectory(this.temp, "operator-clone");
		try (Git git = Git.cloneRepository().setURI(this.url).setDirectory(work.toFile()).call()) {
			for (Map.Entry<String, String> file : files.entrySet()) {
				Path path = work.resolve(file.getKey());
				Files.createDirectories(path.getParent());
				Files.writeString(path, file.getValue());
			}
			git.add().addFilepattern(".").call();
			git.commit().setMessage("operator's files").setAuthor("Operator", "ops@example.org").call();
			git.push().setRemote(this.url).setRefSpecs(new RefSpec("HEAD:refs/heads/" + branch)).call();
		}
	}

	private RevCommit remoteHead(String branch) throws IOException {
		try (Repository repository = Git.open(this.bare.toFile()).getRepository();
				RevWalk walk = new RevWalk(repository)) {
			ObjectId head = repository.resolve("refs/heads/" + branch);
			RevCommit commit = walk.parseCommit(head);
			walk.parseHeaders(commit.getParentCount() > 0 ? walk.parseCommit(commit.getParent(0)) : commit);
			return commit;
		}
	}

	private Map<String, byte[]> remoteTree(String branch) throws IOException {
		Map<String, byte[]> files = new TreeMap<>();
		try (Repository repository = Git.open(this.bare.toFile()).getRepository();
				RevWalk walk = new RevWalk(repository);
				TreeWalk tree = new TreeWalk(repository)) {
			tree.addTree(walk.parseCommit(repository.resolve("refs/heads/" + branch)).getTree());
			tree.setRecursive(true);
			while (tree.next()) {
				ObjectLoader loader = repository.open(tree.getObjectId(0));
				files.put(tree.getPathString(), loader.getBytes());
			}
		}
		return files;
	}

}

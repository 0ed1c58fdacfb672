package dev.wheelfarm.dispatch.install;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.ResetCommand;
import org.eclipse.jgit.api.Status;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.RemoteRefUpdate;

import org.springframework.util.FileSystemUtils;

/**
 * Installs the farm's workflow and worker into its GitHub build repository: fetch the
 * branch, write the bundle, commit only if something changed, push.
 *
 * <p>
 * Idempotent: installing the same bundle again makes no commit and no push. Files the
 * installer does not manage (other workflows, a README) are left alone; a worker file
 * that is no longer in the bundle is removed, so the repository holds exactly the worker
 * whose hash is in the recipe fingerprint.
 */
public class WorkflowInstaller {

	/** The fixed author of install commits: reproducible, and obviously the farm's. */
	static final PersonIdent AUTHOR = new PersonIdent("Wheelfarm", "wheelfarm@users.noreply.github.com");

	private final Path scratch;

	/**
	 * @param scratch a directory for the temporary clone (created, then removed)
	 */
	public WorkflowInstaller(Path scratch) {
		this.scratch = scratch;
	}

	/**
	 * Installs {@code bundle} on {@code target}.
	 * @return the bundle's content hash and the commit, if one was made
	 */
	public InstallResult install(BuildRepository target, WorkflowBundle bundle) {
		Path clone = null;
		try {
			Files.createDirectories(this.scratch);
			clone = Files.createTempDirectory(this.scratch, "build-repo-");
			return install(target, bundle, clone);
		}
		catch (IOException ex) {
			throw new WorkflowInstallException("cannot prepare a clone of " + target.safeUrl(), ex);
		}
		catch (GitAPIException ex) {
			throw new WorkflowInstallException("git failed on " + target.safeUrl() + ": " + ex.getMessage(), ex);
		}
		finally {
			if (clone != null) {
				deleteQuietly(clone);
			}
		}
	}

	private InstallResult install(BuildRepository target, WorkflowBundle bundle, Path clone)
			throws IOException, GitAPIException {
		String branchRef = Constants.R_HEADS + target.branch();
		try (Git git = Git.init().setDirectory(clone.toFile()).setInitialBranch(target.branch()).call()) {
			ObjectId remoteHead = fetchBranch(git, target, branchRef);
			if (remoteHead != null) {
				git.reset().setMode(ResetCommand.ResetType.HARD).setRef(remoteHead.name()).call();
			}
			writeBundle(clone, bundle);
			git.add().addFilepattern(".").call();
			git.add().setUpdate(true).addFilepattern(".").call();
			Status status = git.status().call();
			if (status.isClean() && remoteHead != null) {
				return new InstallResult(bundle.contentHash(), null);
			}
			RevCommit commit = git.commit()
				.setAuthor(AUTHOR)
				.setCommitter(AUTHOR)
				.setMessage(
						"Install the Wheelfarm workflow and worker\n\nContent sha256: " + bundle.contentHash() + "\n")
				.call();
			push(git, target, branchRef);
			return new InstallResult(bundle.contentHash(), commit.getName());
		}
	}

	/** The remote branch's head, or {@code null} for a new (or empty) repository. */
	private static ObjectId fetchBranch(Git git, BuildRepository target, String branchRef) throws GitAPIException {
		Collection<Ref> heads = Git.lsRemoteRepository()
			.setRemote(target.url())
			.setHeads(true)
			.setCredentialsProvider(target.credentials())
			.call();
		boolean exists = heads.stream().anyMatch((ref) -> ref.getName().equals(branchRef));
		if (!exists) {
			return null;
		}
		String tracking = "refs/remotes/origin/" + target.branch();
		git.fetch()
			.setRemote(target.url())
			.setRefSpecs(new RefSpec("+" + branchRef + ":" + tracking))
			.setCredentialsProvider(target.credentials())
			.call();
		try {
			return git.getRepository().resolve(tracking);
		}
		catch (IOException ex) {
			throw new WorkflowInstallException("cannot read the fetched branch " + target.branch(), ex);
		}
	}

	private static void writeBundle(Path clone, WorkflowBundle bundle) throws IOException {
		Map<String, byte[]> files = bundle.files();
		Path workerDir = clone.resolve(WorkflowBundle.WORKER_DIR);
		if (Files.isDirectory(workerDir)) {
			List<Path> stale = new ArrayList<>();
			try (Stream<Path> listing = Files.list(workerDir)) {
				listing.filter((path) -> !files.containsKey(WorkflowBundle.WORKER_DIR + path.getFileName()))
					.forEach(stale::add);
			}
			for (Path path : stale) {
				FileSystemUtils.deleteRecursively(path);
			}
		}
		for (Map.Entry<String, byte[]> file : files.entrySet()) {
			Path path = clone.resolve(file.getKey());
			Files.createDirectories(path.getParent());
			Files.write(path, file.getValue());
		}
	}

	private static void push(Git git, BuildRepository target, String branchRef) throws GitAPIException {
		Iterable<PushResult> results = git.push()
			.setRemote(target.url())
			.setRefSpecs(new RefSpec("HEAD:" + branchRef))
			.setCredentialsProvider(target.credentials())
			.call();
		for (PushResult result : results) {
			for (RemoteRefUpdate update : result.getRemoteUpdates()) {
				RemoteRefUpdate.Status status = update.getStatus();
				if (status != RemoteRefUpdate.Status.OK && status != RemoteRefUpdate.Status.UP_TO_DATE) {
					// A rejected push usually means someone pushed in between: the next
					// install fetches their commit and tries again.
					throw new WorkflowInstallException("push to " + target.safeUrl() + " was rejected: " + status
							+ ((update.getMessage() != null) ? " (" + update.getMessage() + ")" : ""), null);
				}
			}
		}
	}

	private static void deleteQuietly(Path clone) {
		try {
			FileSystemUtils.deleteRecursively(clone);
		}
		catch (IOException ex) {
			// A leftover scratch clone costs disk space only; the install's outcome
			// stands.
			clone.toFile().deleteOnExit();
		}
	}

	/**
	 * Where to install.
	 *
	 * @param url the build repository's git URL ({@code https://github.com/org/repo.git},
	 * or a {@code file:} URL in tests)
	 * @param branch the branch GitHub runs the workflow from (the default branch)
	 * @param credentials how to authenticate, {@code null} for none
	 */
	public record BuildRepository(String url, String branch, CredentialsProvider credentials) {

		public BuildRepository {
			if (url == null || url.isBlank()) {
				throw new IllegalArgumentException("the build repository URL must be set");
			}
			if (branch == null || !branch.matches("[A-Za-z0-9][A-Za-z0-9._/-]{0,199}") || branch.contains("..")) {
				throw new IllegalArgumentException("not a valid branch name: " + branch);
			}
		}

		/** The URL without any user info, for messages and logs. */
		String safeUrl() {
			return this.url.replaceFirst("//[^/@]*@", "//");
		}

	}

	/**
	 * @param contentHash the bundle's content hash (part of the recipe fingerprint)
	 * @param commit the commit that was pushed, {@code null} when the repository already
	 * held this bundle
	 */
	public record InstallResult(String contentHash, String commit) {

		public boolean changed() {
			return this.commit != null;
		}

	}

}

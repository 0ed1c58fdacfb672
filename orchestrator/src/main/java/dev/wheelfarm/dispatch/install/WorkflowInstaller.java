package dev.wheelfarm.dispatch.install;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import dev.wheelfarm.shared.Sha256;

import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.ResetCommand;
import org.eclipse.jgit.api.Status;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.api.errors.JGitInternalException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.RemoteRefUpdate;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

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
 *
 * <p>
 * Every install commits a manifest ({@value #MANIFEST}) with the sha256 of each file it
 * wrote. A managed file whose content is neither the new bundle's nor the one the
 * manifest recorded was changed by hand: the install refuses to overwrite it (and pushes
 * nothing) unless forced, so an operator's emergency fix is never lost silently.
 */
public class WorkflowInstaller {

	/** The fixed author of install commits: reproducible, and obviously the farm's. */
	static final PersonIdent AUTHOR = new PersonIdent("Wheelfarm", "wheelfarm@users.noreply.github.com");

	/**
	 * What the farm installed last: each managed file's sha256, and the bundle's hash.
	 */
	public static final String MANIFEST = ".wheelfarm/installed.json";

	private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

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
		return install(target, bundle, false);
	}

	/**
	 * Installs {@code bundle} on {@code target}, overwriting files changed by hand when
	 * {@code force} is set.
	 * @return the bundle's content hash and the commit, if one was made
	 * @throws HandChangesException when files were changed by hand and {@code force} is
	 * not set; nothing was pushed
	 */
	public InstallResult install(BuildRepository target, WorkflowBundle bundle, boolean force) {
		Path clone = null;
		try {
			Files.createDirectories(this.scratch);
			clone = Files.createTempDirectory(this.scratch, "build-repo-");
			return install(target, bundle, clone, force);
		}
		catch (IOException ex) {
			throw new WorkflowInstallException("cannot prepare a clone of " + target.safeUrl(), ex);
		}
		catch (GitAPIException ex) {
			throw new WorkflowInstallException("git failed on " + target.safeUrl() + ": " + ex.getMessage(), ex);
		}
		catch (JGitInternalException ex) {
			// JGit wraps some transport failures (e.g. a server without smart-HTTP push)
			// in this unchecked exception; the cause says what happened.
			String cause = (ex.getCause() != null) ? ex.getCause().getMessage() : ex.getMessage();
			throw new WorkflowInstallException("git failed on " + target.safeUrl() + ": " + cause, ex);
		}
		finally {
			if (clone != null) {
				deleteQuietly(clone);
			}
		}
	}

	private InstallResult install(BuildRepository target, WorkflowBundle bundle, Path clone, boolean force)
			throws IOException, GitAPIException {
		String branchRef = Constants.R_HEADS + target.branch();
		try (Git git = Git.init().setDirectory(clone.toFile()).setInitialBranch(target.branch()).call()) {
			ObjectId remoteHead = fetchBranch(git, target, branchRef);
			if (remoteHead != null) {
				git.reset().setMode(ResetCommand.ResetType.HARD).setRef(remoteHead.name()).call();
			}
			Manifest installed = Manifest.read(clone);
			SortedSet<String> changedByHand = changedByHand(clone, bundle, installed);
			if (!changedByHand.isEmpty() && !force) {
				throw new HandChangesException(target.safeUrl(), target.branch(), changedByHand);
			}
			writeBundle(clone, bundle, installed);
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
		// ls-remote through the scratch repository rather than without one: JGit's
		// repository-less ls-remote fails with a NullPointerException on a server that
		// speaks only the dumb HTTP protocol, instead of saying so.
		Collection<Ref> heads = git.lsRemote()
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

	/**
	 * The managed files whose content the farm cannot vouch for: neither the new bundle's
	 * nor what the manifest says the farm wrote. Managed means a file of the new bundle,
	 * a file the manifest lists, or anything in the worker directory.
	 */
	static SortedSet<String> changedByHand(Path clone, WorkflowBundle bundle, Manifest installed) throws IOException {
		Map<String, byte[]> files = bundle.files();
		SortedSet<String> managed = new TreeSet<>(files.keySet());
		managed.addAll(installed.files().keySet());
		managed.addAll(workerFiles(clone));
		SortedSet<String> changed = new TreeSet<>();
		if (installed.unreadable()) {
			changed.add(MANIFEST);
		}
		for (String path : managed) {
			Path file = clone.resolve(path);
			if (!Files.isRegularFile(file)) {
				// Deleted by hand (or never installed): installing loses nothing.
				continue;
			}
			String current = sha256(Files.readAllBytes(file));
			boolean shipped = files.containsKey(path) && current.equals(sha256(files.get(path)));
			boolean installedByFarm = current.equals(installed.files().get(path));
			if (!shipped && !installedByFarm) {
				changed.add(path);
			}
		}
		return changed;
	}

	private static void writeBundle(Path clone, WorkflowBundle bundle, Manifest installed) throws IOException {
		Map<String, byte[]> files = bundle.files();
		SortedSet<String> stale = new TreeSet<>(workerFiles(clone));
		stale.addAll(installed.files().keySet());
		stale.removeAll(files.keySet());
		for (String path : stale) {
			FileSystemUtils.deleteRecursively(clone.resolve(path));
		}
		SortedMap<String, String> written = new TreeMap<>();
		for (Map.Entry<String, byte[]> file : files.entrySet()) {
			Path path = clone.resolve(file.getKey());
			Files.createDirectories(path.getParent());
			Files.write(path, file.getValue());
			written.put(file.getKey(), sha256(file.getValue()));
		}
		Path manifest = clone.resolve(MANIFEST);
		Files.createDirectories(manifest.getParent());
		Files.write(manifest, new Manifest(bundle.contentHash(), written, false).bytes());
	}

	/** Repository paths of everything under the worker directory. */
	private static List<String> workerFiles(Path clone) throws IOException {
		Path workerDir = clone.resolve(WorkflowBundle.WORKER_DIR);
		if (!Files.isDirectory(workerDir)) {
			return List.of();
		}
		try (Stream<Path> listing = Files.walk(workerDir)) {
			return listing.filter(Files::isRegularFile)
				.map((path) -> clone.relativize(path).toString().replace('\\', '/'))
				.sorted()
				.toList();
		}
	}

	static String sha256(byte[] bytes) {
		return Sha256.digest(bytes).hex();
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
	 * The manifest committed with every install.
	 *
	 * @param contentHash the installed bundle's content hash
	 * @param files each file the install wrote, with its sha256
	 * @param unreadable the repository holds a manifest that is not one the farm wrote
	 */
	record Manifest(String contentHash, SortedMap<String, String> files, boolean unreadable) {

		static final Manifest NONE = new Manifest(null, new TreeMap<>(), false);

		static Manifest read(Path clone) throws IOException {
			Path path = clone.resolve(MANIFEST);
			if (!Files.isRegularFile(path)) {
				return NONE;
			}
			try {
				JsonNode root = JSON.readTree(Files.readAllBytes(path));
				SortedMap<String, String> files = new TreeMap<>();
				for (Map.Entry<String, JsonNode> file : root.path("files").properties()) {
					if (!file.getValue().isString()) {
						return new Manifest(null, new TreeMap<>(), true);
					}
					files.put(file.getKey(), file.getValue().asString());
				}
				String hash = root.path("content_sha256").asString(null);
				return new Manifest(hash, files, hash == null);
			}
			catch (JacksonException ex) {
				return new Manifest(null, new TreeMap<>(), true);
			}
		}

		byte[] bytes() {
			ObjectNode root = JSON.createObjectNode();
			root.put("comment", "Written by Wheelfarm's install-workflow; the farm checks the files against it. "
					+ "Do not edit: change the files in the Wheelfarm repository and install again.");
			root.put("content_sha256", this.contentHash);
			ObjectNode files = root.putObject("files");
			this.files.forEach(files::put);
			return (JSON.writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
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

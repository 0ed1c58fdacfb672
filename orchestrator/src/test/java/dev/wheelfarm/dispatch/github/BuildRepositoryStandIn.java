package dev.wheelfarm.dispatch.github;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.TreeWalk;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import dev.wheelfarm.dispatch.install.WorkflowBundle;
import dev.wheelfarm.dispatch.install.WorkflowInstaller;

/**
 * The stand-in's build repository: a bare git repository on disk that the GitHub stand-in
 * reads its git trees from and checks runs out of, and that a
 * {@code testsupport.GitHttpServer} can serve for pushes (its root is
 * {@link #gitRoot()}). What the farm's installer pushes is what the stand-in's runs
 * execute and what the trees API reports.
 */
public final class BuildRepositoryStandIn {

	private final Path gitRoot;

	private final Path bare;

	BuildRepositoryStandIn(Path gitRoot) {
		this.gitRoot = gitRoot;
		this.bare = gitRoot.resolve(GitHubStandIn.OWNER).resolve(GitHubStandIn.REPO + ".git");
		try {
			Files.createDirectories(this.bare.getParent());
			Git.init().setBare(true).setDirectory(this.bare.toFile()).setInitialBranch("main").call().close();
		}
		catch (IOException | GitAPIException ex) {
			throw new IllegalStateException("cannot create the build repository", ex);
		}
	}

	/** The directory holding {@code owner/name.git}, for a git server to serve. */
	public Path gitRoot() {
		return this.gitRoot;
	}

	/**
	 * Installs {@code bundle} as the farm's installer does, straight into the bare
	 * repository.
	 */
	public void install(WorkflowBundle bundle, boolean force) {
		new WorkflowInstaller(this.gitRoot.resolveSibling("install-scratch"))
			.install(new WorkflowInstaller.BuildRepository(this.bare.toUri().toString(), "main", null), bundle, force);
	}

	/**
	 * The answer of {@code GET /repos/{o}/{r}/git/trees/{ref}?recursive=1}: every blob
	 * and tree with its git object id, as GitHub lists them; {@code null} when the
	 * repository is empty or has no such branch.
	 */
	ObjectNode tree(String ref, String apiUrl) {
		try (Repository repository = open();
				RevWalk walk = new RevWalk(repository);
				TreeWalk tree = new TreeWalk(repository)) {
			ObjectId head = repository.resolve(Constants.R_HEADS + ref);
			if (head == null) {
				return null;
			}
			ObjectId root = walk.parseCommit(head).getTree();
			ObjectNode answer = GitHubStandIn.JSON.createObjectNode();
			String treesUrl = apiUrl + GitHubStandIn.REPO_PATH + "/git/trees/";
			answer.put("sha", root.name()).put("url", treesUrl + root.name());
			ArrayNode entries = answer.putArray("tree");
			tree.addTree(root);
			tree.setRecursive(false);
			while (tree.next()) {
				boolean subtree = tree.isSubtree();
				ObjectNode entry = entries.addObject()
					.put("path", tree.getPathString())
					.put("mode", String.format("%06o", tree.getRawMode(0)))
					.put("type", subtree ? "tree" : "blob")
					.put("sha", tree.getObjectId(0).name());
				if (!subtree) {
					entry.put("size", repository.open(tree.getObjectId(0)).getSize());
					entry.put("url", apiUrl + GitHubStandIn.REPO_PATH + "/git/blobs/" + tree.getObjectId(0).name());
				}
				else {
					entry.put("url", treesUrl + tree.getObjectId(0).name());
					tree.enterSubtree();
				}
				if (tree.getFileMode(0) == FileMode.GITLINK) {
					entry.put("type", "commit");
				}
			}
			answer.put("truncated", false);
			return answer;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Whether the repository has any commit at all (GitHub answers 409 when not). */
	boolean isEmpty() {
		try (Repository repository = open()) {
			return repository.getRefDatabase().getRefs().isEmpty();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * A checkout of {@code ref} into {@code directory}, as {@code actions/checkout}
	 * makes.
	 */
	void checkout(String ref, Path directory) throws IOException {
		try (Git git = Git.cloneRepository()
			.setURI(this.bare.toUri().toString())
			.setBranch(ref)
			.setDirectory(directory.toFile())
			.call()) {
			// The clone is the checkout; nothing more to do with it.
		}
		catch (GitAPIException ex) {
			throw new IOException("cannot check out " + ref + " of the build repository", ex);
		}
	}

	private Repository open() throws IOException {
		return new FileRepositoryBuilder().setGitDir(this.bare.toFile()).setMustExist(true).build();
	}

}

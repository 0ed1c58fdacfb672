package dev.wheelfarm.optin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.lib.TreeFormatter;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

/**
 * A real bare git repository made with JGit for a test, the way a forge holds one: a
 * default branch {@code main} that commits move, partial clone allowed (as on GitHub).
 * Commits are written straight into the object database: there is no work tree.
 */
public final class BareRepository implements AutoCloseable {

	private final Path directory;

	private final Repository repository;

	private final Map<String, byte[]> files = new TreeMap<>();

	private ObjectId head;

	private BareRepository(Path directory) throws IOException {
		this.directory = directory;
		this.repository = new FileRepositoryBuilder().setGitDir(directory.toFile()).setBare().build();
		this.repository.create(true);
		StoredConfig config = this.repository.getConfig();
		config.setBoolean("uploadpack", null, "allowfilter", true);
		config.save();
		RefUpdate update = this.repository.updateRef(Constants.HEAD);
		update.link("refs/heads/main");
	}

	public static BareRepository create(Path parent, String name) {
		try {
			return new BareRepository(Files.createDirectories(parent).resolve(name + ".git"));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Refuses partial clones, as a repository made with plain {@code git init --bare}
	 * does until {@code uploadpack.allowFilter} is set.
	 */
	public BareRepository withoutPartialClones() {
		try {
			StoredConfig config = this.repository.getConfig();
			config.setBoolean("uploadpack", null, "allowfilter", false);
			config.save();
			return this;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	public String url() {
		return this.directory.toUri().toString().replaceFirst("^file:/+", "file:///").replaceAll("/$", "");
	}

	public BareRepository put(String path, String content) {
		return put(path, content.getBytes(StandardCharsets.UTF_8));
	}

	public BareRepository put(String path, byte[] content) {
		this.files.put(path, content);
		return this;
	}

	public BareRepository remove(String path) {
		this.files.remove(path);
		return this;
	}

	/** Commits the current files onto main. */
	public String commit(String message) {
		try (ObjectInserter inserter = this.repository.newObjectInserter()) {
			TreeFormatter tree = new TreeFormatter();
			for (Map.Entry<String, byte[]> file : this.files.entrySet()) {
				tree.append(file.getKey(), FileMode.REGULAR_FILE, inserter.insert(Constants.OBJ_BLOB, file.getValue()));
			}
			ObjectId treeId = inserter.insert(tree);
			CommitBuilder commit = new CommitBuilder();
			PersonIdent author = new PersonIdent("Maintainer", "maintainer@example.org");
			commit.setAuthor(author);
			commit.setCommitter(author);
			commit.setMessage(message);
			commit.setTreeId(treeId);
			if (this.head != null) {
				commit.setParentId(this.head);
			}
			ObjectId commitId = inserter.insert(commit);
			inserter.flush();
			RefUpdate update = this.repository.updateRef("refs/heads/main");
			update.setNewObjectId(commitId);
			update.setForceUpdate(true);
			RefUpdate.Result result = update.update();
			if (result != RefUpdate.Result.NEW && result != RefUpdate.Result.FORCED
					&& result != RefUpdate.Result.FAST_FORWARD) {
				throw new IllegalStateException("could not move main: " + result);
			}
			this.head = commitId;
			return commitId.name();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	@Override
	public void close() {
		this.repository.close();
	}

}

package dev.wheelfarm.optin;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import dev.wheelfarm.database.DataDirectoryProperties;
import dev.wheelfarm.shared.Sha256;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.api.errors.JGitInternalException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.errors.PackProtocolException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.FetchResult;
import org.eclipse.jgit.transport.FilterSpec;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.treewalk.TreeWalk;

import org.springframework.stereotype.Component;

/**
 * Reads a config file from a maintainer's repository with JGit, as cheaply and as safely
 * as git allows: {@code ls-remote} says where the default branch points; only when that
 * moved does a depth-1 fetch with a blob size filter bring the commit and its trees into
 * a bare cache repository, and the file is read from the tree. Nothing is checked out and
 * nothing from the repository runs (JGit serves {@code file://} in-process, and hooks
 * only run on a work tree).
 */
@Component
class RepositoryReader {

	private static final String FETCHED = "refs/wheelfarm/head";

	private final OptInProperties properties;

	private final Path cacheDir;

	private final Map<String, Object> locks = new ConcurrentHashMap<>();

	private final AddressGuard addresses;

	RepositoryReader(OptInProperties properties, DataDirectoryProperties dataDirectory, AddressGuard addresses) {
		this.properties = properties;
		this.addresses = addresses;
		this.cacheDir = properties.cacheDirUnder(dataDirectory.dataDir());
	}

	/** Where the default branch points now. */
	Head head(String url) throws RepositoryReadException {
		Map<String, Ref> refs;
		try {
			// Also for repositories registered before a host became refused.
			this.addresses.checkRepository(url);
			refs = Git.lsRemoteRepository()
				.setRemote(url)
				.setTimeout(timeoutSeconds())
				.setTransportConfigCallback(this.addresses::guard)
				.callAsMap();
		}
		catch (AddressRefusedException ex) {
			throw new RepositoryReadException(ex.getMessage(), ex);
		}
		catch (GitAPIException ex) {
			throw refusal(ex).orElseGet(
					() -> new RepositoryReadException("could not list the repository's branches: " + message(ex), ex));
		}
		catch (JGitInternalException ex) {
			// JGit reports some unreachable or malformed remotes with this unchecked
			// exception instead of a GitAPIException.
			throw new RepositoryReadException("could not reach the repository: " + message(ex), ex);
		}
		Ref head = refs.get(Constants.HEAD);
		if (head == null || head.getObjectId() == null) {
			throw new RepositoryReadException("the repository has no default branch (HEAD); is it empty?");
		}
		String branch = head.isSymbolic() ? head.getTarget().getName() : Constants.HEAD;
		return new Head(head.getObjectId().name(), branch);
	}

	/**
	 * Fetches the default branch's commit and reads the config files from its tree.
	 * @return the files found at the fetched commit
	 */
	Snapshot read(String url, Head head) throws RepositoryReadException {
		synchronized (this.locks.computeIfAbsent(url, (key) -> new Object())) {
			try (Repository cache = cacheFor(url)) {
				Ref cached = cache.exactRef(FETCHED);
				// The default branch has not moved since the last read: no fetch at all.
				String commit = (cached != null && cached.getObjectId() != null
						&& cached.getObjectId().name().equals(head.commit())) ? head.commit() : fetch(cache, url, head);
				return readTree(cache, commit);
			}
			catch (IOException ex) {
				throw new RepositoryReadException("could not read the fetched commit: " + message(ex), ex);
			}
		}
	}

	private String fetch(Repository cache, String url, Head head) throws RepositoryReadException, IOException {
		RefSpec spec = new RefSpec("+" + head.branch() + ":" + FETCHED);
		try {
			return fetch(cache, url, spec, true);
		}
		catch (PackProtocolException | FilteredFetchFailed ex) {
			// A server without partial-clone support (a bare repository made with `git
			// init` refuses the filter until uploadpack.allowFilter is set, and JGit says
			// so as a plain transport error): fetch unfiltered. The file's size is still
			// checked before it is read; a server that is down simply fails again.
			return fetch(cache, url, spec, false);
		}
	}

	/** A filtered fetch failed; the caller tries once more without the filter. */
	private static final class FilteredFetchFailed extends RepositoryReadException {

		FilteredFetchFailed(String message, Throwable cause) {
			super(message, cause);
		}

	}

	private String fetch(Repository cache, String url, RefSpec spec, boolean filtered)
			throws RepositoryReadException, IOException {
		try (Transport transport = Transport.open(cache, new URIish(url))) {
			this.addresses.guard(transport);
			transport.setTimeout(timeoutSeconds());
			transport.setDepth(1);
			transport.setTagOpt(org.eclipse.jgit.transport.TagOpt.NO_TAGS);
			if (filtered) {
				transport.setFilterSpec(
						FilterSpec.fromFilterLine("blob:limit=" + this.properties.maxConfigBytes().toBytes()));
			}
			FetchResult result = transport.fetch(NullProgressMonitor.INSTANCE, List.of(spec));
			Ref fetched = result.getAdvertisedRef(spec.getSource());
			Ref local = cache.exactRef(FETCHED);
			if (local == null || local.getObjectId() == null) {
				throw new RepositoryReadException("the default branch " + spec.getSource() + " could not be fetched"
						+ ((fetched == null) ? " (the server did not offer it)" : ""));
			}
			return local.getObjectId().name();
		}
		catch (PackProtocolException ex) {
			throw ex;
		}
		catch (org.eclipse.jgit.errors.TransportException | org.eclipse.jgit.errors.NotSupportedException ex) {
			Optional<RepositoryReadException> refused = refusal(ex);
			if (refused.isPresent()) {
				throw refused.get();
			}
			String message = "could not fetch the default branch: " + message(ex);
			throw filtered ? new FilteredFetchFailed(message, ex) : new RepositoryReadException(message, ex);
		}
		catch (java.net.URISyntaxException ex) {
			throw new RepositoryReadException("not a git URL: " + ex.getMessage(), ex);
		}
	}

	private Snapshot readTree(Repository cache, String commitId) throws IOException {
		try (RevWalk walk = new RevWalk(cache); ObjectReader reader = cache.newObjectReader()) {
			RevCommit commit = walk.parseCommit(ObjectId.fromString(commitId));
			Optional<ConfigFile> wheelfarm = file(reader, commit, ConfigParser.WHEELFARM_TOML);
			Optional<ConfigFile> pyproject = file(reader, commit, ConfigParser.PYPROJECT_TOML);
			return new Snapshot(commitId, wheelfarm, pyproject);
		}
	}

	private Optional<ConfigFile> file(ObjectReader reader, RevCommit commit, String path) throws IOException {
		try (TreeWalk walk = TreeWalk.forPath(reader, path, commit.getTree())) {
			if (walk == null || (walk.getRawMode(0)
					& org.eclipse.jgit.lib.FileMode.TYPE_MASK) != org.eclipse.jgit.lib.FileMode.TYPE_FILE) {
				return Optional.empty();
			}
			ObjectId blob = walk.getObjectId(0);
			long limit = this.properties.maxConfigBytes().toBytes();
			long size;
			try {
				size = reader.getObjectSize(blob, Constants.OBJ_BLOB);
			}
			catch (MissingObjectException ex) {
				// The fetch filter left out every blob above the limit.
				return Optional.of(ConfigFile.tooLarge(path, -1, limit));
			}
			if (size > limit) {
				return Optional.of(ConfigFile.tooLarge(path, size, limit));
			}
			return Optional
				.of(new ConfigFile(path, reader.open(blob, Constants.OBJ_BLOB).getCachedBytes((int) limit), null));
		}
	}

	private Repository cacheFor(String url) throws IOException {
		Files.createDirectories(this.cacheDir);
		String name = Sha256.digest(url.getBytes(StandardCharsets.UTF_8)).hex().substring(0, 32) + ".git";
		File directory = this.cacheDir.resolve(name).toFile();
		Repository repository = new FileRepositoryBuilder().setGitDir(directory).setBare().build();
		if (!directory.exists()) {
			repository.create(true);
		}
		return repository;
	}

	private int timeoutSeconds() {
		return (int) Math.max(1, this.properties.fetchTimeout().toSeconds());
	}

	/**
	 * The address guard's refusal somewhere in JGit's chain of causes, as the whole
	 * message: JGit's own words around it would name a service it never reached.
	 */
	private static Optional<RepositoryReadException> refusal(Throwable ex) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (cause instanceof AddressRefusedException refused) {
				return Optional.of(new RepositoryReadException(refused.getMessage(), refused));
			}
		}
		return Optional.empty();
	}

	private static String message(Throwable ex) {
		String text = (ex.getMessage() != null) ? ex.getMessage() : ex.getClass().getSimpleName();
		Throwable cause = ex.getCause();
		if (cause != null && cause.getMessage() != null && !text.contains(cause.getMessage())) {
			text = text + ": " + cause.getMessage();
		}
		return (text.length() > 500) ? text.substring(0, 500) + "…" : text;
	}

	/**
	 * Where a repository's default branch points.
	 *
	 * @param commit the commit id
	 * @param branch the branch's ref name, or {@code HEAD} when the server does not say
	 */
	record Head(String commit, String branch) {

	}

	/**
	 * The config files of one commit.
	 *
	 * @param commit the commit they were read from
	 * @param wheelfarmToml {@code wheelfarm.toml} at the root, if there is one
	 * @param pyprojectToml {@code pyproject.toml} at the root, if there is one
	 */
	record Snapshot(String commit, Optional<ConfigFile> wheelfarmToml, Optional<ConfigFile> pyprojectToml) {

	}

	/**
	 * One file, or the fact that it is too large to be read.
	 *
	 * @param path the path in the repository
	 * @param bytes the content, or null when too large
	 * @param tooLarge the reason it was not read, or null
	 */
	record ConfigFile(String path, byte[] bytes, String tooLarge) {

		static ConfigFile tooLarge(String path, long size, long limit) {
			String what = (size >= 0) ? size + " bytes" : "larger than " + limit + " bytes";
			return new ConfigFile(path, null,
					path + " is " + what + "; the farm reads config files of at most " + limit + " bytes");
		}

	}

}

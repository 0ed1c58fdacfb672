package dev.wheelfarm.dispatch.github;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectInserter;
import org.kohsuke.github.GHFileNotFoundException;
import org.kohsuke.github.GHTree;
import org.kohsuke.github.GHTreeEntry;
import org.kohsuke.github.GitHub;
import org.kohsuke.github.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.wheelfarm.dispatch.install.InstallWorkflowCommand;
import dev.wheelfarm.dispatch.install.WorkflowBundle;

/**
 * Does the build repository run the workflow and worker this farm ships? A build run by
 * another worker would be recorded under this jar's recipe fingerprint, so the farm
 * dispatches only while the answer is yes.
 *
 * <p>
 * One API call answers it: the git tree of the dispatch branch ({@code GET
 * /repos/{o}/{r}/git/trees/{ref}?recursive=1}) lists every file's git blob id, which is
 * compared with the blob ids of the shipped files. That checks the content itself, not a
 * claim about it (a manifest can be left behind by a hand edit). The answer stands for
 * {@code wheelfarm.github.bundle-check-interval} (5 minutes), so dispatch rounds and
 * health probes cost at most one call per interval. A change of the answer is logged
 * once.
 */
public class InstalledBundleCheck {

	private static final Logger logger = LoggerFactory.getLogger(InstalledBundleCheck.class);

	private final GitHub github;

	private final GitHubProperties properties;

	private final RateBudget budget;

	private final Clock clock;

	private final SortedMap<String, String> shipped;

	private final String shippedHash;

	private Verdict verdict;

	InstalledBundleCheck(GitHub github, GitHubProperties properties, WorkflowBundle bundle, RateBudget budget,
			Clock clock) {
		this.github = github;
		this.properties = properties;
		this.budget = budget;
		this.clock = clock;
		this.shipped = new TreeMap<>();
		try (ObjectInserter.Formatter formatter = new ObjectInserter.Formatter()) {
			bundle.files()
				.forEach((path, bytes) -> this.shipped.put(path, formatter.idFor(Constants.OBJ_BLOB, bytes).name()));
		}
		this.shippedHash = bundle.contentHash();
	}

	/** The answer, looked up again when the last one is older than the interval. */
	public synchronized Verdict current() {
		Instant now = this.clock.instant();
		if (this.verdict != null
				&& now.isBefore(this.verdict.checkedAt().plus(this.properties.bundleCheckInterval()))) {
			return this.verdict;
		}
		if (!this.budget.holdOff().isZero() && this.verdict != null) {
			// The reserve is for builds in flight; the last answer stands a while longer.
			return this.verdict;
		}
		Verdict next = check(now);
		if (next.state() == State.UNKNOWN && this.verdict != null && this.verdict.state() != State.UNKNOWN) {
			// A failed look changes nothing that was known: the last answer stands until
			// the next look.
			logger.debug("{}; the last answer stands", next.message());
			next = this.verdict.lookedAgainAt(now);
		}
		if (this.verdict == null || !this.verdict.sameAnswer(next)) {
			log(next);
		}
		this.verdict = next;
		return next;
	}

	private Verdict check(Instant now) {
		SortedMap<String, String> installed;
		try {
			installed = installedFiles();
		}
		catch (GHFileNotFoundException ex) {
			return differs(now, new TreeSet<>(this.shipped.keySet()),
					"has no branch " + this.properties.ref() + " (or cannot be read with these credentials)");
		}
		catch (HttpException ex) {
			if (ex.getResponseCode() == 409) {
				return differs(now, new TreeSet<>(this.shipped.keySet()), "is empty");
			}
			return unknown(now, ex);
		}
		catch (IOException | RuntimeException ex) {
			// hub4j wraps rate limits and broken connections in either kind; the answer
			// is "not known now", never "installed" or "not installed".
			return unknown(now, ex);
		}
		SortedSet<String> differing = new TreeSet<>();
		this.shipped.forEach((path, blob) -> {
			if (!blob.equals(installed.get(path))) {
				differing.add(path);
			}
		});
		installed.keySet()
			.stream()
			.filter((path) -> path.startsWith(WorkflowBundle.WORKER_DIR) && !this.shipped.containsKey(path))
			.forEach(differing::add);
		if (differing.isEmpty()) {
			return new Verdict(State.MATCHES, now, this.shippedHash, differing,
					"holds the workflow bundle this farm ships (" + this.shippedHash + ")");
		}
		return differs(now, differing, "holds another workflow bundle than this farm ships");
	}

	/** The managed files of the dispatch branch with their git blob ids. */
	private SortedMap<String, String> installedFiles() throws IOException {
		GHTree tree = this.github.getRepository(this.properties.repository())
			.getTreeRecursive(this.properties.ref(), 1);
		SortedMap<String, String> files = new TreeMap<>();
		for (GHTreeEntry entry : tree.getTree()) {
			String path = entry.getPath();
			if ("blob".equals(entry.getType())
					&& (path.startsWith(WorkflowBundle.WORKFLOWS_DIR) || path.startsWith(WorkflowBundle.WORKER_DIR))) {
				files.put(path, entry.getSha());
			}
		}
		return files;
	}

	private Verdict differs(Instant now, SortedSet<String> differing, String what) {
		String command = "java -jar wheelfarm.jar " + InstallWorkflowCommand.NAME + " --repository "
				+ this.properties.repository() + " --branch " + this.properties.ref();
		List<String> shown = differing.stream().limit(10).toList();
		return new Verdict(State.DIFFERS, now, this.shippedHash, differing, "The build repository "
				+ this.properties.repository() + " (" + this.properties.ref() + ") " + what
				+ ((differing.isEmpty()) ? ""
						: "; differing: " + String.join(", ", shown) + ((differing.size() > shown.size()) ? ", …" : ""))
				+ ". No build is dispatched until it does. Install this farm's bundle with: " + command);
	}

	private Verdict unknown(Instant now, Exception ex) {
		String message = Objects.requireNonNullElse(ex.getMessage(), ex.getClass().getSimpleName());
		return new Verdict(State.UNKNOWN, now, this.shippedHash, new TreeSet<>(),
				"Cannot read the build repository " + this.properties.repository() + " ("
						+ ((message.length() > 200) ? message.substring(0, 200) + "…" : message)
						+ "); dispatching as usual, the dispatch itself will tell");
	}

	private static void log(Verdict verdict) {
		switch (verdict.state()) {
			case MATCHES -> logger.info("The build repository {}", verdict.message());
			case DIFFERS -> logger.warn(verdict.message());
			case UNKNOWN -> logger.warn(verdict.message());
		}
	}

	/** What the last look found. */
	public enum State {

		/** The dispatch branch holds exactly the shipped workflow and worker. */
		MATCHES,

		/** It holds something else, or nothing: no dispatch. */
		DIFFERS,

		/** GitHub could not be asked; dispatch is not held for it. */
		UNKNOWN

	}

	/**
	 * @param state what was found
	 * @param checkedAt when
	 * @param shippedHash the content hash of the bundle this jar ships
	 * @param differing the managed paths whose content is not the shipped one (missing
	 * files and unknown worker files included)
	 * @param message for the log and the health endpoint
	 */
	public record Verdict(State state, Instant checkedAt, String shippedHash, SortedSet<String> differing,
			String message) {

		Verdict lookedAgainAt(Instant when) {
			return new Verdict(this.state, when, this.shippedHash, this.differing, this.message);
		}

		boolean sameAnswer(Verdict other) {
			return this.state == other.state && this.differing.equals(other.differing);
		}

		/** The details the health endpoint shows. */
		public Map<String, Object> details() {
			return Map.of("state", this.state.name(), "checked_at", this.checkedAt.toString(), "shipped_sha256",
					this.shippedHash, "differing", List.copyOf(this.differing));
		}

	}

}

package dev.wheelfarm.requests;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import dev.wheelfarm.builds.BuildCandidate;
import dev.wheelfarm.builds.BuildLedger;
import dev.wheelfarm.builds.Recipes;
import dev.wheelfarm.requests.RequestOutcome.Accepted;
import dev.wheelfarm.requests.RequestOutcome.Reason;
import dev.wheelfarm.requests.RequestOutcome.Refused;
import dev.wheelfarm.shared.InvalidNameException;
import dev.wheelfarm.shared.InvalidVersionException;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.shared.Version;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * Turns "build project X version Y" into a build, or into a refusal that says why. The
 * request is checked against what the farm knows of PyPI (the watcher keeps it current):
 * the project must be opted in and accept requests, and the release must have an sdist
 * and no wheels. A request for something already in the ledger leads to that build.
 */
@Service
public class RequestService {

	static final int MAX_VERSION_LENGTH = 100;

	private static final String PROJECT = """
			SELECT id, optin_state, settings::text AS settings,
			       -- requests are welcome unless the maintainer's config says accept-requests = false
			       CASE WHEN jsonb_typeof(settings -> 'accept-requests') = 'boolean'
			            THEN (settings ->> 'accept-requests')::boolean ELSE true END AS accepts_requests
			FROM project WHERE name = :name
			""";

	private static final String RELEASES = """
			SELECT id, version FROM release WHERE project_id = :project AND deleted_at IS NULL
			""";

	private static final String FILES = """
			SELECT filename, kind, url, sha256 FROM pypi_file
			WHERE release_id = :release AND deleted_at IS NULL
			ORDER BY filename
			""";

	private final JdbcClient jdbc;

	private final BuildLedger ledger;

	private final Recipes recipes;

	public RequestService(JdbcClient jdbc, BuildLedger ledger, Recipes recipes) {
		this.jdbc = jdbc;
		this.ledger = ledger;
		this.recipes = recipes;
	}

	/** Checks a request and, if it holds up, queues (or finds) its build. */
	public RequestOutcome request(String rawProject, String rawVersion) {
		ProjectName name;
		Version version;
		try {
			name = ProjectName.of((rawProject != null) ? rawProject.strip() : "");
		}
		catch (InvalidNameException ex) {
			return new Refused(Reason.INVALID_INPUT, "project", "That is not a valid PyPI project name.");
		}
		String versionText = (rawVersion != null) ? rawVersion.strip() : "";
		if (versionText.isEmpty() || versionText.length() > MAX_VERSION_LENGTH) {
			return new Refused(Reason.INVALID_INPUT, "version", "Enter a version, such as 1.2.0.");
		}
		try {
			version = Version.parse(versionText);
		}
		catch (InvalidVersionException ex) {
			return new Refused(Reason.INVALID_INPUT, "version",
					"That is not a valid version (PEP 440), such as 1.2.0 or 2.0rc1.");
		}
		Optional<ProjectRow> project = this.jdbc.sql(PROJECT)
			.param("name", name.value())
			.query(ProjectRow.class)
			.optional();
		if (project.isEmpty()) {
			return new Refused(Reason.UNKNOWN_PROJECT, "project",
					name.value() + " is not a project of this farm. Its maintainers can opt in.");
		}
		if (!"OPTED_IN".equals(project.get().optinState())) {
			return new Refused(Reason.NOT_OPTED_IN, "project",
					name.value() + " is not opted in to the farm right now, so it gets no builds.");
		}
		if (!project.get().acceptsRequests()) {
			return new Refused(Reason.REQUESTS_NOT_ACCEPTED, "project", "The maintainers of " + name.value()
					+ " do not take build requests; the farm builds" + " their new releases by itself.");
		}
		return requestRelease(name, version, project.get());
	}

	private RequestOutcome requestRelease(ProjectName name, Version version, ProjectRow project) {
		Optional<ReleaseRow> release = this.jdbc.sql(RELEASES)
			.param("project", project.id())
			.query(ReleaseRow.class)
			.list()
			.stream()
			.filter((candidate) -> Version.tryParse(candidate.version()).map(version::equals).orElse(false))
			.findFirst();
		if (release.isEmpty()) {
			return new Refused(Reason.UNKNOWN_RELEASE, "version",
					"PyPI has no release " + version + " of " + name.value() + ".");
		}
		List<FileRow> files = this.jdbc.sql(FILES).param("release", release.get().id()).query(FileRow.class).list();
		if (files.stream().anyMatch((file) -> "wheel".equals(file.kind()))) {
			return new Refused(Reason.HAS_WHEELS, "version", name.value() + " " + release.get().version()
					+ " already has wheels on PyPI: pip installs those, nothing to build.");
		}
		Optional<FileRow> sdist = files.stream()
			.filter((file) -> "sdist".equals(file.kind()))
			// A .tar.gz is the standard sdist (PEP 625); prefer it over legacy formats.
			.min(Comparator.comparing((FileRow file) -> !file.filename().endsWith(".tar.gz")));
		if (sdist.isEmpty()) {
			return new Refused(Reason.NO_SDIST, "version",
					name.value() + " " + release.get().version() + " has no sdist on PyPI to build from.");
		}
		Recipes.Recipe recipe = this.recipes.recipe(project.settings());
		BuildLedger.Enqueued enqueued = this.ledger
			.enqueue(new BuildCandidate(name, release.get().version(), sdist.get().filename(), sdist.get().url(),
					Sha256.of(sdist.get().sha256()), BuildCandidate.Origin.REQUEST), recipe);
		return new Accepted(enqueued.id(), enqueued.created());
	}

	record ProjectRow(long id, String optinState, String settings, boolean acceptsRequests) {

	}

	record ReleaseRow(long id, String version) {

	}

	record FileRow(String filename, String kind, String url, String sha256) {

	}

}

package dev.wheelfarm.provenance;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.wheelfarm.optin.RepositoryUrls;
import dev.wheelfarm.provenance.AttestationRefusedException.Reason;
import dev.wheelfarm.shared.Sha256;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The attestations of the files the farm serves: checks the {@code attestations} field of
 * an upload against the project's trusted publisher, and stores what verified beside the
 * file's row. Public for the features that store files (uploads, the ingest of farm
 * builds).
 */
@Component
public class Attestations {

	/** One attestation per predicate type PEP 740 allows: PyPI's rule. */
	static final int MAX_ATTESTATIONS = AttestationVerifier.PREDICATE_TYPES.size();

	/** Far above two real attestations (about 10 KB each), far below a memory problem. */
	static final int MAX_FIELD_LENGTH = 128 * 1024;

	// The project's repository (only GitHub ones can have trusted publishers) and the
	// last valid config's narrowing of it.
	private static final String PUBLISHER = """
			SELECT r.url, r.config -> 'trusted-publisher' ->> 'workflow' AS workflow,
			       r.config -> 'trusted-publisher' ->> 'environment' AS environment
			FROM project p JOIN repository r ON r.id = p.repository_id
			WHERE p.id = :project
			""";

	// GitHub's ids of the project's repository, bound on its first OIDC upload
	// (uploads.TrustedPublishers).
	private static final String BOUND_IDS = """
			SELECT github_repository_id AS repository, github_owner_id AS owner
			FROM trusted_publisher WHERE project_id = :project
			""";

	private static final String INSERT = """
			INSERT INTO file_attestation (wheel_id, predicate_type, publisher, attestation, signer, integrated_at)
			VALUES (:wheel, :predicateType, CAST(:publisher AS jsonb), :attestation, :signer, :integratedAt)
			""";

	// A public file's attestations, oldest first. Staged, withdrawn and removed files
	// are not public, and neither is their provenance; a stage's view (:stage) shows its
	// own files' too, as it shows the files.
	private static final String OF_FILE = """
			SELECT a.publisher::text AS publisher, a.attestation
			FROM file_attestation a
			JOIN wheel w ON w.id = a.wheel_id
			JOIN project p ON p.id = w.project_id
			WHERE p.name = :project AND w.version = :version AND w.filename = :filename
			  AND (w.stage_id IS NULL OR w.stage_id = CAST(:stage AS bigint))
			  AND w.withdrawn_at IS NULL AND w.removed_at IS NULL
			ORDER BY a.id
			""";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final AttestationVerifier verifier;

	private final JdbcClient jdbc;

	Attestations(AttestationVerifier verifier, JdbcClient jdbc) {
		this.verifier = verifier;
		this.jdbc = jdbc;
	}

	/**
	 * The publisher that may sign a project's files: a GitHub Actions workflow of the
	 * repository the project is opted in through, narrowed by the repository's
	 * {@code [trusted-publisher]} config. Empty when the repository is not on GitHub.
	 */
	public Optional<Publisher> trustedPublisher(long projectId) {
		return this.jdbc.sql(PUBLISHER)
			.param("project", projectId)
			.query(PublisherRow.class)
			.optional()
			.flatMap((row) -> RepositoryUrls.gitHubRepository(row.url())
				.map((repository) -> Publisher.gitHub(repository, row.workflow(), row.environment())));
	}

	/**
	 * GitHub's ids of the repository the project's trusted publishing is bound to; empty
	 * until its first OIDC upload binds them.
	 */
	public Optional<RepositoryIds> boundRepository(long projectId) {
		return this.jdbc.sql(BOUND_IDS).param("project", projectId).query(RepositoryIds.class).optional();
	}

	/**
	 * Verifies the {@code attestations} form field of PyPI's upload API (a JSON array of
	 * PEP 740 attestation objects) for one file.
	 * @param bound GitHub's ids of the repository the project is bound to (each
	 * certificate must carry them), or null when it is not bound yet
	 * @return each attestation, verified
	 * @throws AttestationRefusedException at the first that does not verify, or if the
	 * field is not such an array
	 */
	public List<VerifiedAttestation> verify(String filename, Sha256 sha256, String field, Publisher publisher,
			RepositoryIds bound) throws AttestationRefusedException {
		if (field.length() > MAX_FIELD_LENGTH) {
			throw malformed("the attestations field is " + field.length() + " characters, more than the "
					+ MAX_FIELD_LENGTH + " accepted");
		}
		JsonNode list;
		try {
			list = JSON.readTree(field);
		}
		catch (JacksonException ex) {
			throw malformed("the attestations field is not JSON (" + ex.getOriginalMessage() + ")");
		}
		if (list == null || !list.isArray() || list.isEmpty()) {
			throw malformed("the attestations field must be a JSON array of attestation objects");
		}
		if (list.size() > MAX_ATTESTATIONS) {
			throw malformed("the attestations field lists " + list.size() + " attestations; at most one of each"
					+ " predicate type (" + MAX_ATTESTATIONS + ") is accepted");
		}
		List<VerifiedAttestation> verified = new ArrayList<>();
		Set<String> predicateTypes = new HashSet<>();
		for (JsonNode attestation : list) {
			VerifiedAttestation one = this.verifier.verify(filename, sha256, attestation.toString(), publisher, bound);
			if (!predicateTypes.add(one.predicateType())) {
				throw malformed("the attestations field lists two attestations of predicate type " + one.predicateType()
						+ "; one of each is accepted");
			}
			verified.add(one);
		}
		return verified;
	}

	/**
	 * Stores a file's verified attestations; the caller's transaction is the one that
	 * inserts the file's row, so the file is never listed without them.
	 */
	public void record(long wheelId, List<VerifiedAttestation> attestations) {
		for (VerifiedAttestation attestation : attestations) {
			this.jdbc.sql(INSERT)
				.param("wheel", wheelId)
				.param("predicateType", attestation.predicateType())
				.param("publisher", JSON.writeValueAsString(attestation.publisher()))
				.param("attestation", attestation.attestationJson())
				.param("signer", attestation.signer())
				.param("integratedAt", OffsetDateTime.ofInstant(attestation.integratedTime(), ZoneOffset.UTC))
				.update();
		}
	}

	/**
	 * The provenance object of a public file, as the Integrity API and the index's
	 * {@code provenance} links serve it; empty when the file has no attestation.
	 * @param project the project's normalized name
	 */
	public Optional<ProvenanceObject> provenance(String project, String version, String filename) {
		return provenance(project, version, filename, null);
	}

	/**
	 * The provenance object of a file a stage's view lists: a public one or one of the
	 * stage's own.
	 * @param project the project's normalized name
	 * @param stage the open stage's row
	 */
	public Optional<ProvenanceObject> stagedProvenance(String project, String version, String filename, long stage) {
		return provenance(project, version, filename, stage);
	}

	private Optional<ProvenanceObject> provenance(String project, String version, String filename, Long stage) {
		Map<Publisher, List<JsonNode>> bundles = new LinkedHashMap<>();
		this.jdbc.sql(OF_FILE)
			.param("stage", stage)
			.param("project", project)
			.param("version", version)
			.param("filename", filename)
			.query((row, number) -> {
				Publisher publisher = JSON.readValue(row.getString("publisher"), Publisher.class);
				bundles.computeIfAbsent(publisher, (key) -> new ArrayList<>())
					.add(JSON.readTree(row.getString("attestation")));
				return publisher;
			})
			.list();
		if (bundles.isEmpty()) {
			return Optional.empty();
		}
		List<ProvenanceObject.AttestationBundle> list = new ArrayList<>();
		bundles.forEach(
				(publisher, attestations) -> list.add(new ProvenanceObject.AttestationBundle(publisher, attestations)));
		return Optional.of(new ProvenanceObject(1, list));
	}

	private static AttestationRefusedException malformed(String why) {
		return new AttestationRefusedException(Reason.MALFORMED, why);
	}

	record PublisherRow(String url, String workflow, String environment) {

	}

}

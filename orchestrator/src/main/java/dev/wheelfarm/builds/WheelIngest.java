package dev.wheelfarm.builds;

import java.io.IOException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.wheelfarm.artifacts.BlobStore;
import dev.wheelfarm.artifacts.VerifiedWheel;
import dev.wheelfarm.artifacts.WheelRejectedException;
import dev.wheelfarm.artifacts.WheelVerifier;
import dev.wheelfarm.artifacts.WheelsPublished;
import dev.wheelfarm.builds.BuildSucceeded.BuiltWheel;
import dev.wheelfarm.provenance.Attestations;
import dev.wheelfarm.provenance.VerifiedAttestation;
import dev.wheelfarm.pypi.PypiFilenames;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.stages.Stages;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionOperations;

/**
 * Turns a succeeded build into published wheels: verify every wheel, store the bytes and
 * their METADATA content-addressed, then insert the {@code wheel} rows and mark the build
 * published in one transaction.
 * <p>
 * Idempotent by construction: blobs are named by their hash (storing twice is a no-op), a
 * wheel row is keyed by its filename, and the build only becomes {@code PUBLISHED} in the
 * transaction that lists its wheels. A re-delivered event finds the same rows and changes
 * nothing; a crash between storing and inserting leaves unreferenced blobs that the next
 * delivery reuses. A build is all or nothing: one refused wheel refuses the build, so a
 * release is never half-published.
 */
@Component
public class WheelIngest {

	private static final Logger logger = LoggerFactory.getLogger(WheelIngest.class);

	// The maintainer's publish mode lives in the repository's config, not in the
	// project's
	// settings: it decides when wheels become public, not how they are built.
	private static final String BUILD = """
			SELECT b.project_id, p.name AS project, b.version, b.state,
			       coalesce(r.config ->> 'publish', 'immediate') = 'review' AS review
			FROM build b JOIN project p ON p.id = b.project_id
			LEFT JOIN repository r ON r.id = p.repository_id
			WHERE b.id = :id
			""";

	// The pseudo-filename of an outcome where the store, not a wheel, failed.
	private static final String STORAGE = "(storage)";

	private static final String STORED_NAME = "SELECT sha256, removed_at FROM wheel WHERE filename = :filename";

	private static final String INSERT_WHEEL = """
			INSERT INTO wheel (build_id, project_id, version, filename, sha256, size, metadata_sha256, requires_python,
			                   stage_id, staged_in)
			VALUES (:build, :project, :version, :filename, :sha256, :size, :metadata, :requiresPython, :stage, :stage)
			ON CONFLICT (filename) DO NOTHING
			RETURNING id
			""";

	private static final String INSERT_REJECTION = """
			INSERT INTO wheel_rejection (build_id, filename, reason) VALUES (:build, :filename, :reason)
			ON CONFLICT (build_id, filename) DO UPDATE SET reason = EXCLUDED.reason, rejected_at = now()
			""";

	private final WheelVerifier verifier;

	private final BlobStore blobs;

	private final JdbcClient jdbc;

	private final TransactionOperations transactions;

	private final BuildLedger ledger;

	private final ApplicationEventPublisher events;

	private final Stages stages;

	private final PypiFilenames pypiFilenames;

	private final Attestations attestations;

	public WheelIngest(WheelVerifier verifier, BlobStore blobs, JdbcClient jdbc, TransactionOperations transactions,
			BuildLedger ledger, ApplicationEventPublisher events, Stages stages, PypiFilenames pypiFilenames,
			Attestations attestations) {
		this.attestations = attestations;
		this.stages = stages;
		this.pypiFilenames = pypiFilenames;
		this.verifier = verifier;
		this.blobs = blobs;
		this.jdbc = jdbc;
		this.transactions = transactions;
		this.ledger = ledger;
		this.events = events;
	}

	@EventListener
	void on(BuildSucceeded event) {
		Outcome outcome = ingest(event);
		if (outcome.rejections().isEmpty()) {
			logger.info("Build {}: published {}", event.buildId(), outcome.published());
		}
		else if (!outcome.storageFailed()) {
			logger.warn("Build {}: wheels refused: {}", event.buildId(), outcome.rejections());
		}
	}

	/**
	 * Verifies, stores and lists the build's wheels: all of them, or none.
	 * @return what was published, or why nothing was
	 */
	public Outcome ingest(BuildSucceeded event) {
		Optional<BuildRow> found = this.jdbc.sql(BUILD).param("id", event.buildId()).query(BuildRow.class).optional();
		if (found.isEmpty()) {
			// Nothing to attach a rejection row to: the event is stale or forged.
			return new Outcome(List.of(),
					List.of(new Rejection("(build)", "build " + event.buildId() + " does not exist")));
		}
		BuildRow build = found.get();
		List<Rejection> rejections = new ArrayList<>();
		if (!build.project().equals(event.project().value()) || !build.version().equals(event.version())) {
			rejections.add(new Rejection("(build)", "the event names " + event.project() + " " + event.version()
					+ " but build " + event.buildId() + " is " + build.project() + " " + build.version()));
			return refuse(event, rejections);
		}
		List<Accepted> accepted = new ArrayList<>();
		for (BuiltWheel wheel : event.wheels()) {
			try {
				accepted.add(check(wheel, build));
			}
			catch (WheelRejectedException ex) {
				rejections.add(new Rejection(wheel.filename(), ex.getMessage()));
			}
		}
		if (event.wheels().isEmpty()) {
			rejections.add(new Rejection("(build)", "the build has no wheel"));
		}
		if (!rejections.isEmpty()) {
			return refuse(event, rejections);
		}
		try {
			for (Accepted wheel : accepted) {
				if (wheel.verified() != null) {
					this.blobs.store(wheel.built().path(), wheel.verified().sha256());
					this.blobs.store(wheel.verified().metadata(), wheel.verified().metadataSha256());
				}
			}
		}
		catch (IOException ex) {
			// A full disk, a bucket answering 503 or not at all, a vanished build
			// directory: nothing is listed, the build stays SUCCEEDED, and the
			// dispatcher offers it again one stranded grace later (the blobs already
			// written are reused). No rejection row: this is not the wheels' fault.
			String why = "its wheels could not be stored (" + ex.getMessage()
					+ "); nothing is listed yet, and they are offered again";
			logger.error("Build {}: {} after wheelfarm.dispatch.stranded-grace", event.buildId(), why);
			this.ledger.publicationDelayed(event.buildId(), why);
			return new Outcome(List.of(), List.of(new Rejection(STORAGE, ex.getMessage())));
		}
		// A project that publishes on review gets its wheels in its open stage: stored,
		// listed at the stage's URL, public only when someone publishes the stage.
		// The stage is opened and locked in the transaction that lists the wheels, so a
		// publish at that moment cannot leave them in a closed stage.
		boolean anyNew = accepted.stream().anyMatch((wheel) -> wheel.verified() != null);
		Listed listed = this.transactions.execute((status) -> {
			Long stage = (build.review() && anyNew) ? this.stages.lockOpenStage(build.projectId()).id() : null;
			return new Listed(list(event.buildId(), build, accepted, stage, event.attestations()), stage);
		});
		if (listed.stage() == null) {
			this.events.publishEvent(new WheelsPublished(event.project(), listed.files()));
		}
		else {
			logger.info("Build {}: wheels staged for review in stage {}", event.buildId(), listed.stage());
		}
		return new Outcome(listed.files(), List.of());
	}

	private Accepted check(BuiltWheel wheel, BuildRow build) throws WheelRejectedException {
		Optional<StoredName> stored = this.jdbc.sql(STORED_NAME)
			.param("filename", wheel.filename())
			.query(StoredName.class)
			.optional();
		if (stored.isPresent() && stored.get().removedAt() != null) {
			// PyPI's rule for deleted files, kept here too: an installer that pinned the
			// old hash must never be handed a file of that name again.
			throw new WheelRejectedException("wheel '" + wheel.filename()
					+ "' refused: a file of that name was removed on " + stored.get().removedAt().toLocalDate()
					+ ", and a filename is never reused, even after deletion");
		}
		if (stored.isPresent()) {
			if (stored.get().sha256().equals(wheel.sha256().hex())) {
				// Delivered before: the same name with the same bytes is already stored.
				return new Accepted(wheel, null);
			}
			throw new WheelRejectedException("wheel '" + wheel.filename()
					+ "' refused: that filename is already taken by different bytes, and a filename is immutable");
		}
		if (this.pypiFilenames.taken(wheel.filename())) {
			throw new WheelRejectedException("wheel '" + wheel.filename()
					+ "' refused: PyPI already has a file of that name, which the farm must never shadow");
		}
		VerifiedWheel verified = this.verifier.verify(wheel.path(), wheel.filename(), ProjectName.of(build.project()),
				build.version());
		if (!verified.sha256().equals(wheel.sha256())) {
			throw new WheelRejectedException("wheel '" + wheel.filename()
					+ "' refused: its bytes changed after the build was checked (" + verified.sha256() + ")");
		}
		return new Accepted(wheel, verified);
	}

	private List<String> list(long buildId, BuildRow build, List<Accepted> accepted, Long stage,
			Map<String, List<VerifiedAttestation>> attestations) {
		List<String> added = new ArrayList<>();
		for (Accepted wheel : accepted) {
			if (wheel.verified() == null) {
				continue;
			}
			VerifiedWheel verified = wheel.verified();
			Optional<Long> inserted = this.jdbc.sql(INSERT_WHEEL)
				.param("build", buildId)
				.param("project", build.projectId())
				.param("version", build.version())
				.param("filename", wheel.built().filename())
				.param("sha256", verified.sha256().hex())
				.param("size", verified.size())
				.param("metadata", verified.metadataSha256().hex())
				.param("requiresPython", verified.requiresPython())
				.param("stage", stage)
				.query(Long.class)
				.optional();
			if (inserted.isPresent()) {
				// In the transaction that lists the wheel: it is never listed without the
				// provenance its build verified.
				this.attestations.record(inserted.get(),
						attestations.getOrDefault(wheel.built().filename(), List.of()));
				added.add(wheel.built().filename());
			}
		}
		this.ledger.markPublished(buildId);
		return added;
	}

	private Outcome refuse(BuildSucceeded event, List<Rejection> rejections) {
		for (Rejection rejection : rejections) {
			this.jdbc.sql(INSERT_REJECTION)
				.param("build", event.buildId())
				.param("filename", rejection.filename())
				.param("reason", rejection.reason())
				.update();
		}
		return new Outcome(List.of(), rejections);
	}

	/**
	 * What one ingest did.
	 *
	 * @param published the wheels newly listed
	 * @param rejections why nothing was listed (empty on success)
	 */
	public record Outcome(List<String> published, List<Rejection> rejections) {

		/** The store failed (logged where it did): nothing was refused, it is retried. */
		boolean storageFailed() {
			return this.rejections.stream().anyMatch((rejection) -> STORAGE.equals(rejection.filename()));
		}

	}

	/**
	 * A refused wheel.
	 *
	 * @param filename the wheel, or a parenthesized word when the whole build is refused
	 * @param reason the check that failed
	 */
	public record Rejection(String filename, String reason) {

	}

	record BuildRow(long projectId, String project, String version, String state, boolean review) {

	}

	record StoredName(String sha256, OffsetDateTime removedAt) {

	}

	private record Listed(List<String> files, Long stage) {

	}

	private record Accepted(BuiltWheel built, VerifiedWheel verified) {

	}

}

package dev.wheelfarm.uploads;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.wheelfarm.artifacts.ArtifactsProperties;
import dev.wheelfarm.artifacts.BlobStore;
import dev.wheelfarm.artifacts.SdistVerifier;
import dev.wheelfarm.artifacts.VerifiedSdist;
import dev.wheelfarm.artifacts.VerifiedWheel;
import dev.wheelfarm.artifacts.WheelRejectedException;
import dev.wheelfarm.artifacts.WheelVerifier;
import dev.wheelfarm.artifacts.WheelsPublished;
import dev.wheelfarm.provenance.AttestationRefusedException;
import dev.wheelfarm.provenance.Attestations;
import dev.wheelfarm.provenance.Publisher;
import dev.wheelfarm.provenance.VerifiedAttestation;
import dev.wheelfarm.pypi.PypiFilenames;
import dev.wheelfarm.shared.InvalidWheelFilenameException;
import dev.wheelfarm.shared.MessageDigests;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.Quoting;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.shared.Version;
import dev.wheelfarm.shared.WheelFilename;
import dev.wheelfarm.stages.Stage;
import dev.wheelfarm.stages.Stages;
import org.bouncycastle.crypto.digests.Blake2bDigest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.multipart.MultipartFile;

/**
 * One file of twine's legacy upload: the form is checked, the credential must prove the
 * named project, the file is verified exactly as a farm-built wheel is at ingest (an
 * sdist as a real sdist), then its bytes are stored and its row inserted, public or in
 * the project's stage. Every refusal comes before the row: a refused upload changes
 * nothing that anyone can see (at most it leaves a content-addressed blob no row names).
 */
@Component
class UploadService {

	private static final Logger logger = LoggerFactory.getLogger(UploadService.class);

	private static final int MAX_VERSION = 200;

	private static final int MAX_FILENAME = 255;

	private static final Pattern SAFE_FILENAME = Pattern.compile("[^/\\\\\\p{Cntrl}]+");

	private final ProjectCredentials credentials;

	private final WheelVerifier wheels;

	private final SdistVerifier sdists;

	private final BlobStore blobs;

	private final UploadRepository repository;

	private final Stages stages;

	private final PypiFilenames pypiFilenames;

	private final ApplicationEventPublisher events;

	private final Attestations attestations;

	private final TransactionTemplate transactions;

	private final long maxSize;

	private final Path inFlight;

	UploadService(ProjectCredentials credentials, WheelVerifier wheels, SdistVerifier sdists, BlobStore blobs,
			UploadRepository repository, Stages stages, PypiFilenames pypiFilenames, ApplicationEventPublisher events,
			ArtifactsProperties limits, UploadConfiguration.UploadsInFlight inFlight, Attestations attestations,
			PlatformTransactionManager transactionManager) {
		this.credentials = credentials;
		this.wheels = wheels;
		this.sdists = sdists;
		this.blobs = blobs;
		this.repository = repository;
		this.stages = stages;
		this.pypiFilenames = pypiFilenames;
		this.events = events;
		this.maxSize = limits.maxWheelSize().toBytes();
		this.inFlight = inFlight.directory();
		this.attestations = attestations;
		this.transactions = new TransactionTemplate(transactionManager);
	}

	/**
	 * Stores one uploaded file.
	 * @param form twine's form fields (first value of each)
	 * @param content the {@code content} part
	 * @param secret the credential, or null
	 * @param target where the file goes
	 * @return what was done
	 * @throws UploadRefusedException if nothing was stored, with the reason
	 */
	Result upload(Map<String, String> form, MultipartFile content, String secret, Target target)
			throws UploadRefusedException {
		ProjectName project = checkForm(form, content);
		Uploader uploader;
		try {
			uploader = this.credentials.authorize(secret, project);
		}
		catch (CredentialRejectedException ex) {
			throw new UploadRefusedException(HttpStatus.FORBIDDEN, ex.getMessage());
		}
		Stage stage = stage(target, uploader);
		String filename = content.getOriginalFilename();
		String kind = kind(form.get("filetype"), filename);
		String version = checkNormalForm(filename, kind, form.get("version"), uploader);
		Path temporary = null;
		try {
			// Beside the container's parts, where the next start sweeps what a crash
			// left.
			temporary = Files.createTempFile(this.inFlight, "wheelfarm-upload-", ".part");
			Digests digests = receive(content, temporary);
			checkDigests(form, digests);
			Optional<Result> earlier = alreadyStored(filename, digests.sha256(), stage, target);
			if (earlier.isPresent()) {
				return earlier.get();
			}
			if (this.pypiFilenames.taken(filename)) {
				throw new UploadRefusedException(HttpStatus.BAD_REQUEST, "File already exists: PyPI has a file named "
						+ filename + ", and the farm never shadows PyPI's files");
			}
			Checked checked = verify(temporary, filename, kind, form.get("version"), uploader).spelled(version);
			List<VerifiedAttestation> attested = attestations(form.get("attestations"), checked, uploader);
			if (stage == null && target.stage()) {
				// Opened only now, for a file that passed every check: a refused upload
				// leaves no stage behind.
				stage = this.stages.openStage(uploader.projectId());
			}
			UploadRepository.StoredUpload row = store(temporary, checked, uploader, stage);
			// The row and its attestations in one transaction: an attested file is never
			// listed without its provenance.
			boolean inserted = Boolean.TRUE.equals(this.transactions.execute((status) -> {
				Optional<Long> id = this.repository.insert(row);
				id.ifPresent((wheelId) -> this.attestations.record(wheelId, attested));
				return id.isPresent();
			}));
			if (!inserted) {
				// Another upload of the same name won the race (judged as a repeat), or
				// the stage was published or discarded meanwhile.
				return alreadyStored(filename, digests.sha256(), stage, target)
					.orElseThrow(() -> new UploadRefusedException(HttpStatus.CONFLICT, "The stage was published,"
							+ " discarded or expired while " + filename + " was uploaded; nothing was stored"));
			}
			logger.info("{} uploaded {} ({}{}{})", uploader.label(), filename, uploader.project(),
					(stage != null) ? ", into " + stage : "",
					attested.isEmpty() ? "" : ", attested by " + attested.get(0).publisher());
			if (stage == null) {
				this.events.publishEvent(new WheelsPublished(uploader.project(), List.of(filename)));
			}
			return new Result(filename, false, stage);
		}
		catch (IOException ex) {
			logger.error("Upload of {} could not be stored: {}", filename, ex.getMessage());
			throw new UploadRefusedException(HttpStatus.SERVICE_UNAVAILABLE,
					"The file could not be stored; nothing was changed. Try again later.");
		}
		finally {
			deleteQuietly(temporary);
		}
	}

	private static ProjectName checkForm(Map<String, String> form, MultipartFile content)
			throws UploadRefusedException {
		if (!"file_upload".equals(form.get(":action"))) {
			throw badRequest("Only :action=file_upload is supported by this index");
		}
		if (!"1".equals(form.get("protocol_version"))) {
			throw badRequest("Only protocol_version=1 is supported");
		}
		String name = form.get("name");
		if (name == null || !ProjectName.isValid(name)) {
			throw badRequest("The name field must be a valid project name");
		}
		String version = form.get("version");
		if (version == null || version.isBlank() || version.length() > MAX_VERSION) {
			throw badRequest("The version field must be a version of at most " + MAX_VERSION + " characters");
		}
		if (content == null || content.isEmpty() || content.getOriginalFilename() == null) {
			throw badRequest("The upload has no file in its content field");
		}
		String filename = content.getOriginalFilename();
		// The name becomes part of URLs and of the export's paths: a bare, printable name
		// that fits the wheel table's column.
		if (filename.length() > MAX_FILENAME || !SAFE_FILENAME.matcher(filename).matches()) {
			throw badRequest("The file name must be a bare name of at most " + MAX_FILENAME
					+ " printable characters, without '/' or '\\'");
		}
		return ProjectName.of(name);
	}

	/**
	 * The stage the upload names (its URL), or the project's open one for
	 * {@code stage=true}, or null: public, or a stage still to be opened.
	 */
	private Stage stage(Target target, Uploader uploader) throws UploadRefusedException {
		if (target.stageToken() != null) {
			Stage stage = this.stages.byToken(target.stageToken())
				.filter(Stage::isOpen)
				.orElseThrow(() -> new UploadRefusedException(HttpStatus.NOT_FOUND,
						"No open stage has this URL: it was published, discarded or expired, or never existed"));
			if (stage.projectId() != uploader.projectId()) {
				throw new UploadRefusedException(HttpStatus.FORBIDDEN,
						"This stage belongs to " + stage.project() + ", not " + uploader.project());
			}
			return stage;
		}
		return target.stage() ? this.stages.current(uploader.projectId()).orElse(null) : null;
	}

	private static String kind(String filetype, String filename) throws UploadRefusedException {
		if ("bdist_wheel".equals(filetype) && filename.endsWith(".whl")) {
			return "wheel";
		}
		if ("sdist".equals(filetype) && filename.endsWith(".tar.gz")) {
			return "sdist";
		}
		throw badRequest("Only wheels (filetype bdist_wheel, *.whl) and sdists (filetype sdist, *.tar.gz) are"
				+ " accepted, not " + filetype + " " + filename);
	}

	/**
	 * A wheel's name must be in the normal form of the binary distribution format (the
	 * normalized name with {@code _}, the PEP 440 normal form of the version; PEP 625
	 * says the same of an sdist, which its verifier checks), and a version the project
	 * already has under another spelling ({@code 1.0.0.dev1} beside {@code 1.0.dev1}: PEP
	 * 440 says they are equal) must use that spelling: one release has one spelling, so
	 * the index never lists it twice and a file for it is a duplicate by its name.
	 * @return the version's spelling as stored
	 */
	private String checkNormalForm(String filename, String kind, String formVersion, Uploader uploader)
			throws UploadRefusedException {
		Version version;
		if (kind.equals("wheel")) {
			WheelFilename wheel;
			try {
				wheel = WheelFilename.parse(filename);
			}
			catch (InvalidWheelFilenameException ex) {
				throw badRequest(ex.getMessage());
			}
			version = wheel.version();
			String[] parts = filename.split("-", 3);
			String normal = wheel.projectName().wheelPrefix() + "-" + version + "-" + parts[2];
			if (!filename.equals(normal)) {
				// The remedy first: the status line, all twine shows, carries 200
				// characters.
				throw badRequest("The file name " + filename + " is not in normal form: upload it as " + normal
						+ " (binary distribution format: the name in lowercase with '_' for runs of '-_.', the"
						+ " version in PEP 440 normal form)");
			}
		}
		else {
			version = Version.tryParse(formVersion)
				.orElseThrow(
						() -> badRequest("The version field is not a PEP 440 version: " + Quoting.quote(formVersion)));
		}
		String spelling = version.toString();
		for (String known : this.repository.versions(uploader.projectId())) {
			Optional<Version> parsed = Version.tryParse(known);
			// A spelling that is not itself a normal form (an old PyPI release) cannot be
			// asked of a file name; the index still lists the release once.
			if (!known.equals(spelling) && parsed.isPresent() && parsed.get().equals(version)
					&& parsed.get().toString().equals(known)) {
				throw badRequest("Version " + spelling + " is spelled " + known + " on the farm: upload it as "
						+ filename.replaceFirst(Pattern.quote("-" + spelling), "-" + known) + " (" + spelling
						+ " is the same PEP 440 version as " + known + ", which " + uploader.project()
						+ " already has, and a release has one spelling)");
			}
		}
		return spelling;
	}

	/** Copies the part to disk, hashing as it goes, and stops at the size cap. */
	private Digests receive(MultipartFile content, Path temporary) throws IOException, UploadRefusedException {
		if (content.getSize() > this.maxSize) {
			throw new UploadRefusedException(HttpStatus.PAYLOAD_TOO_LARGE,
					"The file is " + content.getSize() + " bytes, more than the limit of " + this.maxSize);
		}
		Sha256.Hasher sha256 = Sha256.hasher();
		MessageDigest md5 = MessageDigests.of("MD5");
		// BLAKE2b with a 32-byte output, as PyPI computes it
		// (hashlib.blake2b(digest_size=32)).
		Blake2bDigest blake2 = new Blake2bDigest(256);
		try (InputStream in = content.getInputStream(); OutputStream out = Files.newOutputStream(temporary)) {
			byte[] buffer = new byte[64 * 1024];
			int read;
			while ((read = in.read(buffer)) != -1) {
				out.write(buffer, 0, read);
				sha256.update(buffer, 0, read);
				md5.update(buffer, 0, read);
				blake2.update(buffer, 0, read);
			}
		}
		byte[] blake2Digest = new byte[blake2.getDigestSize()];
		blake2.doFinal(blake2Digest, 0);
		HexFormat hex = HexFormat.of();
		return new Digests(sha256.finish().hex(), hex.formatHex(md5.digest()), hex.formatHex(blake2Digest));
	}

	/**
	 * Every digest twine sends (it sends all three) must be that of the bytes received:
	 * PyPI checks each one given and refuses with this reason when one does not match.
	 */
	private static void checkDigests(Map<String, String> form, Digests digests) throws UploadRefusedException {
		if (!matches(form.get("sha256_digest"), digests.sha256()) || !matches(form.get("md5_digest"), digests.md5())
				|| !matches(form.get("blake2_256_digest"), digests.blake2b256())) {
			throw badRequest("The digest supplied does not match a digest calculated from the uploaded file.");
		}
	}

	/** A digest not given is not checked; one given must equal the computed one. */
	private static boolean matches(String supplied, String computed) {
		return supplied == null || supplied.toLowerCase(Locale.ROOT).equals(computed);
	}

	/**
	 * A repeat of an upload that was stored: the same name with the same bytes, in the
	 * same place (public, or the same stage), answers 200 so that a retried CI job
	 * passes. The same name with other bytes, or in another stage, is refused.
	 */
	private Optional<Result> alreadyStored(String filename, String sha256, Stage stage, Target target)
			throws UploadRefusedException {
		Optional<UploadRepository.Existing> existing = this.repository.existing(filename);
		if (existing.isEmpty()) {
			return Optional.empty();
		}
		// No stage yet for stage=true: nothing stored can be in the one to be opened.
		boolean samePlace = (stage != null) ? Long.valueOf(stage.id()).equals(existing.get().stageId())
				: !target.stage() && existing.get().stageId() == null;
		if (existing.get().removed()) {
			// PyPI's rule for deleted files: the name stays taken, even for the same
			// bytes.
			throw new UploadRefusedException(HttpStatus.BAD_REQUEST, "File already exists: " + filename
					+ " was removed by the farm's retention, and a removed filename is never used again");
		}
		if (existing.get().sha256().equals(sha256) && samePlace) {
			return Optional.of(new Result(filename, true, stage));
		}
		throw new UploadRefusedException(HttpStatus.BAD_REQUEST, alreadyExists(filename));
	}

	private static String alreadyExists(String filename) {
		return "File already exists: " + filename + " is stored with other bytes or in another stage, and a"
				+ " filename names the same bytes forever. Give the new build another version or build tag.";
	}

	private Checked verify(Path file, String filename, String kind, String version, Uploader uploader)
			throws UploadRefusedException {
		try {
			if (kind.equals("wheel")) {
				VerifiedWheel wheel = this.wheels.verify(file, filename, uploader.project(), version);
				return new Checked(filename, kind, version, wheel.sha256(), wheel.size(), wheel.metadata(),
						wheel.requiresPython());
			}
			VerifiedSdist sdist = this.sdists.verify(file, filename, uploader.project(), version);
			return new Checked(filename, kind, version, sdist.sha256(), sdist.size(), null, sdist.requiresPython());
		}
		catch (WheelRejectedException ex) {
			throw badRequest(ex.getMessage());
		}
	}

	/**
	 * Verifies the upload's PEP 740 attestations (PyPI's {@code attestations} field)
	 * against the project's trusted publisher. None is fine: the file is accepted as
	 * before, without provenance.
	 */
	private List<VerifiedAttestation> attestations(String field, Checked checked, Uploader uploader)
			throws UploadRefusedException {
		if (field == null || field.isBlank()) {
			return List.of();
		}
		Publisher publisher = this.attestations.trustedPublisher(uploader.projectId())
			.orElseThrow(() -> badRequest("Invalid attestations supplied during upload: " + uploader.project()
					+ " is not opted in through a GitHub repository, so no workflow can be its trusted publisher"));
		try {
			return this.attestations.verify(checked.filename(), checked.sha256(), field, publisher,
					this.attestations.boundRepository(uploader.projectId()).orElse(null));
		}
		catch (AttestationRefusedException ex) {
			if (ex.reason() == AttestationRefusedException.Reason.TRUSTED_ROOT_UNAVAILABLE) {
				throw new UploadRefusedException(HttpStatus.SERVICE_UNAVAILABLE,
						"Attestations cannot be checked now: " + ex.getMessage());
			}
			// PyPI's words, which twine and upload actions show their users.
			throw badRequest("Invalid attestations supplied during upload: " + ex.getMessage());
		}
	}

	/** Stores the bytes (and a wheel's METADATA) and says the row that lists them. */
	private UploadRepository.StoredUpload store(Path file, Checked checked, Uploader uploader, Stage stage)
			throws IOException {
		this.blobs.store(file, checked.sha256());
		Sha256 metadataSha256 = null;
		if (checked.metadata() != null) {
			metadataSha256 = Sha256.digest(checked.metadata());
			this.blobs.store(checked.metadata(), metadataSha256);
		}
		return new UploadRepository.StoredUpload(uploader.projectId(), checked.version(), checked.filename(),
				checked.sha256().hex(), checked.size(), (metadataSha256 != null) ? metadataSha256.hex() : null,
				checked.requiresPython(), checked.kind(), (stage != null) ? stage.id() : null, uploader);
	}

	private static UploadRefusedException badRequest(String message) {
		return new UploadRefusedException(HttpStatus.BAD_REQUEST, message);
	}

	private static void deleteQuietly(Path path) {
		if (path == null) {
			return;
		}
		try {
			Files.deleteIfExists(path);
		}
		catch (IOException ex) {
			logger.warn("Could not delete {}: {}", path, ex.getMessage());
		}
	}

	/**
	 * Where an upload goes.
	 *
	 * @param stageToken the stage named by the URL ({@code /stage/<token>/legacy/}), or
	 * null
	 * @param stage whether {@code stage=true} asked for the project's open stage
	 */
	record Target(String stageToken, boolean stage) {

	}

	/**
	 * What an upload did.
	 *
	 * @param filename the file
	 * @param repeated whether the same bytes were already stored there
	 * @param stage the stage it is in, or null when it is public
	 */
	record Result(String filename, boolean repeated, Stage stage) {

	}

	private record Digests(String sha256, String md5, String blake2b256) {

	}

	/** A file that passed verification: a wheel (with its METADATA) or an sdist. */
	private record Checked(String filename, String kind, String version, Sha256 sha256, long size, byte[] metadata,
			String requiresPython) {

		/** The same file, its version stored in this (equal) spelling. */
		Checked spelled(String spelling) {
			return new Checked(this.filename, this.kind, spelling, this.sha256, this.size, this.metadata,
					this.requiresPython);
		}

	}

}

package dev.wheelfarm.provenance;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import dev.sigstore.KeylessVerificationException;
import dev.sigstore.KeylessVerifier;
import dev.sigstore.TrustedRootProvider;
import dev.sigstore.VerificationOptions;
import dev.sigstore.bundle.Bundle;
import dev.sigstore.bundle.BundleParseException;
import dev.sigstore.trustroot.SigstoreTrustedRoot;
import dev.sigstore.tuf.SigstoreTufClient;
import dev.wheelfarm.provenance.AttestationRefusedException.Reason;
import dev.wheelfarm.shared.Quoting;
import dev.wheelfarm.shared.Sha256;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1String;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Verifies a PEP 740 attestation object for one file with sigstore-java: the statement
 * names this file and digest with a predicate type PEP 740 allows; the certificate chains
 * to the trusted root's Fulcio CA (at the transparency log's time, so an old attestation
 * stays valid after its short-lived certificate expired); the log entry is signed by a
 * trusted Rekor key, its inclusion proof holds and it records this envelope; the DSSE
 * signature over the statement is the certificate's key's; and the certificate names the
 * expected GitHub Actions publisher.
 */
@Component
public class AttestationVerifier {

	/** The predicate types PEP 740 (and PyPI) accept. */
	public static final Set<String> PREDICATE_TYPES = Set.of("https://docs.pypi.org/attestations/publish/v1",
			"https://slsa.dev/provenance/v1");

	static final String GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com";

	private static final Logger logger = LoggerFactory.getLogger(AttestationVerifier.class);

	private static final String STATEMENT_TYPE = "https://in-toto.io/Statement/v1";

	private static final String IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

	private static final String BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";

	// Fulcio's certificate extensions
	// (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md).
	private static final String OID_ISSUER_V1 = "1.3.6.1.4.1.57264.1.1";

	private static final String OID_ISSUER = "1.3.6.1.4.1.57264.1.8";

	private static final String OID_SOURCE_REPOSITORY_URI = "1.3.6.1.4.1.57264.1.12";

	private static final String OID_BUILD_CONFIG_URI = "1.3.6.1.4.1.57264.1.18";

	private static final String OID_SOURCE_REPOSITORY_ID = "1.3.6.1.4.1.57264.1.15";

	private static final String OID_SOURCE_REPOSITORY_OWNER_ID = "1.3.6.1.4.1.57264.1.17";

	// The public-good root changes a few times a year; a day-old copy is what
	// sigstore-java's own TUF cache accepts too.
	private static final Duration TUF_REFRESH = Duration.ofDays(1);

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final TrustedRootProvider trustedRoot;

	private final boolean fromTuf;

	private final Clock clock;

	private KeylessVerifier verifier;

	private Instant loadedAt;

	@Autowired
	AttestationVerifier(ProvenanceProperties properties, Clock clock) {
		this(properties.trustedRoot(), clock);
	}

	private AttestationVerifier(Path trustedRootFile, Clock clock) {
		this.clock = clock;
		this.fromTuf = trustedRootFile == null;
		if (trustedRootFile == null) {
			this.trustedRoot = TrustedRootProvider.from(SigstoreTufClient.builder().usePublicGoodInstance());
		}
		else {
			if (!Files.isReadable(trustedRootFile)) {
				throw new IllegalArgumentException(
						"wheelfarm.provenance.trusted-root: cannot read " + trustedRootFile.toAbsolutePath());
			}
			this.trustedRoot = TrustedRootProvider.from(trustedRootFile);
			try {
				// A configured file is read now: a bad one stops the start, not an
				// upload.
				this.verifier = load();
				this.loadedAt = Instant.MAX;
			}
			catch (AttestationRefusedException ex) {
				throw new IllegalArgumentException("wheelfarm.provenance.trusted-root: " + trustedRootFile
						+ " is not a Sigstore trusted root: " + ex.getMessage(), ex);
			}
		}
	}

	/**
	 * A verifier for the trusted root in {@code file}, outside the application (the
	 * {@code verify-attestation} command, tests).
	 * @throws IllegalArgumentException if the file is not a readable trusted root
	 */
	public static AttestationVerifier forTrustedRoot(Path file) {
		return new AttestationVerifier(file, Clock.systemUTC());
	}

	/**
	 * Verifies one attestation of one file.
	 * @param filename the file's name (the statement's subject must name it)
	 * @param fileSha256 the file's digest
	 * @param attestationJson a PEP 740 attestation object
	 * @param expected the publisher that must have signed it
	 * @return what was verified
	 * @throws AttestationRefusedException if any check fails, with the reason
	 */
	public VerifiedAttestation verify(String filename, Sha256 fileSha256, String attestationJson, Publisher expected)
			throws AttestationRefusedException {
		return verify(filename, fileSha256, attestationJson, expected, null);
	}

	/**
	 * Verifies one attestation of one file whose project's trusted publishing is bound to
	 * GitHub's ids of its repository: the certificate must carry the same ids, so that a
	 * repository re-created or transferred under the publisher's name cannot sign.
	 * @param bound the ids the project is bound to, or null when it is not bound yet
	 * @throws AttestationRefusedException if any check fails, with the reason
	 */
	public VerifiedAttestation verify(String filename, Sha256 fileSha256, String attestationJson, Publisher expected,
			RepositoryIds bound) throws AttestationRefusedException {
		JsonNode attestation = parse(attestationJson);
		byte[] statementBytes = base64(attestation, "envelope", "statement");
		String predicateType = checkStatement(statementBytes, filename, fileSha256);
		Bundle bundle = toBundle(attestation);
		// The identity first: a certificate that does not even name the publisher is
		// refused for that, the reason an uploader can act on, whether or not it is
		// genuine. One that names it is believed only after the signatures verify.
		X509Certificate leaf = (X509Certificate) bundle.getCertPath().getCertificates().get(0);
		Publisher signer = checkPublisher(leaf, expected);
		if (bound != null) {
			checkRepositoryIds(leaf, expected, bound);
		}
		checkSignatures(bundle, fileSha256);
		Instant integrated = bundle.getEntries().get(0).getIntegratedTimeInstant();
		return new VerifiedAttestation(filename, fileSha256, predicateType, signer, identity(leaf), integrated,
				JSON.writeValueAsString(attestation));
	}

	private static JsonNode parse(String attestationJson) throws AttestationRefusedException {
		JsonNode node;
		try {
			node = JSON.readTree(attestationJson);
		}
		catch (JacksonException ex) {
			throw malformed("it is not JSON (" + ex.getOriginalMessage() + ")");
		}
		if (node == null || !node.isObject()) {
			throw malformed("it is not a JSON object");
		}
		if (!node.path("version").isIntegralNumber() || node.path("version").asInt() != 1) {
			throw malformed("its version is not 1");
		}
		if (!node.path("verification_material").path("transparency_entries").isArray()
				|| node.path("verification_material").path("transparency_entries").isEmpty()) {
			throw malformed("it has no verification_material.transparency_entries");
		}
		return node;
	}

	private static byte[] base64(JsonNode attestation, String object, String field) throws AttestationRefusedException {
		JsonNode value = attestation.path(object).path(field);
		if (!value.isString()) {
			throw malformed("it has no " + object + "." + field);
		}
		try {
			return Base64.getDecoder().decode(value.stringValue());
		}
		catch (IllegalArgumentException ex) {
			throw malformed(object + "." + field + " is not base64");
		}
	}

	/**
	 * The in-toto statement must have exactly one subject, this file by name and sha256
	 * (PEP 740), and a predicate type PEP 740 allows.
	 * @return the predicate type
	 */
	private static String checkStatement(byte[] statementBytes, String filename, Sha256 fileSha256)
			throws AttestationRefusedException {
		JsonNode statement;
		try {
			statement = JSON.readTree(statementBytes);
		}
		catch (JacksonException ex) {
			throw malformed("its statement is not JSON");
		}
		if (statement == null || !STATEMENT_TYPE.equals(statement.path("_type").asString(null))) {
			throw malformed("its statement is not an in-toto " + STATEMENT_TYPE + " statement");
		}
		JsonNode subjects = statement.path("subject");
		if (!subjects.isArray() || subjects.size() != 1) {
			throw new AttestationRefusedException(Reason.SUBJECT_MISMATCH,
					"The attestation's statement must name exactly one subject, this file; it names "
							+ (subjects.isArray() ? subjects.size() : 0));
		}
		String name = subjects.get(0).path("name").asString(null);
		if (!filename.equals(name)) {
			throw new AttestationRefusedException(Reason.SUBJECT_MISMATCH,
					"The attestation is for " + Quoting.quote(name) + ", not for " + filename);
		}
		String digest = subjects.get(0).path("digest").path("sha256").asString("");
		if (!fileSha256.hex().equals(digest.toLowerCase(Locale.ROOT))) {
			throw new AttestationRefusedException(Reason.SUBJECT_MISMATCH,
					"The attestation is for other bytes: it names sha256 " + Quoting.quote(digest) + ", but " + filename
							+ " has sha256 " + fileSha256.hex());
		}
		String predicateType = statement.path("predicateType").asString(null);
		if (!PREDICATE_TYPES.contains(predicateType)) {
			throw new AttestationRefusedException(Reason.UNSUPPORTED_PREDICATE,
					"The attestation's predicate type " + Quoting.quote(predicateType) + " is not one PEP 740 allows ("
							+ String.join(", ", PREDICATE_TYPES.stream().sorted().toList()) + ")");
		}
		return predicateType;
	}

	/**
	 * The Sigstore bundle (v0.3) an attestation stands for, as pypi-attestations'
	 * {@code Attestation.to_bundle} builds it: the leaf certificate, the log entries as
	 * they are, and the DSSE envelope of the in-toto statement.
	 */
	private static Bundle toBundle(JsonNode attestation) throws AttestationRefusedException {
		base64(attestation, "verification_material", "certificate");
		base64(attestation, "envelope", "signature");
		ObjectNode bundle = JSON.createObjectNode();
		bundle.put("mediaType", BUNDLE_MEDIA_TYPE);
		ObjectNode material = bundle.putObject("verificationMaterial");
		material.putObject("certificate")
			.put("rawBytes", attestation.path("verification_material").path("certificate").stringValue());
		material.set("tlogEntries", attestation.path("verification_material").path("transparency_entries"));
		ObjectNode envelope = bundle.putObject("dsseEnvelope");
		envelope.put("payload", attestation.path("envelope").path("statement").stringValue());
		envelope.put("payloadType", IN_TOTO_PAYLOAD_TYPE);
		envelope.putArray("signatures")
			.addObject()
			.put("sig", attestation.path("envelope").path("signature").stringValue());
		try {
			return Bundle.from(new StringReader(JSON.writeValueAsString(bundle)));
		}
		catch (BundleParseException ex) {
			throw malformed(rootMessage(ex));
		}
		// sigstore-java's protobuf and certificate parsers throw unchecked exceptions on
		// hostile input (a certificate that is not DER, an unknown field): the uploader
		// gets a refusal with the reason, not a server error.
		catch (RuntimeException ex) {
			throw malformed(rootMessage(ex));
		}
	}

	/**
	 * sigstore-java's keyless verification: the certificate chain and its SCT, the log
	 * entry's signature, inclusion proof and checkpoint, the certificate's validity at
	 * the log's time, the DSSE signature, and that the log entry records this envelope.
	 */
	private void checkSignatures(Bundle bundle, Sha256 fileSha256) throws AttestationRefusedException {
		KeylessVerifier keyless = verifier();
		try {
			keyless.verify(fileSha256.bytes(), bundle, VerificationOptions.empty());
		}
		catch (KeylessVerificationException ex) {
			String message = ex.getMessage();
			throw new AttestationRefusedException(classify(message), "The attestation's signature does not verify: "
					+ message.lines().findFirst().orElse(message) + explain(classify(message)), ex);
		}
		// As in toBundle: a hostile certificate or log body reaches parsers that throw
		// unchecked exceptions.
		catch (RuntimeException ex) {
			throw new AttestationRefusedException(Reason.MALFORMED,
					"The attestation could not be verified: " + rootMessage(ex), ex);
		}
	}

	/**
	 * sigstore-java says what failed in its message only (one exception type); its
	 * wording is stable across its 1.x releases and the fallback is the signature.
	 */
	private static Reason classify(String message) {
		if (message.startsWith("Fulcio certificate")) {
			return Reason.UNTRUSTED_CERTIFICATE;
		}
		if (message.startsWith("Signing time")) {
			return Reason.CERTIFICATE_TIME;
		}
		if (message.contains("log entry") || message.contains("Rekor") || message.contains("tlog")
				|| message.contains("rekor")) {
			return Reason.TRANSPARENCY_LOG;
		}
		if (message.contains("subject")) {
			return Reason.SUBJECT_MISMATCH;
		}
		return Reason.INVALID_SIGNATURE;
	}

	private static String explain(Reason reason) {
		return switch (reason) {
			case UNTRUSTED_CERTIFICATE -> " (its certificate is not issued by the trusted root's Fulcio CA)";
			case TRANSPARENCY_LOG ->
				" (its transparency log entry is not from a trusted Rekor log, or does not" + " record this signature)";
			case CERTIFICATE_TIME -> " (the certificate was not valid when the log recorded the signature)";
			case INVALID_SIGNATURE -> " (the DSSE signature over the statement is not made by the certificate's key)";
			default -> "";
		};
	}

	/**
	 * The certificate must be GitHub Actions' (its OIDC issuer), for the expected
	 * repository (Fulcio's source repository URI) and, when one is expected, workflow
	 * file (its build config URI: the workflow that ran, not a reusable one it called).
	 */
	private static Publisher checkPublisher(X509Certificate leaf, Publisher expected)
			throws AttestationRefusedException {
		String issuer = extension(leaf, OID_ISSUER);
		if (issuer == null) {
			issuer = rawExtension(leaf, OID_ISSUER_V1);
		}
		if (!GITHUB_ACTIONS_ISSUER.equals(issuer)) {
			throw new AttestationRefusedException(Reason.NOT_GITHUB_ACTIONS,
					"The attestation's certificate names " + identity(leaf) + " (issuer " + issuer
							+ "), not a GitHub Actions workflow: only " + expected
							+ ", the project's trusted publisher, may sign its files");
		}
		String repositoryUrl = extension(leaf, OID_SOURCE_REPOSITORY_URI);
		String buildConfig = extension(leaf, OID_BUILD_CONFIG_URI);
		if (repositoryUrl == null || buildConfig == null) {
			throw new AttestationRefusedException(Reason.NOT_GITHUB_ACTIONS, "The attestation's certificate ("
					+ identity(leaf) + ") does not name the repository and workflow that signed it");
		}
		if (!repositoryUrl.equalsIgnoreCase(expected.repositoryUrl())) {
			throw new AttestationRefusedException(Reason.PUBLISHER_MISMATCH,
					"The attestation's certificate names a workflow of " + repositoryUrl + " (" + identity(leaf)
							+ "), not of " + expected.repositoryUrl() + ", the project's trusted publisher");
		}
		String prefix = repositoryUrl + "/.github/workflows/";
		int at = buildConfig.indexOf('@');
		if (!buildConfig.regionMatches(true, 0, prefix, 0, prefix.length()) || at < prefix.length()) {
			throw new AttestationRefusedException(Reason.PUBLISHER_MISMATCH,
					"The attestation's workflow " + buildConfig + " is not a workflow of " + expected.repository());
		}
		String workflow = buildConfig.substring(prefix.length(), at);
		if (expected.workflow() != null && !expected.workflow().equals(workflow)) {
			throw new AttestationRefusedException(Reason.PUBLISHER_MISMATCH,
					"The attestation's certificate names the workflow " + workflow + " of " + expected.repository()
							+ ", not " + expected.workflow() + ", the workflow the project's config names");
		}
		try {
			return Publisher.gitHub(repositoryUrl.substring("https://github.com/".length()), workflow,
					expected.environment());
		}
		catch (IllegalArgumentException ex) {
			throw new AttestationRefusedException(Reason.PUBLISHER_MISMATCH, "The attestation's workflow " + buildConfig
					+ " is not a workflow file of " + expected.repository());
		}
	}

	/**
	 * The certificate's repository and owner ids (Fulcio's Source Repository Identifier
	 * and Source Repository Owner Identifier, GitHub's {@code repository_id} and
	 * {@code repository_owner_id}) must be those the project is bound to: its name alone
	 * passes to whoever re-creates the repository or receives it.
	 */
	private static void checkRepositoryIds(X509Certificate leaf, Publisher expected, RepositoryIds bound)
			throws AttestationRefusedException {
		String repositoryId = extension(leaf, OID_SOURCE_REPOSITORY_ID);
		String ownerId = extension(leaf, OID_SOURCE_REPOSITORY_OWNER_ID);
		if (repositoryId == null || ownerId == null) {
			throw new AttestationRefusedException(Reason.REPOSITORY_IDS_MISMATCH,
					"The attestation's certificate (" + identity(leaf) + ") does not carry GitHub's ids of "
							+ expected.repository() + ", so it cannot show that the repository is the one the project"
							+ " was bound to (" + bound + ")");
		}
		RepositoryIds signed = new RepositoryIds(id(repositoryId, OID_SOURCE_REPOSITORY_ID),
				id(ownerId, OID_SOURCE_REPOSITORY_OWNER_ID));
		if (!signed.equals(bound)) {
			// The cause first, in the words of the OIDC upload's refusal.
			throw new AttestationRefusedException(Reason.REPOSITORY_IDS_MISMATCH,
					"The repository " + expected.repository() + " was re-created or transferred: the attestation's"
							+ " certificate carries its GitHub ids (" + signed + "), not those the project was bound"
							+ " to (" + bound + "). To trust it, opt the project out and in again (docs/maintainers.md,"
							+ " trusted publishing)");
		}
	}

	private static long id(String value, String oid) throws AttestationRefusedException {
		if (!value.matches("[1-9][0-9]{0,17}")) {
			throw malformed("its certificate's extension " + oid + " is not a GitHub id");
		}
		return Long.parseLong(value);
	}

	/** A Fulcio extension whose value is a DER string (issuer v2 and later OIDs). */
	private static String extension(X509Certificate certificate, String oid) throws AttestationRefusedException {
		byte[] value = certificate.getExtensionValue(oid);
		if (value == null) {
			return null;
		}
		try {
			ASN1Primitive inner = ASN1Primitive.fromByteArray(ASN1OctetString.getInstance(value).getOctets());
			if (inner instanceof ASN1String string) {
				return string.getString();
			}
		}
		catch (IOException | IllegalArgumentException ex) {
			// Falls through to the refusal below.
		}
		throw malformed("its certificate's extension " + oid + " is not a string");
	}

	/** Fulcio's first extensions hold the raw UTF-8 bytes, not a DER string. */
	private static String rawExtension(X509Certificate certificate, String oid) {
		byte[] value = certificate.getExtensionValue(oid);
		return (value != null) ? new String(ASN1OctetString.getInstance(value).getOctets(), StandardCharsets.UTF_8)
				: null;
	}

	/** The certificate's identity: its SAN (a URI for a workflow, an e-mail address). */
	private static String identity(X509Certificate certificate) {
		try {
			Collection<List<?>> names = certificate.getSubjectAlternativeNames();
			if (names != null) {
				for (List<?> name : names) {
					if (name.size() == 2 && name.get(1) instanceof String value) {
						return value;
					}
				}
			}
		}
		catch (CertificateParsingException ex) {
			logger.debug("Unreadable SAN in {}: {}", certificate.getSubjectX500Principal(), ex.getMessage());
		}
		return "a certificate without an identity";
	}

	private synchronized KeylessVerifier verifier() throws AttestationRefusedException {
		if (this.verifier == null || (this.fromTuf && this.clock.instant().isAfter(this.loadedAt.plus(TUF_REFRESH)))) {
			this.verifier = load();
			this.loadedAt = this.clock.instant();
		}
		return this.verifier;
	}

	private KeylessVerifier load() throws AttestationRefusedException {
		try {
			SigstoreTrustedRoot root = this.trustedRoot.get();
			if (root.getCAs().isEmpty() || root.getTLogs().isEmpty()) {
				throw new AttestationRefusedException(Reason.TRUSTED_ROOT_UNAVAILABLE,
						"The Sigstore trusted root names no certificate authority or no transparency log");
			}
			return KeylessVerifier.builder().trustedRootProvider(() -> root).build();
		}
		catch (IOException | GeneralSecurityException ex) {
			logger.warn("Could not read the Sigstore trusted root{}: {}",
					this.fromTuf ? " from its TUF repository" : "", rootMessage(ex));
			throw new AttestationRefusedException(Reason.TRUSTED_ROOT_UNAVAILABLE,
					"The Sigstore trusted root could not be read (" + rootMessage(ex) + "); try again later", ex);
		}
		// Protobuf's JSON parser throws unchecked exceptions for a file that is not a
		// trusted root; TUF's client for metadata it refuses.
		catch (RuntimeException ex) {
			throw new AttestationRefusedException(Reason.TRUSTED_ROOT_UNAVAILABLE,
					"The Sigstore trusted root could not be read (" + rootMessage(ex) + ")", ex);
		}
	}

	private static AttestationRefusedException malformed(String why) {
		return new AttestationRefusedException(Reason.MALFORMED,
				"The attestation is not a PEP 740 attestation" + " object: " + why);
	}

	private static String rootMessage(Throwable ex) {
		Throwable root = ex;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		return (root.getMessage() != null) ? root.getMessage() : root.getClass().getSimpleName();
	}

}

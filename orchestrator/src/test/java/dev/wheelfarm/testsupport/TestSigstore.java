package dev.wheelfarm.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

import dev.sigstore.encryption.certificates.transparency.CertificateEntry;
import dev.sigstore.encryption.certificates.transparency.DigitallySigned;
import dev.sigstore.encryption.certificates.transparency.SerializationException;
import dev.sigstore.encryption.certificates.transparency.SignedCertificateTimestamp;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.erdtman.jcs.JsonCanonicalizer;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Sigstore on this machine, for the farm's own signing path: a CA standing in for Fulcio
 * (short-lived certificates carrying GitHub Actions' workflow identity as Fulcio writes
 * it: the SAN URI and the 1.3.6.1.4.1.57264.1.* extensions, with an embedded SCT from a
 * CT log key of its own), and a log key standing in for Rekor (a DSSE entry with its
 * signed entry timestamp, an inclusion proof and a signed checkpoint). It writes the
 * {@code trusted_root.json} that names them, and signs in-toto statements into Sigstore
 * bundles, the way {@code cosign attest-blob --new-bundle-format} does on a runner. The
 * farm's real verifier (sigstore-java) checks what it makes; nothing here is trusted by
 * the code under test except through that root file.
 */
public final class TestSigstore {

	/** GitHub Actions' OIDC issuer, as Fulcio records it in its certificates. */
	public static final String GITHUB_ISSUER = "https://token.actions.githubusercontent.com";

	private static final String LOG_ORIGIN = "rekor.stand-in.test";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final Base64.Encoder B64 = Base64.getEncoder();

	private final KeyPair fulcio = ecKeys();

	private final KeyPair ctLog = ecKeys();

	private final KeyPair rekor = ecKeys();

	private final X509Certificate fulcioRoot;

	private final Instant since = Instant.now().minus(Duration.ofDays(1));

	private final AtomicLong logIndex = new AtomicLong(7_000);

	private final AtomicLong serials = new AtomicLong(1);

	public TestSigstore() {
		try {
			X500Name name = new X500Name("O=wheelfarm-test,CN=fulcio-stand-in");
			X509v3CertificateBuilder root = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(1000),
					Date.from(this.since), Date.from(this.since.plus(Duration.ofDays(3650))), name,
					this.fulcio.getPublic());
			JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
			root.addExtension(Extension.basicConstraints, true, new BasicConstraints(1));
			root.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
			root.addExtension(Extension.subjectKeyIdentifier, false,
					utils.createSubjectKeyIdentifier(this.fulcio.getPublic()));
			this.fulcioRoot = new JcaX509CertificateConverter().getCertificate(
					root.build(new JcaContentSignerBuilder("SHA256withECDSA").build(this.fulcio.getPrivate())));
		}
		catch (GeneralSecurityException | IOException | org.bouncycastle.operator.OperatorCreationException ex) {
			throw new IllegalStateException("cannot make the Fulcio stand-in's CA", ex);
		}
	}

	/**
	 * A GitHub Actions workflow run's identity, as Fulcio reads it from the run's OIDC
	 * token.
	 *
	 * @param repository {@code owner/name}
	 * @param workflowFile the workflow's file name under {@code .github/workflows/}
	 * @param ref the ref it ran from, e.g. {@code refs/heads/main}
	 * @param repositoryId GitHub's id of the repository ({@code repository_id})
	 * @param ownerId GitHub's id of its owner ({@code repository_owner_id})
	 */
	public record Identity(String repository, String workflowFile, String ref, long repositoryId, long ownerId) {

		/**
		 * A run of {@code repository}, with ids derived from its name: the same for the
		 * same name, as GitHub's are for one repository that is not re-created.
		 */
		public Identity(String repository, String workflowFile, String ref) {
			this(repository, workflowFile, ref, Math.floorMod(repository.hashCode(), 1_000_000_000L) + 1,
					Math.floorMod(repository.split("/")[0].hashCode(), 1_000_000_000L) + 1);
		}

		/** The SAN URI and build config URI Fulcio writes. */
		public String workflowUri() {
			return "https://github.com/" + this.repository + "/.github/workflows/" + this.workflowFile + "@" + this.ref;
		}

	}

	/** Writes the trusted root naming this CA, CT log and transparency log. */
	public Path writeTrustedRoot(Path file) {
		ObjectNode root = JSON.createObjectNode();
		root.put("mediaType", "application/vnd.dev.sigstore.trustedroot+json;version=0.1");
		root.putArray("tlogs").add(log("https://rekor.stand-in.test", this.rekor));
		ObjectNode ca = root.putArray("certificateAuthorities").addObject();
		ca.putObject("subject").put("organization", "wheelfarm-test").put("commonName", "fulcio-stand-in");
		ca.put("uri", "https://fulcio.stand-in.test");
		ca.putObject("certChain").putArray("certificates").addObject().put("rawBytes", B64.encodeToString(encoded()));
		ca.putObject("validFor").put("start", this.since.toString());
		root.putArray("ctlogs").add(log("https://ctfe.stand-in.test", this.ctLog));
		root.putArray("timestampAuthorities");
		try {
			Files.createDirectories(file.toAbsolutePath().getParent());
			Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return file;
	}

	private ObjectNode log(String url, KeyPair key) {
		ObjectNode log = JSON.createObjectNode();
		log.put("baseUrl", url);
		log.put("hashAlgorithm", "SHA2_256");
		log.putObject("publicKey")
			.put("rawBytes", B64.encodeToString(key.getPublic().getEncoded()))
			.put("keyDetails", "PKIX_ECDSA_P256_SHA_256")
			.putObject("validFor")
			.put("start", this.since.toString());
		log.putObject("logId").put("keyId", B64.encodeToString(sha256(key.getPublic().getEncoded())));
		return log;
	}

	/**
	 * Signs an in-toto statement as {@code identity}: a fresh key, a Fulcio certificate
	 * for it, the DSSE signature, and a Rekor entry recording it.
	 * @return the Sigstore bundle (v0.3, JSON), as {@code cosign attest-blob} writes it
	 */
	public String bundle(byte[] statement, Identity identity) {
		try {
			KeyPair signer = ecKeys();
			Instant now = Instant.now();
			X509Certificate leaf = leaf(signer, identity, now);
			String payloadType = "application/vnd.in-toto+json";
			byte[] signature = sign(signer.getPrivate(), pae(payloadType, statement));
			ObjectNode bundle = JSON.createObjectNode();
			bundle.put("mediaType", "application/vnd.dev.sigstore.bundle.v0.3+json");
			ObjectNode material = bundle.putObject("verificationMaterial");
			material.putObject("certificate").put("rawBytes", B64.encodeToString(leaf.getEncoded()));
			material.putArray("tlogEntries").add(logEntry(statement, payloadType, signature, leaf, now));
			ObjectNode envelope = bundle.putObject("dsseEnvelope");
			envelope.put("payload", B64.encodeToString(statement)).put("payloadType", payloadType);
			envelope.putArray("signatures").addObject().put("sig", B64.encodeToString(signature));
			return JSON.writeValueAsString(bundle);
		}
		catch (GeneralSecurityException | IOException | org.bouncycastle.operator.OperatorCreationException
				| SerializationException ex) {
			throw new IllegalStateException("cannot sign as " + identity, ex);
		}
	}

	/**
	 * A PEP 740 attestation object of {@code filename} with {@code sha256}, signed as
	 * {@code identity} (the publish predicate, as pypi-attestations makes it).
	 */
	public String attestation(String filename, String sha256, Identity identity) {
		ObjectNode statement = JSON.createObjectNode();
		statement.put("_type", "https://in-toto.io/Statement/v1");
		statement.putArray("subject").addObject().put("name", filename).putObject("digest").put("sha256", sha256);
		statement.put("predicateType", "https://docs.pypi.org/attestations/publish/v1");
		statement.putObject("predicate");
		ObjectNode bundle = (ObjectNode) JSON.readTree(bundle(JSON.writeValueAsBytes(statement), identity));
		ObjectNode attestation = JSON.createObjectNode();
		attestation.put("version", 1);
		ObjectNode material = attestation.putObject("verification_material");
		material.put("certificate",
				bundle.path("verificationMaterial").path("certificate").path("rawBytes").stringValue());
		material.set("transparency_entries", bundle.path("verificationMaterial").path("tlogEntries"));
		attestation.putObject("envelope")
			.put("statement", bundle.path("dsseEnvelope").path("payload").stringValue())
			.put("signature", bundle.path("dsseEnvelope").path("signatures").path(0).path("sig").stringValue());
		return JSON.writeValueAsString(attestation);
	}

	/**
	 * Fulcio's certificate: ten minutes, no subject, the workflow as the critical SAN,
	 * the GitHub extensions, and an SCT embedded as a precertificate's (RFC 6962 §3.3).
	 */
	private X509Certificate leaf(KeyPair signer, Identity identity, Instant now) throws GeneralSecurityException,
			IOException, org.bouncycastle.operator.OperatorCreationException, SerializationException {
		BigInteger serial = BigInteger.valueOf(this.serials.incrementAndGet());
		Date notBefore = Date.from(now.minusSeconds(5));
		Date notAfter = Date.from(now.plus(Duration.ofMinutes(10)));
		X509v3CertificateBuilder precert = leafBuilder(signer, identity, serial, notBefore, notAfter);
		X509Certificate withoutSct = certificate(precert);
		byte[] tbs = withoutSct.getTBSCertificate();
		byte[] issuerKeyHash = sha256(this.fulcio.getPublic().getEncoded());
		long timestamp = now.toEpochMilli();
		byte[] logId = sha256(this.ctLog.getPublic().getEncoded());
		SignedCertificateTimestamp unsigned = new SignedCertificateTimestamp(SignedCertificateTimestamp.Version.V1,
				logId, timestamp, new byte[0], null, SignedCertificateTimestamp.Origin.EMBEDDED);
		byte[] signed = unsigned.encodeTBS(CertificateEntry.createForPrecertificate(tbs, issuerKeyHash));
		byte[] sctSignature = sign(this.ctLog.getPrivate(), signed);
		// The TLS encoding of a SignedCertificateTimestampList holding the one SCT.
		ByteArrayOutputStream sct = new ByteArrayOutputStream();
		sct.write(0); // v1
		sct.write(logId);
		for (int shift = 56; shift >= 0; shift -= 8) {
			sct.write((int) (timestamp >>> shift));
		}
		sct.write(new byte[] { 0, 0 }); // no extensions
		sct.write(DigitallySigned.HashAlgorithm.SHA256.ordinal());
		sct.write(DigitallySigned.SignatureAlgorithm.ECDSA.ordinal());
		sct.write(sctSignature.length >>> 8);
		sct.write(sctSignature.length);
		sct.write(sctSignature);
		byte[] one = sct.toByteArray();
		ByteArrayOutputStream list = new ByteArrayOutputStream();
		list.write((one.length + 2) >>> 8);
		list.write(one.length + 2);
		list.write(one.length >>> 8);
		list.write(one.length);
		list.write(one);
		X509v3CertificateBuilder finalCert = leafBuilder(signer, identity, serial, notBefore, notAfter);
		finalCert.addExtension(new org.bouncycastle.asn1.ASN1ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2"), false,
				new DEROctetString(list.toByteArray()));
		return certificate(finalCert);
	}

	private X509v3CertificateBuilder leafBuilder(KeyPair signer, Identity identity, BigInteger serial, Date notBefore,
			Date notAfter) throws IOException, GeneralSecurityException {
		X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(this.fulcioRoot, serial, notBefore, notAfter,
				new X500Name(new org.bouncycastle.asn1.x500.RDN[0]), signer.getPublic());
		JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
		builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
		builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_codeSigning));
		builder.addExtension(Extension.subjectKeyIdentifier, false,
				utils.createSubjectKeyIdentifier(signer.getPublic()));
		builder.addExtension(Extension.authorityKeyIdentifier, false,
				utils.createAuthorityKeyIdentifier(this.fulcio.getPublic()));
		builder.addExtension(Extension.subjectAlternativeName, true,
				new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, identity.workflowUri())));
		Map<String, String> fulcio = new LinkedHashMap<>();
		fulcio.put("1.3.6.1.4.1.57264.1.8", GITHUB_ISSUER); // issuer (v2)
		fulcio.put("1.3.6.1.4.1.57264.1.9", identity.workflowUri()); // build signer URI
		fulcio.put("1.3.6.1.4.1.57264.1.12", "https://github.com/" + identity.repository()); // source
																								// repository
		fulcio.put("1.3.6.1.4.1.57264.1.14", identity.ref()); // source repository ref
		// Source Repository Identifier and Source Repository Owner Identifier: GitHub's
		// ids, as decimal strings.
		fulcio.put("1.3.6.1.4.1.57264.1.15", Long.toString(identity.repositoryId()));
		fulcio.put("1.3.6.1.4.1.57264.1.17", Long.toString(identity.ownerId()));
		fulcio.put("1.3.6.1.4.1.57264.1.18", identity.workflowUri()); // build config URI
		fulcio.put("1.3.6.1.4.1.57264.1.20", "workflow_dispatch"); // build trigger
		// The first issuer extension holds raw bytes, not a DER string (Fulcio's
		// oid-info).
		builder.addExtension(new org.bouncycastle.asn1.ASN1ObjectIdentifier("1.3.6.1.4.1.57264.1.1"), false,
				GITHUB_ISSUER.getBytes(StandardCharsets.UTF_8));
		for (Map.Entry<String, String> extension : fulcio.entrySet()) {
			builder.addExtension(new org.bouncycastle.asn1.ASN1ObjectIdentifier(extension.getKey()), false,
					new DERUTF8String(extension.getValue()));
		}
		return builder;
	}

	private X509Certificate certificate(X509v3CertificateBuilder builder)
			throws GeneralSecurityException, org.bouncycastle.operator.OperatorCreationException {
		return new JcaX509CertificateConverter().getCertificate(
				builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(this.fulcio.getPrivate())));
	}

	/**
	 * Rekor's DSSE entry (kind {@code dsse} 0.0.1) and the proof of it: the signed entry
	 * timestamp over the canonical {@code {body, integratedTime, logID, logIndex}}, an
	 * inclusion proof in a tree of one leaf, and the checkpoint (a signed note) of that
	 * tree.
	 */
	private ObjectNode logEntry(byte[] statement, String payloadType, byte[] signature, X509Certificate leaf,
			Instant now) throws GeneralSecurityException, IOException {
		ObjectNode envelope = JSON.createObjectNode();
		envelope.put("payload", B64.encodeToString(statement)).put("payloadType", payloadType);
		envelope.putArray("signatures").addObject().put("sig", B64.encodeToString(signature));
		String pem = "-----BEGIN CERTIFICATE-----\n"
				+ Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.UTF_8)).encodeToString(leaf.getEncoded())
				+ "\n-----END CERTIFICATE-----\n";
		ObjectNode body = JSON.createObjectNode();
		body.put("apiVersion", "0.0.1").put("kind", "dsse");
		ObjectNode spec = body.putObject("spec");
		spec.putObject("envelopeHash")
			.put("algorithm", "sha256")
			.put("value", hex(sha256(JSON.writeValueAsBytes(envelope))));
		spec.putObject("payloadHash").put("algorithm", "sha256").put("value", hex(sha256(statement)));
		ArrayNode signatures = spec.putArray("signatures");
		signatures.addObject()
			.put("signature", B64.encodeToString(signature))
			.put("verifier", B64.encodeToString(pem.getBytes(StandardCharsets.UTF_8)));
		byte[] bodyBytes = JSON.writeValueAsBytes(body);
		String bodyBase64 = B64.encodeToString(bodyBytes);
		long index = this.logIndex.incrementAndGet();
		long integrated = now.getEpochSecond();
		byte[] logId = sha256(this.rekor.getPublic().getEncoded());

		Map<String, Object> signable = new TreeMap<>();
		signable.put("body", bodyBase64);
		signable.put("integratedTime", integrated);
		signable.put("logID", hex(logId));
		signable.put("logIndex", index);
		byte[] set = sign(this.rekor.getPrivate(),
				new JsonCanonicalizer(JSON.writeValueAsString(signable)).getEncodedUTF8());

		byte[] leafHash = sha256(concat(new byte[] { 0 }, bodyBytes));
		String checkpointBody = LOG_ORIGIN + " - 4242\n1\n" + B64.encodeToString(leafHash) + "\n";
		byte[] checkpointSignature = sign(this.rekor.getPrivate(), checkpointBody.getBytes(StandardCharsets.UTF_8));
		byte[] keyHint = java.util.Arrays.copyOf(sha256(this.rekor.getPublic().getEncoded()), 4);
		String checkpoint = checkpointBody + "\n\u2014 " + LOG_ORIGIN + " "
				+ B64.encodeToString(concat(keyHint, checkpointSignature)) + "\n";

		ObjectNode entry = JSON.createObjectNode();
		entry.put("logIndex", Long.toString(index));
		entry.putObject("logId").put("keyId", B64.encodeToString(logId));
		entry.putObject("kindVersion").put("kind", "dsse").put("version", "0.0.1");
		entry.put("integratedTime", Long.toString(integrated));
		entry.putObject("inclusionPromise").put("signedEntryTimestamp", B64.encodeToString(set));
		ObjectNode proof = entry.putObject("inclusionProof");
		proof.put("logIndex", "0").put("rootHash", B64.encodeToString(leafHash)).put("treeSize", "1");
		proof.putArray("hashes");
		proof.putObject("checkpoint").put("envelope", checkpoint);
		entry.put("canonicalizedBody", bodyBase64);
		return entry;
	}

	/** DSSE's pre-authentication encoding: what the signature covers. */
	private static byte[] pae(String payloadType, byte[] payload) {
		byte[] type = payloadType.getBytes(StandardCharsets.UTF_8);
		return concat(("DSSEv1 " + type.length + " " + payloadType + " " + payload.length + " ")
			.getBytes(StandardCharsets.UTF_8), payload);
	}

	private byte[] encoded() {
		try {
			return this.fulcioRoot.getEncoded();
		}
		catch (java.security.cert.CertificateEncodingException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static byte[] sign(PrivateKey key, byte[] data) throws GeneralSecurityException {
		Signature signature = Signature.getInstance("SHA256withECDSA");
		signature.initSign(key);
		signature.update(data);
		return signature.sign();
	}

	private static KeyPair ecKeys() {
		try {
			KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
			generator.initialize(new ECGenParameterSpec("secp256r1"));
			return generator.generateKeyPair();
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static byte[] sha256(byte[] data) {
		try {
			return MessageDigest.getInstance("SHA-256").digest(data);
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static String hex(byte[] bytes) {
		return HexFormat.of().formatHex(bytes);
	}

	private static byte[] concat(byte[] first, byte[] second) {
		byte[] both = java.util.Arrays.copyOf(first, first.length + second.length);
		System.arraycopy(second, 0, both, first.length, second.length);
		return both;
	}

}

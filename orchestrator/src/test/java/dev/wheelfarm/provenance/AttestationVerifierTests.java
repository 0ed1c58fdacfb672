package dev.wheelfarm.provenance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;

import dev.wheelfarm.provenance.AttestationRefusedException.Reason;
import dev.wheelfarm.shared.Sha256;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

import static dev.wheelfarm.provenance.SigstoreFixtures.GITLAB;
import static dev.wheelfarm.provenance.SigstoreFixtures.PYPI_ATTESTATIONS;
import static dev.wheelfarm.provenance.SigstoreFixtures.PYPI_ATTESTATIONS_PUBLISHER;
import static dev.wheelfarm.provenance.SigstoreFixtures.RFC8785;
import static dev.wheelfarm.provenance.SigstoreFixtures.attestation;
import static dev.wheelfarm.provenance.SigstoreFixtures.attestationTree;
import static dev.wheelfarm.provenance.SigstoreFixtures.sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The verifier against real attestations recorded from PyPI's ecosystem and the
 * public-good trusted root, with no network: what a trusted publisher signed verifies,
 * and each way it can be wrong is refused with its own reason.
 */
class AttestationVerifierTests {

	private static final AttestationVerifier verifier = AttestationVerifier
		.forTrustedRoot(SigstoreFixtures.trustedRoot());

	@Test
	void aGitHubWorkflowAttestationVerifiesAgainstItsRepository() throws AttestationRefusedException {
		VerifiedAttestation verified = verifier.verify(PYPI_ATTESTATIONS, sha256(PYPI_ATTESTATIONS),
				attestation(PYPI_ATTESTATIONS), PYPI_ATTESTATIONS_PUBLISHER);

		assertThat(verified.sha256())
			.isEqualTo(Sha256.of("9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3"));
		assertThat(verified.predicateType()).isEqualTo("https://docs.pypi.org/attestations/publish/v1");
		// PyPI's own provenance object names this publisher for the file.
		assertThat(verified.publisher())
			.isEqualTo(Publisher.gitHub("trailofbits/pypi-attestations", "release.yml", null));
		assertThat(verified.signer()).isEqualTo(
				"https://github.com/trailofbits/pypi-attestations/.github/workflows/release.yml@refs/tags/v0.0.19");
		// Its certificate expired ten minutes after it was issued in December 2024:
		// it is checked at the log's time, as Sigstore specifies.
		assertThat(verified.integratedTime()).isEqualTo(Instant.ofEpochSecond(1733354041L));
		assertThat(SigstoreFixtures.JSON.readTree(verified.attestationJson()))
			.isEqualTo(SigstoreFixtures.JSON.readTree(attestation(PYPI_ATTESTATIONS)));
	}

	@Test
	void aNamedWorkflowMustBeTheOneThatSigned() throws AttestationRefusedException {
		Publisher release = Publisher.parse("github:trailofbits/pypi-attestations/release.yml");
		assertThat(
				verifier.verify(PYPI_ATTESTATIONS, sha256(PYPI_ATTESTATIONS), attestation(PYPI_ATTESTATIONS), release)
					.publisher()
					.workflow())
			.isEqualTo("release.yml");

		Publisher nightly = Publisher.parse("github:trailofbits/pypi-attestations/nightly.yml");
		assertRefused(PYPI_ATTESTATIONS, sha256(PYPI_ATTESTATIONS), attestation(PYPI_ATTESTATIONS), nightly,
				Reason.PUBLISHER_MISMATCH,
				"names the workflow release.yml of trailofbits/pypi-attestations, not nightly.yml");
	}

	@Test
	void aFileWithOneByteChangedIsRefused() {
		byte[] changed = SigstoreFixtures.file(PYPI_ATTESTATIONS);
		changed[changed.length / 2] ^= 1;
		assertRefused(PYPI_ATTESTATIONS, Sha256.digest(changed), attestation(PYPI_ATTESTATIONS),
				PYPI_ATTESTATIONS_PUBLISHER, Reason.SUBJECT_MISMATCH, "The attestation is for other bytes: it names"
						+ " sha256 '9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3', but");
	}

	@Test
	void anAttestationOfAnotherFileIsRefused() {
		assertRefused(RFC8785, sha256(PYPI_ATTESTATIONS), attestation(PYPI_ATTESTATIONS), PYPI_ATTESTATIONS_PUBLISHER,
				Reason.SUBJECT_MISMATCH,
				"The attestation is for 'pypi_attestations-0.0.19.tar.gz', not for rfc8785-0.1.2-py3-none-any.whl");
	}

	@Test
	void anotherProjectsPublisherIsRefused() {
		assertRefused(PYPI_ATTESTATIONS, sha256(PYPI_ATTESTATIONS), attestation(PYPI_ATTESTATIONS),
				Publisher.parse("github:example/other-project"), Reason.PUBLISHER_MISMATCH,
				"names a workflow of https://github.com/trailofbits/pypi-attestations"
						+ " (https://github.com/trailofbits/pypi-attestations/.github/workflows/release.yml@refs/tags/v0.0.19),"
						+ " not of https://github.com/example/other-project");
	}

	@Test
	void aSignatureSwappedInFromAnotherAttestationIsRefused() {
		ObjectNode swapped = attestationTree(PYPI_ATTESTATIONS);
		String otherSignature = attestationTree(RFC8785).path("envelope").path("signature").stringValue();
		((ObjectNode) swapped.path("envelope")).put("signature", otherSignature);

		assertRefused(PYPI_ATTESTATIONS, sha256(PYPI_ATTESTATIONS), swapped.toString(), PYPI_ATTESTATIONS_PUBLISHER,
				Reason.INVALID_SIGNATURE, "DSSE signature was not valid");
	}

	@Test
	void aStatementChangedAfterSigningIsRefused() {
		ObjectNode changed = attestationTree(PYPI_ATTESTATIONS);
		String statement = new String(
				Base64.getDecoder().decode(changed.path("envelope").path("statement").stringValue()),
				StandardCharsets.UTF_8);
		String forged = statement.replace("\"predicate\":null", "\"predicate\":{}");
		assertThat(forged).isNotEqualTo(statement);
		((ObjectNode) changed.path("envelope")).put("statement",
				Base64.getEncoder().encodeToString(forged.getBytes(StandardCharsets.UTF_8)));

		assertRefused(PYPI_ATTESTATIONS, sha256(PYPI_ATTESTATIONS), changed.toString(), PYPI_ATTESTATIONS_PUBLISHER,
				Reason.INVALID_SIGNATURE, "DSSE signature was not valid");
	}

	@Test
	void aLogEntryWithAnotherTimeIsRefused() {
		ObjectNode changed = attestationTree(PYPI_ATTESTATIONS);
		ObjectNode entry = (ObjectNode) changed.path("verification_material").path("transparency_entries").get(0);
		entry.put("integratedTime", "1733354042");

		assertRefused(PYPI_ATTESTATIONS, sha256(PYPI_ATTESTATIONS), changed.toString(), PYPI_ATTESTATIONS_PUBLISHER,
				Reason.TRANSPARENCY_LOG, "Rekor entry signature was not valid");
	}

	@Test
	void anEmailIdentityIsNotAGitHubPublisher() {
		assertRefused(RFC8785, sha256(RFC8785), attestation(RFC8785), Publisher.parse("github:trailofbits/rfc8785.py"),
				Reason.NOT_GITHUB_ACTIONS,
				"The attestation's certificate names william@yossarian.net (issuer https://github.com/login/oauth),"
						+ " not a GitHub Actions workflow");
	}

	@Test
	void aGitLabIdentityIsNotAGitHubPublisher() {
		assertRefused(GITLAB, sha256(GITLAB), attestation(GITLAB),
				Publisher.parse("github:facutuesca/gitlab-oidc-project"), Reason.NOT_GITHUB_ACTIONS,
				"The attestation's certificate names"
						+ " https://gitlab.com/facutuesca/gitlab-oidc-project//.gitlab-ci.yml@refs/heads/main (issuer"
						+ " https://gitlab.com), not a GitHub Actions workflow");
	}

	@Test
	void aCertificateFromAnotherCaIsRefused(@TempDir Path directory) throws IOException {
		// The public-good root with its Fulcio CAs replaced by the CT log's key holder's
		// chain is still a valid root, but no longer the issuer of this certificate.
		ObjectNode root = (ObjectNode) SigstoreFixtures.JSON.readTree(Files.readString(SigstoreFixtures.trustedRoot()));
		ObjectNode ca = (ObjectNode) root.path("certificateAuthorities").get(0);
		root.putArray("certificateAuthorities").add(ca);
		Path otherRoot = directory.resolve("trusted_root.json");
		Files.writeString(otherRoot, root.toString());
		AttestationVerifier other = AttestationVerifier.forTrustedRoot(otherRoot);

		AttestationRefusedException refused = refused(other, PYPI_ATTESTATIONS, sha256(PYPI_ATTESTATIONS),
				attestation(PYPI_ATTESTATIONS), PYPI_ATTESTATIONS_PUBLISHER);
		assertThat(refused.reason()).isEqualTo(Reason.UNTRUSTED_CERTIFICATE);
		assertThat(refused.getMessage()).contains("Fulcio certificate was not valid");
	}

	@Test
	void whatIsNotAnAttestationObjectIsRefusedAsMalformed() {
		Sha256 digest = sha256(PYPI_ATTESTATIONS);
		assertRefused(PYPI_ATTESTATIONS, digest, "[1, 2", PYPI_ATTESTATIONS_PUBLISHER, Reason.MALFORMED,
				"not a PEP 740 attestation object: it is not JSON");
		ObjectNode version2 = attestationTree(PYPI_ATTESTATIONS).put("version", 2);
		assertRefused(PYPI_ATTESTATIONS, digest, version2.toString(), PYPI_ATTESTATIONS_PUBLISHER, Reason.MALFORMED,
				"its version is not 1");
		ObjectNode badCertificate = attestationTree(PYPI_ATTESTATIONS);
		((ObjectNode) badCertificate.path("verification_material")).put("certificate", "bm90IGEgY2VydGlmaWNhdGU=");
		assertRefused(PYPI_ATTESTATIONS, digest, badCertificate.toString(), PYPI_ATTESTATIONS_PUBLISHER,
				Reason.MALFORMED, "The attestation is not a PEP 740 attestation object");
	}

	@Test
	void aFileThatIsNotATrustedRootIsRefusedAtOnce(@TempDir Path directory) throws IOException {
		Path notARoot = Files.writeString(directory.resolve("root.json"), "{\"mediaType\": 3}");
		assertThatIllegalArgumentException().isThrownBy(() -> AttestationVerifier.forTrustedRoot(notARoot))
			.withMessageContaining("is not a Sigstore trusted root");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> AttestationVerifier.forTrustedRoot(directory.resolve("missing.json")))
			.withMessageContaining("cannot read");
	}

	@Test
	void publishersAreSpelledAsOnTheCommandLine() {
		assertThat(Publisher.parse("github:o/r")).isEqualTo(Publisher.gitHub("o/r", null, null));
		assertThat(Publisher.parse("github:o/r/release.yaml")).isEqualTo(Publisher.gitHub("o/r", "release.yaml", null))
			.hasToString("github:o/r/release.yaml");
		assertThatIllegalArgumentException().isThrownBy(() -> Publisher.parse("gitlab:o/r"));
		assertThatIllegalArgumentException().isThrownBy(() -> Publisher.parse("github:o"));
		assertThatIllegalArgumentException().isThrownBy(() -> Publisher.parse("github:o/r/sub/dir.yml"));
		assertThatIllegalArgumentException().isThrownBy(() -> Publisher.parse("github:o/r/run.sh"));
	}

	private static void assertRefused(String filename, Sha256 sha256, String attestation, Publisher publisher,
			Reason reason, String message) {
		AttestationRefusedException refused = refused(verifier, filename, sha256, attestation, publisher);
		assertThat(refused.reason()).as(refused.getMessage()).isEqualTo(reason);
		assertThat(refused.getMessage()).contains(message);
	}

	private static AttestationRefusedException refused(AttestationVerifier verifier, String filename, Sha256 sha256,
			String attestation, Publisher publisher) {
		return assertThatExceptionOfType(AttestationRefusedException.class)
			.isThrownBy(() -> verifier.verify(filename, sha256, attestation, publisher))
			.actual();
	}

}

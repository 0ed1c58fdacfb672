package dev.wheelfarm.provenance;

import java.nio.file.Path;

import dev.wheelfarm.provenance.AttestationRefusedException.Reason;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.testsupport.TestSigstore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The tests' own Sigstore (a Fulcio CA, a CT log and a Rekor key made here) against the
 * farm's real verifier: what it signs as the farm's build workflow verifies; the same
 * signing as another repository or workflow, or by a CA the root does not name, does not.
 * The end-to-end tests rely on this stand-in; this is where it is shown to be one
 * sigstore-java accepts.
 */
class TestTrustRootTest {

	static final String FILE = "octo_pkg-2.0-py3-none-any.whl";

	static final Sha256 SHA256 = Sha256.digest("the wheel's bytes".getBytes());

	static final TestSigstore.Identity FARM = new TestSigstore.Identity("farm-org/wheelfarm-builds",
			"wheelfarm-build.yml", "refs/heads/main");

	static final Publisher EXPECTED = Publisher.gitHub("farm-org/wheelfarm-builds", "wheelfarm-build.yml", null);

	static TestSigstore sigstore;

	static AttestationVerifier verifier;

	@BeforeAll
	static void root(@TempDir Path dir) {
		sigstore = new TestSigstore();
		verifier = AttestationVerifier.forTrustedRoot(sigstore.writeTrustedRoot(dir.resolve("trusted_root.json")));
	}

	@Test
	void anAttestationOfTheFarmsWorkflowVerifies() throws Exception {
		VerifiedAttestation verified = verifier.verify(FILE, SHA256, sigstore.attestation(FILE, SHA256.hex(), FARM),
				EXPECTED);
		assertThat(verified.publisher().repository()).isEqualTo("farm-org/wheelfarm-builds");
		assertThat(verified.publisher().workflow()).isEqualTo("wheelfarm-build.yml");
		assertThat(verified.signer()).isEqualTo(
				"https://github.com/farm-org/wheelfarm-builds/.github/workflows/wheelfarm-build.yml@refs/heads/main");
	}

	@Test
	void anotherRepositoryOrWorkflowIsRefused() {
		String otherRepository = sigstore.attestation(FILE, SHA256.hex(),
				new TestSigstore.Identity("mallory/wheelfarm-builds", "wheelfarm-build.yml", "refs/heads/main"));
		assertThatExceptionOfType(AttestationRefusedException.class)
			.isThrownBy(() -> verifier.verify(FILE, SHA256, otherRepository, EXPECTED))
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(Reason.PUBLISHER_MISMATCH));
		String otherWorkflow = sigstore.attestation(FILE, SHA256.hex(),
				new TestSigstore.Identity("farm-org/wheelfarm-builds", "other.yml", "refs/heads/main"));
		assertThatExceptionOfType(AttestationRefusedException.class)
			.isThrownBy(() -> verifier.verify(FILE, SHA256, otherWorkflow, EXPECTED))
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(Reason.PUBLISHER_MISMATCH));
	}

	@Test
	void aProjectBoundToItsRepositorysIdsAcceptsOnlyACertificateCarryingThem() throws Exception {
		RepositoryIds bound = new RepositoryIds(FARM.repositoryId(), FARM.ownerId());
		VerifiedAttestation verified = verifier.verify(FILE, SHA256, sigstore.attestation(FILE, SHA256.hex(), FARM),
				EXPECTED, bound);
		assertThat(verified.publisher().repository()).isEqualTo("farm-org/wheelfarm-builds");

		// The same owner/name, re-created (a new repository id) or moved to another
		// owner and back under the name (a new owner id): Fulcio signs it as before.
		for (TestSigstore.Identity impostor : new TestSigstore.Identity[] {
				new TestSigstore.Identity(FARM.repository(), FARM.workflowFile(), FARM.ref(), 90_001, FARM.ownerId()),
				new TestSigstore.Identity(FARM.repository(), FARM.workflowFile(), FARM.ref(), FARM.repositoryId(),
						90_002) }) {
			String recreated = sigstore.attestation(FILE, SHA256.hex(), impostor);
			assertThat(verifier.verify(FILE, SHA256, recreated, EXPECTED).publisher())
				.as("without a binding, the name is all there is to check")
				.isEqualTo(verified.publisher());
			assertThatExceptionOfType(AttestationRefusedException.class)
				.isThrownBy(() -> verifier.verify(FILE, SHA256, recreated, EXPECTED, bound))
				.satisfies((ex) -> assertThat(ex.reason().code()).isEqualTo("repository_ids_mismatch"))
				.withMessageStartingWith("The repository farm-org/wheelfarm-builds was re-created or transferred:")
				.withMessageContaining("(repository " + impostor.repositoryId() + ", owner " + impostor.ownerId()
						+ "), not those the project was bound to (repository " + FARM.repositoryId() + ", owner "
						+ FARM.ownerId() + ")");
		}
	}

	@Test
	void aSignatureFromACaTheRootDoesNotNameIsRefused() {
		String forged = new TestSigstore().attestation(FILE, SHA256.hex(), FARM);
		assertThatExceptionOfType(AttestationRefusedException.class)
			.isThrownBy(() -> verifier.verify(FILE, SHA256, forged, EXPECTED))
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(Reason.UNTRUSTED_CERTIFICATE));
	}

}

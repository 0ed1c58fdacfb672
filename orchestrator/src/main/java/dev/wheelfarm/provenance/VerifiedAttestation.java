package dev.wheelfarm.provenance;

import java.time.Instant;

import dev.wheelfarm.shared.Sha256;

/**
 * An attestation that passed every check.
 *
 * @param filename the file it attests
 * @param sha256 the file's digest (the statement's subject)
 * @param predicateType the statement's predicate type
 * @param publisher the publisher that signed, as PyPI's provenance objects name it: the
 * certificate's repository and workflow file, the expected publisher's environment
 * @param signer the certificate's identity (its SAN URI, e.g.
 * {@code https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1})
 * @param integratedTime when the transparency log included the signature: the signing
 * time the certificate was checked at
 * @param attestationJson the attestation object, compact JSON, as it is served again
 */
public record VerifiedAttestation(String filename, Sha256 sha256, String predicateType, Publisher publisher,
		String signer, Instant integratedTime, String attestationJson) {

}

package dev.wheelfarm.provenance;

import java.nio.file.Path;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * What PEP 740 attestations are checked against.
 *
 * @param trustedRoot a Sigstore {@code trusted_root.json} (Fulcio CAs, Rekor and CT log
 * keys); when unset, Sigstore's public-good root is read from its TUF repository when the
 * first attestation arrives, and again once a day
 */
@ConfigurationProperties("wheelfarm.provenance")
public record ProvenanceProperties(Path trustedRoot) {

}

package dev.wheelfarm.artifacts;

import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.shared.WheelFilename;

/**
 * A wheel that passed every check, with what the index needs from it.
 *
 * @param filename its parsed filename
 * @param sha256 the hash of its bytes
 * @param size its size in bytes
 * @param metadata its {@code METADATA} file, served as {@code <wheel>.metadata} (PEP 658)
 * @param requiresPython its {@code Requires-Python}, or {@code null}
 */
public record VerifiedWheel(WheelFilename filename, Sha256 sha256, long size, byte[] metadata, String requiresPython) {

	public Sha256 metadataSha256() {
		return Sha256.digest(this.metadata);
	}

}

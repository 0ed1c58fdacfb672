package dev.wheelfarm.artifacts;

import dev.wheelfarm.shared.Sha256;

/**
 * An sdist that passed every check.
 *
 * @param filename its PEP 625 filename
 * @param sha256 the hash of its bytes
 * @param size its size in bytes
 * @param requiresPython its {@code Requires-Python}, or {@code null}
 */
public record VerifiedSdist(String filename, Sha256 sha256, long size, String requiresPython) {

}

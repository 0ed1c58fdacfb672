package dev.wheelfarm.artifacts;

import java.io.IOException;

import dev.wheelfarm.shared.Sha256;

/**
 * Bytes handed to a {@link BlobStore} that do not hash to the name they were to be stored
 * under: they changed after they were verified, or a stored copy is damaged. Nothing is
 * stored.
 */
public class BlobHashMismatchException extends IOException {

	public BlobHashMismatchException(Sha256 actual, Sha256 expected) {
		super("the bytes hash to " + actual.hex() + ", not " + expected.hex());
	}

}

package dev.wheelfarm.dispatch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import dev.wheelfarm.builds.BuildSucceeded.BuiltWheel;
import dev.wheelfarm.builds.FailureClass;
import dev.wheelfarm.provenance.AttestationRefusedException;
import dev.wheelfarm.provenance.AttestationVerifier;
import dev.wheelfarm.provenance.Publisher;
import dev.wheelfarm.provenance.VerifiedAttestation;

/**
 * The check an attesting engine's wheels pass before they are published: each wheel has
 * its PEP 740 attestation beside it ({@code <wheel>.publish.attestation}, the name
 * pypi-attestations gives it), and it verifies (sigstore-java, the configured trusted
 * root) as signed by the engine's own workflow for exactly these bytes.
 */
public class WheelAttestations {

	/** What follows a wheel's filename in its attestation's. */
	public static final String SUFFIX = ".publish.attestation";

	// An attestation is a few kilobytes; anything far larger is not one.
	private static final long MAX_SIZE = 1024 * 1024;

	private final AttestationVerifier verifier;

	public WheelAttestations(AttestationVerifier verifier) {
		this.verifier = verifier;
	}

	/**
	 * @return the verified attestation of every wheel, in the wheels' order
	 * @throws RefusedException naming the first wheel whose attestation is missing or
	 * wrong, with the failure class the build records
	 */
	public List<VerifiedAttestation> verify(List<BuiltWheel> wheels, Path directory, Publisher signer)
			throws RefusedException {
		List<VerifiedAttestation> verified = new ArrayList<>();
		for (BuiltWheel wheel : wheels) {
			Path attestation = locate(directory, wheel.filename() + SUFFIX);
			String json;
			try {
				if (Files.size(attestation) > MAX_SIZE) {
					throw new RefusedException(FailureClass.ATTESTATION_INVALID,
							wheel.filename() + SUFFIX + " is larger than " + MAX_SIZE + " bytes");
				}
				json = Files.readString(attestation, StandardCharsets.UTF_8);
			}
			catch (IOException ex) {
				throw new RefusedException(FailureClass.ATTESTATION_MISSING,
						"cannot read the attestation of " + wheel.filename() + ": " + ex.getMessage());
			}
			try {
				verified.add(this.verifier.verify(wheel.filename(), wheel.sha256(), json, signer));
			}
			catch (AttestationRefusedException ex) {
				throw new RefusedException(FailureClass.ATTESTATION_INVALID,
						wheel.filename() + " (" + ex.reason().code() + "): " + ex.getMessage());
			}
		}
		return verified;
	}

	private static Path locate(Path directory, String name) throws RefusedException {
		try (Stream<Path> files = Files.walk(directory)) {
			List<Path> matches = files.filter((path) -> path.getFileName().toString().equals(name))
				.filter((path) -> Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS))
				.toList();
			if (matches.size() != 1) {
				throw new RefusedException(FailureClass.ATTESTATION_MISSING, matches.isEmpty()
						? "the run shipped no attestation of " + name.substring(0, name.length() - SUFFIX.length())
								+ " (" + name + "): the build workflow signs every wheel it publishes"
						: name + " appears more than once");
			}
			return matches.get(0);
		}
		catch (IOException ex) {
			throw new RefusedException(FailureClass.ATTESTATION_MISSING,
					"cannot list the run's outputs: " + ex.getMessage());
		}
	}

	/** A wheel's attestation is missing or does not verify. */
	public static class RefusedException extends Exception {

		private static final long serialVersionUID = 1L;

		private final transient FailureClass failureClass;

		RefusedException(FailureClass failureClass, String message) {
			super(message);
			this.failureClass = failureClass;
		}

		public FailureClass failureClass() {
			return this.failureClass;
		}

	}

}

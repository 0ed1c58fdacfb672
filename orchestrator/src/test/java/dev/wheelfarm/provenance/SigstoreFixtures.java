package dev.wheelfarm.provenance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.wheelfarm.shared.Sha256;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The recorded Sigstore material under {@code fixtures/sigstore/} (see the README there):
 * Sigstore's public-good trusted root and real PEP 740 attestations.
 */
public final class SigstoreFixtures {

	public static final String PYPI_ATTESTATIONS = "pypi_attestations-0.0.19.tar.gz";

	public static final String RFC8785 = "rfc8785-0.1.2-py3-none-any.whl";

	public static final String GITLAB = "gitlab_oidc_project-0.0.3.tar.gz";

	/**
	 * The repository that signed {@link #PYPI_ATTESTATIONS} (its certificate says so).
	 */
	public static final Publisher PYPI_ATTESTATIONS_PUBLISHER = Publisher.parse("github:trailofbits/pypi-attestations");

	static final JsonMapper JSON = JsonMapper.builder().build();

	private SigstoreFixtures() {
	}

	public static Path path(String name) {
		URL url = SigstoreFixtures.class.getResource("/fixtures/sigstore/" + name);
		if (url == null) {
			throw new IllegalArgumentException("No fixture fixtures/sigstore/" + name);
		}
		try {
			return Path.of(url.toURI());
		}
		catch (URISyntaxException ex) {
			throw new IllegalStateException(ex);
		}
	}

	public static Path trustedRoot() {
		return path("trusted_root.json");
	}

	public static byte[] file(String name) {
		try {
			return Files.readAllBytes(path(name));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	public static Sha256 sha256(String name) {
		return Sha256.digest(file(name));
	}

	/** The file's PEP 740 attestation object, as recorded. */
	public static String attestation(String name) {
		return new String(file(name + ".publish.attestation"), StandardCharsets.UTF_8);
	}

	/** The attestation as a tree, for tests that tamper with it. */
	static ObjectNode attestationTree(String name) {
		return (ObjectNode) JSON.readTree(attestation(name));
	}

}

package dev.wheelfarm.provenance;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import dev.wheelfarm.shared.Sha256;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code java -jar wheelfarm.jar verify-attestation [--trusted-root F] --publisher
 * github:OWNER/REPO[/WORKFLOW] FILE ATTESTATION}: checks a distribution file against a
 * PEP 740 attestation object, or against every attestation of a provenance object (what
 * the farm's and PyPI's {@code provenance} links serve), with the verification the farm
 * runs on uploads. Starts no farm: no database, no web server.
 *
 * <p>
 * Exit codes: {@value #OK} verified; {@value #REFUSED} an attestation does not verify
 * (the reason is printed); {@value #USAGE} bad arguments or unreadable files.
 */
public final class VerifyAttestationCommand {

	/** The first argument that selects this command instead of the farm. */
	public static final String NAME = "verify-attestation";

	public static final int OK = 0;

	public static final int REFUSED = 1;

	public static final int USAGE = 2;

	static final String USAGE_TEXT = """
			Usage: java -jar wheelfarm.jar verify-attestation [--trusted-root trusted_root.json]
			           --publisher github:OWNER/REPO[/WORKFLOW.yml] FILE ATTESTATION
			Verifies FILE (a wheel or sdist) against ATTESTATION: a PEP 740 attestation object, or a
			provenance object as an index's provenance link serves it (every attestation must verify).
			  --trusted-root  a Sigstore trusted_root.json (default: Sigstore's public-good root,
			                  read from its TUF repository, which needs the network)
			  --publisher     the GitHub repository (and workflow file) that must have signed
			Exit codes: 0 verified, 1 refused (the reason is printed), 2 usage.
			""";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private VerifyAttestationCommand() {
	}

	/**
	 * Runs the command.
	 * @param args the arguments after {@value #NAME}
	 * @return the exit code
	 */
	public static int run(String[] args, PrintStream out, PrintStream err) {
		Arguments arguments;
		try {
			arguments = Arguments.parse(args);
		}
		catch (IllegalArgumentException ex) {
			err.println(NAME + ": " + ex.getMessage());
			err.print(USAGE_TEXT);
			return USAGE;
		}
		if (arguments == null) {
			out.print(USAGE_TEXT);
			return OK;
		}
		Sha256 sha256;
		List<String> attestations;
		try (InputStream in = Files.newInputStream(arguments.file())) {
			sha256 = Sha256.digest(in);
			attestations = attestations(Files.readString(arguments.attestation(), StandardCharsets.UTF_8));
		}
		catch (IOException ex) {
			err.println(NAME + ": cannot read " + ex.getMessage());
			return USAGE;
		}
		AttestationVerifier verifier;
		try {
			verifier = (arguments.trustedRoot() != null) ? AttestationVerifier.forTrustedRoot(arguments.trustedRoot())
					: new AttestationVerifier(new ProvenanceProperties(null), Clock.systemUTC());
		}
		catch (IllegalArgumentException ex) {
			err.println(NAME + ": " + ex.getMessage());
			return USAGE;
		}
		String filename = arguments.file().getFileName().toString();
		for (String attestation : attestations) {
			try {
				VerifiedAttestation verified = verifier.verify(filename, sha256, attestation, arguments.publisher());
				out.println("OK " + filename + " (sha256 " + sha256.hex() + "): " + verified.predicateType()
						+ " signed by " + verified.publisher() + " as " + verified.signer() + ", logged "
						+ verified.integratedTime());
			}
			catch (AttestationRefusedException ex) {
				err.println("REFUSED " + filename + " [" + ex.reason().code() + "]: " + ex.getMessage());
				return REFUSED;
			}
		}
		return OK;
	}

	/**
	 * The attestation objects in a file: itself, or each one of a provenance object's
	 * bundles. Anything else is handed to the verifier as it is, to be refused with its
	 * reason.
	 */
	private static List<String> attestations(String text) {
		JsonNode node;
		try {
			node = JSON.readTree(text);
		}
		catch (JacksonException ex) {
			return List.of(text);
		}
		if (node == null || !node.has("attestation_bundles")) {
			return List.of(text);
		}
		List<String> attestations = new ArrayList<>();
		for (JsonNode bundle : node.path("attestation_bundles")) {
			for (JsonNode attestation : bundle.path("attestations")) {
				attestations.add(attestation.toString());
			}
		}
		// An empty provenance object proves nothing: refused by the verifier as not an
		// attestation.
		return attestations.isEmpty() ? List.of(text) : attestations;
	}

	/** The parsed command line; null for {@code --help}. */
	record Arguments(Path trustedRoot, Publisher publisher, Path file, Path attestation) {

		static Arguments parse(String[] args) {
			Path trustedRoot = null;
			Publisher publisher = null;
			List<Path> positional = new ArrayList<>();
			for (int i = 0; i < args.length; i++) {
				String arg = args[i];
				switch (arg) {
					case "--help", "-h" -> {
						return null;
					}
					case "--trusted-root" -> trustedRoot = Path.of(value(args, ++i, arg));
					case "--publisher" -> publisher = Publisher.parse(value(args, ++i, arg));
					default -> {
						if (arg.startsWith("--")) {
							throw new IllegalArgumentException("unknown option " + arg);
						}
						positional.add(Path.of(arg));
					}
				}
			}
			if (publisher == null) {
				throw new IllegalArgumentException("--publisher is required");
			}
			if (positional.size() != 2) {
				throw new IllegalArgumentException("expected FILE and ATTESTATION, got " + positional.size()
						+ " argument" + ((positional.size() == 1) ? "" : "s"));
			}
			return new Arguments(trustedRoot, publisher, positional.get(0), positional.get(1));
		}

		private static String value(String[] args, int index, String option) {
			if (index >= args.length) {
				throw new IllegalArgumentException(option + " needs a value");
			}
			return args[index];
		}

	}

}

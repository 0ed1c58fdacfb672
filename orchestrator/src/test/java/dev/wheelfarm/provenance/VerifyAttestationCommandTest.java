package dev.wheelfarm.provenance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.wheelfarm.provenance.SigstoreFixtures.PYPI_ATTESTATIONS;
import static dev.wheelfarm.provenance.SigstoreFixtures.RFC8785;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code java -jar wheelfarm.jar verify-attestation …} on files from disk, as an operator
 * checks a file by hand: once as a real process through the jar's main, then through the
 * same entry point in this JVM for each outcome.
 */
class VerifyAttestationCommandTest {

	@TempDir
	Path directory;

	@Test
	void theJarsMainVerifiesAFileAndExitsZero() throws Exception {
		List<String> command = new ArrayList<>(
				List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
						System.getProperty("java.class.path"), "dev.wheelfarm.WheelfarmApplication",
						VerifyAttestationCommand.NAME, "--trusted-root", SigstoreFixtures.trustedRoot().toString(),
						"--publisher", "github:trailofbits/pypi-attestations/release.yml",
						SigstoreFixtures.path(PYPI_ATTESTATIONS).toString(),
						SigstoreFixtures.path(PYPI_ATTESTATIONS + ".publish.attestation").toString()));
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();

		assertThat(process.exitValue()).as(output).isZero();
		assertThat(output).contains("OK pypi_attestations-0.0.19.tar.gz (sha256"
				+ " 9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3):"
				+ " https://docs.pypi.org/attestations/publish/v1 signed by"
				+ " github:trailofbits/pypi-attestations/release.yml as"
				+ " https://github.com/trailofbits/pypi-attestations/.github/workflows/release.yml@refs/tags/v0.0.19,"
				+ " logged 2024-12-04T23:14:01Z");
	}

	@Test
	void aProvenanceObjectAsAnIndexServesItVerifies() {
		Result result = run("--trusted-root", SigstoreFixtures.trustedRoot().toString(), "--publisher",
				"github:trailofbits/pypi-attestations", SigstoreFixtures.path(PYPI_ATTESTATIONS).toString(),
				SigstoreFixtures.path(PYPI_ATTESTATIONS + ".provenance").toString());
		assertThat(result.code()).as(result.err()).isEqualTo(VerifyAttestationCommand.OK);
		assertThat(result.out()).startsWith("OK pypi_attestations-0.0.19.tar.gz");
	}

	@Test
	void aChangedFileIsRefusedWithTheReason() throws IOException {
		byte[] bytes = SigstoreFixtures.file(PYPI_ATTESTATIONS);
		bytes[100] ^= 1;
		Path changed = Files.write(this.directory.resolve(PYPI_ATTESTATIONS), bytes);

		Result result = run("--trusted-root", SigstoreFixtures.trustedRoot().toString(), "--publisher",
				"github:trailofbits/pypi-attestations", changed.toString(),
				SigstoreFixtures.path(PYPI_ATTESTATIONS + ".publish.attestation").toString());
		assertThat(result.code()).isEqualTo(VerifyAttestationCommand.REFUSED);
		assertThat(result.err()).startsWith(
				"REFUSED pypi_attestations-0.0.19.tar.gz [subject_mismatch]:" + " The attestation is for other bytes");
	}

	@Test
	void anEmailIdentityIsRefusedUnderAGitHubPublisher() {
		Result result = run("--trusted-root", SigstoreFixtures.trustedRoot().toString(), "--publisher",
				"github:trailofbits/rfc8785.py", SigstoreFixtures.path(RFC8785).toString(),
				SigstoreFixtures.path(RFC8785 + ".publish.attestation").toString());
		assertThat(result.code()).isEqualTo(VerifyAttestationCommand.REFUSED);
		assertThat(result.err()).contains("[not_github_actions]")
			.contains("names william@yossarian.net (issuer https://github.com/login/oauth)");
	}

	@Test
	void badArgumentsPrintTheUsage() {
		Result noPublisher = run(SigstoreFixtures.path(PYPI_ATTESTATIONS).toString(),
				SigstoreFixtures.path(PYPI_ATTESTATIONS + ".provenance").toString());
		assertThat(noPublisher.code()).isEqualTo(VerifyAttestationCommand.USAGE);
		assertThat(noPublisher.err()).startsWith("verify-attestation: --publisher is required")
			.contains("Usage: java -jar wheelfarm.jar verify-attestation");

		Result gitlab = run("--publisher", "gitlab:group/project", "a", "b");
		assertThat(gitlab.code()).isEqualTo(VerifyAttestationCommand.USAGE);
		assertThat(gitlab.err()).contains("A publisher is github:OWNER/REPO");

		Result missing = run("--trusted-root", SigstoreFixtures.trustedRoot().toString(), "--publisher", "github:o/r",
				this.directory.resolve("missing.whl").toString(), "x");
		assertThat(missing.code()).isEqualTo(VerifyAttestationCommand.USAGE);
		assertThat(missing.err()).contains("cannot read").contains("missing.whl");
	}

	private static Result run(String... args) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		ByteArrayOutputStream err = new ByteArrayOutputStream();
		int code = VerifyAttestationCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
				new PrintStream(err, true, StandardCharsets.UTF_8));
		return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
	}

	record Result(int code, String out, String err) {

	}

}

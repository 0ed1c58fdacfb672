package dev.wheelfarm.artifacts;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.Sha256;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Each check of the ingest, one malicious or broken wheel at a time, with the reason the
 * maintainer will read.
 */
class WheelVerifierTest {

	private static final ProjectName DEMO = ProjectName.of("demo");

	@TempDir
	Path scratch;

	private final WheelVerifier verifier = new WheelVerifier(
			new ArtifactsProperties(DataSize.ofMegabytes(10), DataSize.ofMegabytes(1), 50, DataSize.ofKilobytes(64)));

	@Test
	void aCorrectWheelPassesWithItsMetadataAndHash() throws Exception {
		TestWheels wheel = TestWheels.of("demo", "1.0");
		Path path = wheel.write(this.scratch, wheel.filename());
		VerifiedWheel verified = this.verifier.verify(path, wheel.filename(), DEMO, "1.0");
		assertThat(verified.sha256()).isEqualTo(Sha256.digest(Files.readAllBytes(path)));
		assertThat(verified.size()).isEqualTo(Files.size(path));
		assertThat(new String(verified.metadata())).startsWith("Metadata-Version: 2.1\nName: demo\n");
		assertThat(verified.requiresPython()).isEqualTo(">=3.8");
	}

	@Test
	void aVersionSpelledDifferentlyButEqualUnderPep440Passes() throws Exception {
		TestWheels wheel = TestWheels.of("demo", "1.0.0");
		Path path = wheel.write(this.scratch, "demo-1.0.0-py3-none-any.whl");
		assertThat(this.verifier.verify(path, "demo-1.0.0-py3-none-any.whl", DEMO, "1.0").filename().version())
			.hasToString("1.0.0");
	}

	@Test
	void anUnparsableFilenameIsRefused() throws Exception {
		Path path = TestWheels.of("demo", "1.0").write(this.scratch, "demo.whl");
		refused(path, "demo.whl", "1.0", "Invalid wheel filename");
	}

	@Test
	void aWheelOfAnotherProjectIsRefused() throws Exception {
		TestWheels wheel = TestWheels.of("other", "1.0");
		Path path = wheel.write(this.scratch, wheel.filename());
		refused(path, wheel.filename(), "1.0", "names project other but the build was for demo");
	}

	@Test
	void aWheelOfAnotherVersionIsRefused() throws Exception {
		TestWheels wheel = TestWheels.of("demo", "2.0");
		Path path = wheel.write(this.scratch, wheel.filename());
		refused(path, wheel.filename(), "1.0", "names version 2.0 but the build was for 1.0");
	}

	@Test
	void somethingThatIsNotAZipIsRefused() throws Exception {
		Path path = Files.writeString(this.scratch.resolve("demo-1.0-py3-none-any.whl"), "not a zip at all");
		refused(path, "demo-1.0-py3-none-any.whl", "1.0", "is not a valid zip archive");
	}

	@Test
	void anAbsolutePathIsRefused() throws Exception {
		refused(TestWheels.of("demo", "1.0").member("/etc/cron.d/evil", "x".getBytes()), "has an absolute path");
		refused(TestWheels.of("demo", "1.0").member("C:/Windows/evil.dll", "x".getBytes()), "has an absolute path");
	}

	@Test
	void aPathThatClimbsOutIsRefused() throws Exception {
		refused(TestWheels.of("demo", "1.0").member("demo/../../../.bashrc", "x".getBytes()),
				"climbs out of the install directory");
		refused(TestWheels.of("demo", "1.0").member("demo\\..\\evil.py", "x".getBytes()), "backslash");
	}

	@Test
	void metadataNamingAnotherProjectIsRefused() throws Exception {
		refused(TestWheels.of("demo", "1.0").metadata("Metadata-Version: 2.1\nName: requests\nVersion: 1.0\n"),
				"METADATA names project 'requests', not demo");
	}

	@Test
	void metadataNamingAnotherVersionIsRefused() throws Exception {
		refused(TestWheels.of("demo", "1.0").metadata("Metadata-Version: 2.1\nName: demo\nVersion: 1.1\n"),
				"METADATA names version '1.1', not 1.0");
	}

	@Test
	void aRecordHashThatDoesNotMatchIsRefused() throws Exception {
		UnaryOperator<String> wrongHash = (record) -> record.replaceFirst("sha256=[A-Za-z0-9_-]+",
				"sha256=" + TestWheels.hash("something else".getBytes()));
		refused(TestWheels.of("demo", "1.0").editRecord(wrongHash), "the hash of 'demo/__init__.py' does not match");
	}

	@Test
	void aRecordSizeThatDoesNotMatchIsRefused() throws Exception {
		UnaryOperator<String> wrongSize = (record) -> record.replaceFirst(",(\\d+)\n", ",9999\n");
		refused(TestWheels.of("demo", "1.0").editRecord(wrongSize), "RECORD says '9999'");
	}

	@Test
	void aMemberMissingFromRecordIsRefused() throws Exception {
		UnaryOperator<String> dropFirstLine = (record) -> record.substring(record.indexOf('\n') + 1);
		refused(TestWheels.of("demo", "1.0").editRecord(dropFirstLine), "'demo/__init__.py' is not listed in RECORD");
	}

	@Test
	void aRecordLineForAMissingMemberIsRefused() throws Exception {
		UnaryOperator<String> extra = (record) -> record + "demo/ghost.py,sha256=" + TestWheels.hash(new byte[0])
				+ ",0\n";
		refused(TestWheels.of("demo", "1.0").editRecord(extra), "RECORD lists 'demo/ghost.py' which the wheel lacks");
	}

	@Test
	void aWeakRecordHashIsRefused() throws Exception {
		UnaryOperator<String> md5 = (record) -> record.replaceFirst("sha256=", "md5=");
		refused(TestWheels.of("demo", "1.0").editRecord(md5), "no sha256 (or stronger) hash");
	}

	@Test
	void aZipBombIsRefusedByItsExpandedSize() throws Exception {
		// 8 MiB of zeros compress to a few KiB: far over the 1 MiB cap once expanded.
		refused(TestWheels.of("demo", "1.0").member("demo/zeros.bin", new byte[8 * 1024 * 1024]),
				"expands to more than 1048576 bytes");
	}

	@Test
	void tooManyMembersAreRefused() throws Exception {
		TestWheels wheel = TestWheels.of("demo", "1.0");
		for (int i = 0; i < 60; i++) {
			wheel.member("demo/m" + i + ".py", new byte[0]);
		}
		refused(wheel, "members, more than the limit of 50");
	}

	@Test
	void aWheelWithoutDistInfoIsRefused() throws Exception {
		UnaryOperator<String> same = UnaryOperator.identity();
		TestWheels wheel = TestWheels.of("demo", "1.0")
			.editRecord(same)
			.member("other-1.0.dist-info/METADATA", "Name: demo\n".getBytes());
		refused(wheel, "exactly one top-level *.dist-info directory, found 2");
	}

	@Test
	void aBombHiddenInTheRecordSignatureIsRefused() throws Exception {
		// RECORD.p7s has no hash in RECORD, but pip unpacks it like any member: 8 MB of
		// zeros whose zip entry claims 16 bytes, so the declared sizes look harmless.
		TestWheels wheel = TestWheels.of("demo", "1.0").member("demo-1.0.dist-info/RECORD.p7s", new byte[8 << 20]);
		byte[] bytes = Zips.withCentralEntry(wheel.bytes(), "demo-1.0.dist-info/RECORD.p7s", 24, 16);
		Path path = Files.write(this.scratch.resolve(wheel.filename()), bytes);
		refused(path, wheel.filename(), "1.0", "expands to more than 1048576 bytes (a zip bomb?)");
	}

	@Test
	void aSignatureLargerThanItsZipEntrySaysIsRefused() throws Exception {
		TestWheels wheel = TestWheels.of("demo", "1.0").member("demo-1.0.dist-info/RECORD.jws", new byte[4096]);
		byte[] bytes = Zips.withCentralEntry(wheel.bytes(), "demo-1.0.dist-info/RECORD.jws", 24, 16);
		Path path = Files.write(this.scratch.resolve(wheel.filename()), bytes);
		refused(path, wheel.filename(), "1.0",
				"'demo-1.0.dist-info/RECORD.jws' expands to 4096 bytes, but the zip says 16");
	}

	@Test
	void aMemberWhoseCrcDoesNotMatchTheZipIsRefused() throws Exception {
		// Installers check the CRC-32 when they unpack: such a wheel fails on users'
		// machines however good its RECORD is.
		TestWheels wheel = TestWheels.of("demo", "1.0");
		byte[] bytes = Zips.withCentralEntry(wheel.bytes(), "demo/__init__.py", 16, 0x12345678);
		Path path = Files.write(this.scratch.resolve(wheel.filename()), bytes);
		refused(path, wheel.filename(), "1.0", "the CRC-32 of 'demo/__init__.py' does not match the zip's");
	}

	private void refused(TestWheels wheel, String reason) throws Exception {
		Path path = wheel.write(this.scratch, wheel.filename());
		refused(path, wheel.filename(), "1.0", reason);
	}

	private void refused(Path path, String filename, String version, String reason) {
		assertThatExceptionOfType(WheelRejectedException.class)
			.isThrownBy(() -> this.verifier.verify(path, filename, DEMO, version))
			.withMessageContaining(filename)
			.withMessageContaining(reason);
	}

}

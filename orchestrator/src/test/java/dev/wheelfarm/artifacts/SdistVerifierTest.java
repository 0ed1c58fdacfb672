package dev.wheelfarm.artifacts;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.Sha256;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The sdist checks, against archives written by Python's own {@code tarfile} (the module
 * setuptools and build use), right and wrong on purpose.
 */
class SdistVerifierTest {

	@TempDir
	Path scratch;

	private final SdistVerifier verifier = new SdistVerifier(
			new ArtifactsProperties(DataSize.ofMegabytes(1), DataSize.ofMegabytes(2), 50, DataSize.ofKilobytes(64)));

	@Test
	void aPep625SdistWithMatchingPkgInfoIsAccepted() throws Exception {
		Path sdist = tar("my_pkg-1.0.dev3.tar.gz", "w:gz",
				Map.of("my_pkg-1.0.dev3/PKG-INFO",
						"Metadata-Version: 2.1\nName: My.Pkg\nVersion: 1.0.dev3\nRequires-Python: >=3.9\n",
						"my_pkg-1.0.dev3/src/my_pkg/__init__.py", "X = 1\n"));
		VerifiedSdist verified = this.verifier.verify(sdist, "my_pkg-1.0.dev3.tar.gz", ProjectName.of("my-pkg"),
				"1.0.dev3");
		assertThat(verified.sha256()).isEqualTo(Sha256.digest(Files.readAllBytes(sdist)));
		assertThat(verified.requiresPython()).isEqualTo(">=3.9");
	}

	@Test
	void aNameThatIsNotPep625IsRefused() throws Exception {
		Path sdist = tar("My-Pkg-1.0.tar.gz", "w:gz",
				Map.of("My-Pkg-1.0/PKG-INFO", "Metadata-Version: 2.1\nName: my-pkg\nVersion: 1.0\n"));
		assertRefused(sdist, "My-Pkg-1.0.tar.gz", "my-pkg", "1.0", "PEP 625");
	}

	@Test
	void pkgInfoMustExistAndAgree() throws Exception {
		Path missing = tar("pkg-1.0.tar.gz", "w:gz", Map.of("pkg-1.0/setup.py", ""));
		assertRefused(missing, "pkg-1.0.tar.gz", "pkg", "1.0", "has no pkg-1.0/PKG-INFO");
		Path otherName = tar("pkg-1.0.tar.gz", "w:gz",
				Map.of("pkg-1.0/PKG-INFO", "Metadata-Version: 2.1\nName: other\nVersion: 1.0\n"));
		assertRefused(otherName, "pkg-1.0.tar.gz", "pkg", "1.0", "PKG-INFO names project 'other'");
		Path otherVersion = tar("pkg-1.0.tar.gz", "w:gz",
				Map.of("pkg-1.0/PKG-INFO", "Metadata-Version: 2.1\nName: pkg\nVersion: 1.1\n"));
		assertRefused(otherVersion, "pkg-1.0.tar.gz", "pkg", "1.0", "PKG-INFO names version '1.1'");
		Path wrongForm = tar("pkg-1.0.tar.gz", "w:gz",
				Map.of("pkg-1.0/PKG-INFO", "Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n"));
		assertRefused(wrongForm, "pkg-1.0.tar.gz", "pkg", "2.0", "but the upload is for 2.0");
	}

	@Test
	void membersOutsideTheSourceTreeAndLinksAreRefused() throws Exception {
		String pkgInfo = "Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n";
		Path outside = tar("pkg-1.0.tar.gz", "w:gz", Map.of("pkg-1.0/PKG-INFO", pkgInfo, "other/evil.py", ""));
		assertRefused(outside, "pkg-1.0.tar.gz", "pkg", "1.0", "outside the single top-level directory");
		Path absolute = tar("pkg-1.0.tar.gz", "w:gz", Map.of("pkg-1.0/PKG-INFO", pkgInfo, "/etc/evil", ""));
		assertRefused(absolute, "pkg-1.0.tar.gz", "pkg", "1.0", "absolute path");
		Path link = python("pkg-1.0.tar.gz", """
				import io, sys, tarfile
				with tarfile.open(sys.argv[1], 'w:gz') as t:
				    data = b'Metadata-Version: 2.1\\nName: pkg\\nVersion: 1.0\\n'
				    info = tarfile.TarInfo('pkg-1.0/PKG-INFO'); info.size = len(data); t.addfile(info, io.BytesIO(data))
				    info = tarfile.TarInfo('pkg-1.0/passwd'); info.type = tarfile.SYMTYPE; info.linkname = '/etc/passwd'
				    t.addfile(info)
				""");
		assertRefused(link, "pkg-1.0.tar.gz", "pkg", "1.0", "is a link or special file");
	}

	@Test
	void longPaxNamesAreReadAndBombsAndNonArchivesAreRefused() throws Exception {
		String pkgInfo = "Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n";
		String longName = "pkg-1.0/" + "deep/".repeat(40) + "module.py";
		Path pax = tar("pkg-1.0.tar.gz", "w:gz", Map.of("pkg-1.0/PKG-INFO", pkgInfo, longName, "X = 1\n"));
		assertThat(this.verifier.verify(pax, "pkg-1.0.tar.gz", ProjectName.of("pkg"), "1.0").size()).isPositive();
		Path bomb = python("pkg-1.0.tar.gz", """
				import io, sys, tarfile
				with tarfile.open(sys.argv[1], 'w:gz') as t:
				    data = b'Metadata-Version: 2.1\\nName: pkg\\nVersion: 1.0\\n'
				    info = tarfile.TarInfo('pkg-1.0/PKG-INFO'); info.size = len(data); t.addfile(info, io.BytesIO(data))
				    zeros = bytes(3 * 1024 * 1024)
				    info = tarfile.TarInfo('pkg-1.0/zeros'); info.size = len(zeros); t.addfile(info, io.BytesIO(zeros))
				""");
		assertRefused(bomb, "pkg-1.0.tar.gz", "pkg", "1.0", "gzip bomb");
		Path notGzip = Files.writeString(this.scratch.resolve("pkg-1.0.tar.gz"), "just text");
		assertRefused(notGzip, "pkg-1.0.tar.gz", "pkg", "1.0", "not a valid .tar.gz archive");
	}

	@Test
	void truncatedArchivesAndOversizedHeadersAreRefused() throws Exception {
		// The tar is cut inside a member, then after its last member (no end-of-archive
		// block), and gzip'd whole each time: only the tar layer can tell.
		String cut = """
				import gzip, io, sys, tarfile
				buffer = io.BytesIO()
				with tarfile.open(fileobj=buffer, mode='w', format=tarfile.USTAR_FORMAT) as t:
				    data = b'Metadata-Version: 2.1\\nName: pkg\\nVersion: 1.0\\n'
				    info = tarfile.TarInfo('pkg-1.0/PKG-INFO'); info.size = len(data); t.addfile(info, io.BytesIO(data))
				    data = bytes(5000)
				    info = tarfile.TarInfo('pkg-1.0/big'); info.size = len(data); t.addfile(info, io.BytesIO(data))
				with gzip.open(sys.argv[1], 'wb') as f:
				    f.write(buffer.getvalue()[:%d])
				""";
		Path insideAMember = python("pkg-1.0.tar.gz", cut.formatted(4 * 512 + 100));
		assertRefused(insideAMember, "pkg-1.0.tar.gz", "pkg", "1.0", "not a valid .tar.gz archive");
		// Two headers, one block of PKG-INFO, ten blocks of big: the members end at 13.
		Path withoutItsEnd = python("pkg-1.0.tar.gz", cut.formatted(13 * 512));
		assertRefused(withoutItsEnd, "pkg-1.0.tar.gz", "pkg", "1.0",
				"the tar archive ends without its end-of-archive blocks");
		Path whole = python("pkg-1.0.tar.gz", cut.formatted(100 * 512));
		assertThat(this.verifier.verify(whole, "pkg-1.0.tar.gz", ProjectName.of("pkg"), "1.0").size()).isPositive();

		// A PAX header past the 64 kB metadata cap is refused before it is read.
		Path hugePax = python("pkg-1.0.tar.gz", """
				import io, sys, tarfile
				with tarfile.open(sys.argv[1], 'w:gz', format=tarfile.PAX_FORMAT) as t:
				    data = b'Metadata-Version: 2.1\\nName: pkg\\nVersion: 1.0\\n'
				    info = tarfile.TarInfo('pkg-1.0/PKG-INFO'); info.size = len(data); t.addfile(info, io.BytesIO(data))
				    info = tarfile.TarInfo('pkg-1.0/x'); info.pax_headers = {'comment': 'c' * 100000}
				    t.addfile(info, io.BytesIO(b''))
				""");
		assertRefused(hugePax, "pkg-1.0.tar.gz", "pkg", "1.0", "larger than the limit of 65536 bytes");

		Path twice = python("pkg-1.0.tar.gz",
				"""
						import io, sys, tarfile
						with tarfile.open(sys.argv[1], 'w:gz') as t:
						    data = b'Metadata-Version: 2.1\\nName: pkg\\nVersion: 1.0\\n'
						    for _ in range(2):
						        info = tarfile.TarInfo('pkg-1.0/PKG-INFO'); info.size = len(data); t.addfile(info, io.BytesIO(data))
						""");
		assertRefused(twice, "pkg-1.0.tar.gz", "pkg", "1.0", "appears twice");
	}

	private void assertRefused(Path sdist, String filename, String project, String version, String reason) {
		assertThatExceptionOfType(WheelRejectedException.class)
			.isThrownBy(() -> this.verifier.verify(sdist, filename, ProjectName.of(project), version))
			.withMessageContaining(reason);
	}

	/** Writes {@code members} with Python's tarfile (PAX format, as Python 3.8+ does). */
	private Path tar(String filename, String mode, Map<String, String> members) throws Exception {
		StringBuilder script = new StringBuilder(
				"import io, sys, tarfile\nwith tarfile.open(sys.argv[1], '" + mode + "') as t:\n");
		for (Map.Entry<String, String> member : members.entrySet()) {
			script.append("    data = ")
				.append(pythonBytes(member.getValue()))
				.append("\n    info = tarfile.TarInfo(")
				.append(pythonBytes(member.getKey()))
				.append(".decode()); info.size = len(data); t.addfile(info, io.BytesIO(data))\n");
		}
		return python(filename, script.toString());
	}

	private Path python(String filename, String script) throws IOException, InterruptedException {
		Path target = Files.createDirectories(this.scratch.resolve("out-" + System.nanoTime())).resolve(filename);
		Path file = Files.writeString(this.scratch.resolve("make-" + System.nanoTime() + ".py"), script);
		Process process = new ProcessBuilder(List.of("/usr/bin/python3", file.toString(), target.toString()))
			.redirectErrorStream(true)
			.start();
		ByteArrayOutputStream output = new ByteArrayOutputStream();
		process.getInputStream().transferTo(output);
		if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
			throw new IllegalStateException(output.toString(StandardCharsets.UTF_8));
		}
		return target;
	}

	private static String pythonBytes(String text) {
		StringBuilder literal = new StringBuilder("b'");
		for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
			literal.append(String.format("\\x%02x", b & 0xff));
		}
		return literal.append('\'').toString();
	}

}

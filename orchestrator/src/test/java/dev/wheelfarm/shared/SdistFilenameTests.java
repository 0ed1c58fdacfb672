package dev.wheelfarm.shared;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Source distribution file names: PEP 625 ({@code {name}-{version}.tar.gz} with the
 * normalized name) and the legacy forms still on PyPI.
 */
class SdistFilenameTests {

	@ParameterizedTest(name = "{0} of {1}")
	@CsvSource(delimiter = '|', quoteCharacter = '"', value = {
			// PEP 625
			"foo_bar-1.0.tar.gz|foo-bar|foo-bar|1.0|1.0|TAR_GZ|true",
			"cryptography-41.0.3.tar.gz|cryptography|cryptography|41.0.3|41.0.3|TAR_GZ|true",
			"zope_interface-6.1.tar.gz|Zope.Interface|zope-interface|6.1|6.1|TAR_GZ|true",
			"foo-1!2.0rc1.post1.dev1.tar.gz|foo|foo|1!2.0rc1.post1.dev1|1!2.0rc1.post1.dev1|TAR_GZ|true",
			// Legacy: unnormalized names, dashes in names, unnormalized versions, other
			// archives
			"Django-1.0.tar.gz|django|django|1.0|1.0|TAR_GZ|false",
			"foo-bar-1.0.tar.gz|foo_bar|foo-bar|1.0|1.0|TAR_GZ|false",
			"Foo.Bar-1.0.zip|foo-bar|foo-bar|1.0|1.0|ZIP|false",
			"zope.interface-3.8.0.tar.gz|zope-interface|zope-interface|3.8.0|3.8.0|TAR_GZ|false",
			"foo-bar-2-1.0.tar.gz|foo-bar-2|foo-bar-2|1.0|1.0|TAR_GZ|false",
			"foo-1.0-1.tar.gz|foo|foo|1.0-1|1.0.post1|TAR_GZ|false",
			"foo-1.0RC1.tar.gz|foo|foo|1.0RC1|1.0rc1|TAR_GZ|false", "foo-1.0.tar.bz2|foo|foo|1.0|1.0|TAR_BZ2|false",
			"foo-1.0.tgz|foo|foo|1.0|1.0|TGZ|false", "foo-1.0.tar|foo|foo|1.0|1.0|TAR|false",
			"foo-1.0.tar.xz|foo|foo|1.0|1.0|TAR_XZ|false", "foo-1.0.TAR.GZ|foo|foo|1.0|1.0|TAR_GZ|false",
			// Legacy versions are kept as written
			"foo-2004d.tar.gz|foo|foo|2004d||TAR_GZ|false", "foo-bar-1.0-foo.zip|foo-bar|foo-bar|1.0-foo||ZIP|false" })
	void parsesWithTheExpectedProjectName(String filename, String expected, String name, String rawVersion,
			String version, SdistFormat format, boolean pep625) {
		SdistFilename sdist = SdistFilename.parse(filename, ProjectName.of(expected));
		assertThat(sdist.filename()).isEqualTo(filename);
		assertThat(sdist.projectName()).hasToString(name);
		assertThat(sdist.rawVersion()).isEqualTo(rawVersion);
		assertThat(sdist.version().map(Version::toString)).isEqualTo(java.util.Optional.ofNullable(version));
		assertThat(sdist.format()).isEqualTo(format);
		assertThat(sdist.format().isLegacy()).isEqualTo(format != SdistFormat.TAR_GZ);
		assertThat(sdist.isPep625()).isEqualTo(pep625);
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|',
			value = { "foo_bar-1.0.tar.gz|foo-bar|1.0", "foo-bar-1.0.tar.gz|foo-bar|1.0",
					"foo-bar-baz-2.0b1.zip|foo-bar-baz|2.0b1", "python-3-cheats-1.0.tar.gz|python-3-cheats|1.0",
					"foo-v2-1.0.tar.gz|foo-v2|1.0", "foo-1.0-dev.tar.gz|foo|1.0-dev", "foo-2004d.tar.gz|foo|2004d",
					"foo-bar-2004d.tar.gz|foo-bar|2004d", "foo-1.0-foo.tar.gz|foo-1-0|foo" })
	void parsesWithoutAProjectNameAtTheLastDashBeforeAVersion(String filename, String name, String rawVersion) {
		SdistFilename sdist = SdistFilename.parse(filename);
		assertThat(sdist.projectName()).hasToString(name);
		assertThat(sdist.rawVersion()).isEqualTo(rawVersion);
	}

	@ParameterizedTest(name = "{0} of {1}")
	@CsvSource(delimiter = '|', quoteCharacter = '"', value = {
			"foo-1.0.whl|foo|it does not end with '.tar.gz' (or a legacy '.zip', '.tar.bz2', '.tar.xz', '.tgz', '.tar')",
			"foo-1.0.tar.gz.asc|foo|it does not end with '.tar.gz'",
			"bar-1.0.tar.gz|foo|it does not start with the project name 'foo' followed by '-' and a version",
			"foobar-1.0.tar.gz|foo|it does not start with the project name 'foo'",
			"foo.tar.gz|foo|it does not start with the project name 'foo'",
			"foo-.tar.gz|foo|the version after 'foo-' is empty", "../foo-1.0.tar.gz|foo|without '/' or '\\'",
			"dir\\foo-1.0.zip|foo|without '/' or '\\'" })
	void rejectsFilenamesThatAreNotSdistsOfTheProject(String filename, String expected, String reason) {
		assertThatExceptionOfType(InvalidSdistFilenameException.class)
			.isThrownBy(() -> SdistFilename.parse(filename, ProjectName.of(expected)))
			.isInstanceOf(IllegalArgumentException.class)
			.withMessageStartingWith("Invalid sdist filename '" + filename.replace("\\", "\\\\") + "'")
			.withMessageContaining(reason);
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|',
			value = { "foo.tar.gz|it has no '-' between the project name and the version",
					"-1.0.tar.gz|the name part '' is not a valid project name",
					"foo$-bar.zip|the name part 'foo$' is not a valid project name",
					"foo-.tar.gz|the version after 'foo-' is empty", "foo-1.0.exe|it does not end with '.tar.gz'" })
	void rejectsUnrecognisableFilenamesWithoutAProjectName(String filename, String reason) {
		assertThatExceptionOfType(InvalidSdistFilenameException.class).isThrownBy(() -> SdistFilename.parse(filename))
			.withMessageContaining(reason);
	}

	@Test
	void rejectsNull() {
		assertThatExceptionOfType(InvalidSdistFilenameException.class)
			.isThrownBy(() -> SdistFilename.parse(null, ProjectName.of("foo")))
			.withMessage("Sdist filename must not be null");
	}

	@Test
	void equalsByFilename() {
		assertThat(SdistFilename.parse("foo-1.0.tar.gz"))
			.isEqualTo(SdistFilename.parse("foo-1.0.tar.gz", ProjectName.of("foo")))
			.hasSameHashCodeAs(SdistFilename.parse("foo-1.0.tar.gz"))
			.hasToString("foo-1.0.tar.gz");
	}

}

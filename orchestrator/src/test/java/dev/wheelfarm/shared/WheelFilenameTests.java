package dev.wheelfarm.shared;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Wheel file names from PEP 427, packaging.python.org "Binary distribution format" and
 * "Platform compatibility tags", and from well-known projects on PyPI.
 */
class WheelFilenameTests {

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', quoteCharacter = '"', value = {
			"distribution-1.0-1-py27-none-any.whl|distribution|1.0|1|py27-none-any|true|ANY",
			"distribution-1.0-py32-none-any.whl|distribution|1.0||py32-none-any|true|ANY",
			"cryptography-41.0.3-cp37-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl|cryptography|41.0.3||"
					+ "cp37-abi3-manylinux_2_17_x86_64 cp37-abi3-manylinux2014_x86_64|false|MANYLINUX",
			"numpy-1.26.0-cp311-cp311-macosx_10_9_x86_64.whl|numpy|1.26.0||cp311-cp311-macosx_10_9_x86_64|false|MACOSX",
			"pywin32-306-cp311-cp311-win_amd64.whl|pywin32|306||cp311-cp311-win_amd64|false|WINDOWS",
			"six-1.16.0-py2.py3-none-any.whl|six|1.16.0||py2-none-any py3-none-any|true|ANY",
			"pywin32-306-cp312-cp312-win32.whl|pywin32|306||cp312-cp312-win32|false|WINDOWS",
			"pywin32-306-cp312-cp312-win_arm64.whl|pywin32|306||cp312-cp312-win_arm64|false|WINDOWS",
			"numpy-1.26.0-cp311-cp311-macosx_11_0_arm64.whl|numpy|1.26.0||cp311-cp311-macosx_11_0_arm64|false|MACOSX",
			"numpy-1.26.0-cp39-cp39-manylinux1_x86_64.whl|numpy|1.26.0||cp39-cp39-manylinux1_x86_64|false|MANYLINUX",
			"numpy-1.26.0-cp39-cp39-manylinux2010_i686.whl|numpy|1.26.0||cp39-cp39-manylinux2010_i686|false|MANYLINUX",
			"numpy-1.26.0-cp312-cp312-musllinux_1_1_x86_64.whl|numpy|1.26.0||cp312-cp312-musllinux_1_1_x86_64|false|MUSLLINUX",
			"foo-1.0-cp310-cp310-linux_x86_64.whl|foo|1.0||cp310-cp310-linux_x86_64|false|LINUX",
			"foo-1.0-cp313-cp313-ios_13_0_arm64_iphoneos.whl|foo|1.0||cp313-cp313-ios_13_0_arm64_iphoneos|false|IOS",
			"foo-1.0-cp313-cp313-android_21_arm64_v8a.whl|foo|1.0||cp313-cp313-android_21_arm64_v8a|false|ANDROID",
			"foo-1.0-cp312-cp312-pyodide_2024_0_wasm32.whl|foo|1.0||cp312-cp312-pyodide_2024_0_wasm32|false|OTHER",
			"foo-1.0-py3-none-freebsd_14_0_amd64.whl|foo|1.0||py3-none-freebsd_14_0_amd64|false|OTHER",
			"typing_extensions-4.8.0-py3-none-any.whl|typing-extensions|4.8.0||py3-none-any|true|ANY",
			"Django-4.2.7-py3-none-any.whl|django|4.2.7||py3-none-any|true|ANY",
			"zope.interface-6.1-cp311-cp311-win_amd64.whl|zope-interface|6.1||cp311-cp311-win_amd64|false|WINDOWS",
			"foo-1.0rc1.post2.dev3-py3-none-any.whl|foo|1.0rc1.post2.dev3||py3-none-any|true|ANY",
			"foo-1.0_1-py3-none-any.whl|foo|1.0.post1||py3-none-any|true|ANY",
			"foo-1!2.0-py3-none-any.whl|foo|1!2.0||py3-none-any|true|ANY",
			"foo-1.0+local.1-py3-none-any.whl|foo|1.0+local.1||py3-none-any|true|ANY",
			"foo-1.0-20240101abc-py3-none-any.whl|foo|1.0|20240101abc|py3-none-any|true|ANY",
			"pypy_pkg-2.0-pp310-pypy310_pp73-manylinux_2_17_aarch64.whl|pypy-pkg|2.0||"
					+ "pp310-pypy310_pp73-manylinux_2_17_aarch64|false|MANYLINUX" })
	void parsesFilenames(String filename, String name, String version, String build, String tags, boolean pure,
			PlatformFamily family) {
		WheelFilename wheel = WheelFilename.parse(filename);
		assertThat(wheel.filename()).isEqualTo(filename);
		assertThat(wheel).hasToString(filename);
		assertThat(wheel.projectName()).isEqualTo(ProjectName.of(name));
		assertThat(wheel.version()).hasToString(version);
		assertThat(wheel.buildTag().map(BuildTag::toString)).isEqualTo(java.util.Optional.ofNullable(build));
		assertThat(wheel.tags()).extracting(Tag::toString).containsExactly(tags.split(" "));
		assertThat(wheel.isPure()).isEqualTo(pure);
		assertThat(wheel.platformFamilies()).containsExactly(family);
	}

	@Test
	void expandsCompressedTagSetsIntoTheirCartesianProduct() {
		WheelFilename wheel = WheelFilename
			.parse("foo-1.0-cp311.cp312-abi3.none-macosx_10_9_x86_64.macosx_11_0_arm64.linux_x86_64.whl");
		assertThat(wheel.pythonTags()).containsExactly("cp311", "cp312");
		assertThat(wheel.abiTags()).containsExactly("abi3", "none");
		assertThat(wheel.platformTags()).containsExactly("macosx_10_9_x86_64", "macosx_11_0_arm64", "linux_x86_64");
		assertThat(wheel.tags()).hasSize(12)
			.contains(new Tag("cp311", "abi3", "macosx_10_9_x86_64"), new Tag("cp312", "none", "linux_x86_64"));
		assertThat(wheel.platformFamilies()).containsExactlyInAnyOrder(PlatformFamily.MACOSX, PlatformFamily.LINUX);
		assertThat(wheel.isPure()).isFalse();
	}

	@Test
	void aWheelIsPureOnlyWhenEveryAbiIsNoneAndEveryPlatformAny() {
		assertThat(WheelFilename.parse("foo-1.0-py3-none-any.whl").isPure()).isTrue();
		assertThat(WheelFilename.parse("foo-1.0-py3-abi3-any.whl").isPure()).isFalse();
		assertThat(WheelFilename.parse("foo-1.0-py3-none-any.win_amd64.whl").isPure()).isFalse();
		assertThat(WheelFilename.parse("foo-1.0-py3-none.abi3-any.whl").isPure()).isFalse();
	}

	@Test
	void lowercasesTags() {
		WheelFilename wheel = WheelFilename.parse("Foo-1.0-PY3-NONE-ANY.whl");
		assertThat(wheel.tags()).containsExactly(new Tag("py3", "none", "any"));
		assertThat(new Tag("PY3", "None", "Any")).hasToString("py3-none-any").satisfies((tag) -> {
			assertThat(tag.isPure()).isTrue();
			assertThat(tag.platformFamily()).isEqualTo(PlatformFamily.ANY);
		});
	}

	@Test
	void exposesTheBuildTagForOrdering() {
		WheelFilename none = WheelFilename.parse("foo-1.0-py3-none-any.whl");
		WheelFilename one = WheelFilename.parse("foo-1.0-1-py3-none-any.whl");
		WheelFilename oneB = WheelFilename.parse("foo-1.0-1b-py3-none-any.whl");
		WheelFilename two = WheelFilename.parse("foo-1.0-2-py3-none-any.whl");
		WheelFilename ten = WheelFilename.parse("foo-1.0-10-py3-none-any.whl");
		assertThat(none.buildNumber()).isEmpty();
		assertThat(none.buildSuffix()).isEmpty();
		assertThat(oneB.buildNumber()).hasValue(1);
		assertThat(oneB.buildSuffix()).isEqualTo("b");
		// "sort the initial digits as a number, and the remainder lexicographically"
		assertThat(List.of(one, oneB, two, ten)).extracting((wheel) -> wheel.buildTag().orElseThrow())
			.isSortedAccordingTo(BuildTag::compareTo);
		assertThat(BuildTag.parse("10")).isGreaterThan(BuildTag.parse("9zzz"));
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', quoteCharacter = '"',
			value = { "manylinux1_x86_64|MANYLINUX", "manylinux2010_x86_64|MANYLINUX",
					"manylinux2014_aarch64|MANYLINUX", "manylinux_2_28_ppc64le|MANYLINUX",
					"musllinux_1_2_armv7l|MUSLLINUX", "macosx_10_9_universal2|MACOSX", "macosx_14_0_arm64|MACOSX",
					"win32|WINDOWS", "win_amd64|WINDOWS", "win_arm64|WINDOWS", "win_ia64|WINDOWS", "linux_x86_64|LINUX",
					"linux_armv7l|LINUX", "ios_12_0_x86_64_iphonesimulator|IOS", "android_24_x86_64|ANDROID", "any|ANY",
					"ANY|ANY", "emscripten_3_1_58_wasm32|OTHER", "solaris_2_11_i86pc|OTHER", "manylinuxfoo|OTHER",
					"windows|OTHER" })
	void classifiesPlatformTags(String platform, PlatformFamily family) {
		assertThat(PlatformFamily.of(platform)).isEqualTo(family);
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', quoteCharacter = '"', value = { "foo-1.0-py3-none-any.zip|it does not end with '.whl'",
			"foo-1.0-py3-none-any|it does not end with '.whl'", "foo-1.0-py3-none-any.WHL|it does not end with '.whl'",
			"foo-1.0-py3-none.whl|expected 5 or 6 parts separated by '-' "
					+ "(name-version[-build]-python-abi-platform.whl), found 4",
			"foo-bar-1.0-1-py3-none-any.whl|found 7",
			"foo-1.0-py3-none-any-.whl|build tag 'py3' must start with a digit", ".whl|found 1",
			"../foo-1.0-py3-none-any.whl|without '/' or '\\'", "dir/foo-1.0-py3-none-any.whl|without '/' or '\\'",
			"dir\\foo-1.0-py3-none-any.whl|without '/' or '\\'",
			"-1.0-py3-none-any.whl|the name part '' is not a valid project name",
			"foo$-1.0-py3-none-any.whl|the name part 'foo$' is not a valid project name",
			"foo_-1.0-py3-none-any.whl|the name part 'foo_' is not a valid project name",
			"foo-1.0.x-py3-none-any.whl|the version part '1.0.x' is not a PEP 440 version",
			"foo--py3-none-any.whl|the version part '' is not a PEP 440 version",
			"foo-2004d-py3-none-any.whl|the version part '2004d' is not a PEP 440 version",
			"foo-1.0-abc-py3-none-any.whl|build tag 'abc' must start with a digit",
			"foo-1.0--py3-none-any.whl|build tag '' must start with a digit",
			"foo-1.0-1+x-py3-none-any.whl|build tag '1+x' must start with a digit and contain only letters, digits",
			"foo-1.0-99999999999999999999-py3-none-any.whl|has a number that is too large",
			"foo-1.0-py3..py2-none-any.whl|the python tag 'py3..py2' must be one or more tags",
			"foo-1.0-py3-none-.whl|the platform tag '' must be one or more tags",
			"foo-1.0-py3-non+e-any.whl|the abi tag 'non+e' must be one or more tags" })
	void rejectsMalformedFilenamesSayingWhy(String filename, String reason) {
		assertThatExceptionOfType(InvalidWheelFilenameException.class).isThrownBy(() -> WheelFilename.parse(filename))
			.isInstanceOf(IllegalArgumentException.class)
			.withMessageStartingWith("Invalid wheel filename '")
			.withMessageContaining(reason);
	}

	@Test
	void rejectsNullAndAbsurdLengths() {
		assertThatExceptionOfType(InvalidWheelFilenameException.class).isThrownBy(() -> WheelFilename.parse(null))
			.withMessage("Wheel filename must not be null");
		String tooLong = "a".repeat(2000) + "-1.0-py3-none-any.whl";
		assertThatExceptionOfType(InvalidWheelFilenameException.class).isThrownBy(() -> WheelFilename.parse(tooLong))
			.withMessageContaining("longer than 1024 characters");
	}

	@Test
	void equalsByFilename() {
		assertThat(WheelFilename.parse("six-1.16.0-py2.py3-none-any.whl"))
			.isEqualTo(WheelFilename.parse("six-1.16.0-py2.py3-none-any.whl"))
			.hasSameHashCodeAs(WheelFilename.parse("six-1.16.0-py2.py3-none-any.whl"))
			.isNotEqualTo(WheelFilename.parse("six-1.16.0-py3.py2-none-any.whl"));
		assertThat(WheelFilename.parse("six-1.16.0-py2.py3-none-any.whl").tags())
			.isEqualTo(WheelFilename.parse("six-1.16.0-py3.py2-none-any.whl").tags())
			.isEqualTo(Set.of(new Tag("py2", "none", "any"), new Tag("py3", "none", "any")));
	}

}

package dev.wheelfarm.shared;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.wheelfarm.shared.Version.Phase;
import dev.wheelfarm.shared.Version.PreRelease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * PEP 440 parsing, normalization and ordering, with the examples of packaging.python.org
 * "Version specifiers".
 */
class VersionTests {

	/** "Summary of permitted suffixes and relative ordering", in the spec's order. */
	static final List<String> SPEC_ORDER = List.of("1.dev0", "1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456",
			"1.0a12", "1.0b1.dev456", "1.0b2", "1.0b2.post345.dev456", "1.0b2.post345", "1.0rc1.dev456", "1.0rc1",
			"1.0", "1.0+abc.5", "1.0+abc.7", "1.0+5", "1.0.post456.dev34", "1.0.post456", "1.0.15", "1.1.dev1");

	static Stream<Arguments> specOrderPairs() {
		List<Arguments> pairs = new ArrayList<>();
		for (int i = 0; i < SPEC_ORDER.size(); i++) {
			for (int j = i + 1; j < SPEC_ORDER.size(); j++) {
				pairs.add(Arguments.of(SPEC_ORDER.get(i), SPEC_ORDER.get(j)));
			}
		}
		return pairs.stream();
	}

	@ParameterizedTest(name = "{0} < {1}")
	@MethodSource("specOrderPairs")
	void everyEarlierVersionOfTheSpecListIsStrictlyLower(String lower, String higher) {
		Version low = Version.parse(lower);
		Version high = Version.parse(higher);
		assertThat(low.compareTo(high)).isNegative();
		assertThat(high.compareTo(low)).isPositive();
		assertThat(low).isNotEqualTo(high);
	}

	@Test
	void sortingAShuffledSpecListRestoresIt() {
		List<Version> expected = SPEC_ORDER.stream().map(Version::parse).toList();
		for (long seed = 0; seed < 20; seed++) {
			List<Version> shuffled = new ArrayList<>(expected);
			Collections.shuffle(shuffled, new Random(seed));
			Collections.sort(shuffled);
			assertThat(shuffled).containsExactlyElementsOf(expected);
		}
		assertThat(expected).extracting(Version::toString).containsExactlyElementsOf(SPEC_ORDER);
	}

	// "Version epochs": without epochs 2013.10 sorts after 1.0; with them the new scheme
	// wins.
	@ParameterizedTest
	@CsvSource({ "1.0, 1.1", "1.1, 2.0", "2.0, 2013.10", "2013.10, 2014.04", "2014.04, 1!1.0", "1!1.0, 1!1.1",
			"1!1.1, 1!2.0", "1.0, 2!0.1", "1!2.0, 2!0.0.1" })
	void epochsOrderBeforeEverythingElse(String lower, String higher) {
		assertThat(Version.parse(lower)).isLessThan(Version.parse(higher));
	}

	@Test
	void theSpecsEpochExample() {
		List<Version> versions = Stream.of("1!1.0", "2014.04", "1!2.0", "2013.10", "1!1.1")
			.map(Version::parse)
			.sorted()
			.toList();
		// 2014.04 is written 2014.4 in normalized form (integer normalization).
		assertThat(versions).extracting(Version::toString)
			.containsExactly("2013.10", "2014.4", "1!1.0", "1!1.1", "1!2.0");
		assertThat(Version.parse("1!1.0").epoch()).isEqualTo(1);
		assertThat(Version.parse("1.0").epoch()).isZero();
		assertThat(Version.parse("0!1.0")).hasToString("1.0").isEqualTo(Version.parse("1.0"));
	}

	// The version schemes of the spec's "Examples of compliant version schemes".
	@ParameterizedTest
	@ValueSource(strings = { "0.1 0.2 0.3 1.0 1.1", "1.1.0 1.1.1 1.1.2 1.2.0", "0.9 1.0a1 1.0a2 1.0b1 1.0rc1 1.0 1.1a1",
			"0.9 1.0.dev1 1.0.dev2 1.0.dev3 1.0.dev4 1.0c1 1.0c2 1.0 1.0.post1 1.1.dev1",
			"2012.1 2012.2 2012.3 2012.15 2013.1 2013.2", "0.9 0.9.1 0.9.2 0.9.10 0.9.11 1.0 1.0.1 1.1 2.0 2.0.1" })
	void compliantVersionSchemesAreAscending(String scheme) {
		List<Version> versions = Stream.of(scheme.split(" ")).map(Version::parse).toList();
		assertThat(versions).isSortedAccordingTo(Version::compareTo).doesNotHaveDuplicates();
	}

	// "Normalization": every example of the section, and the spec's spellings of each
	// rule.
	@ParameterizedTest(name = "{0} -> {1}")
	@CsvSource(delimiter = '|', quoteCharacter = '"', value = {
			// Case sensitivity
			"1.1RC1|1.1rc1", "1.0A1|1.0a1", "1.0.POST1|1.0.post1", "1.0.DEV1|1.0.dev1", "1.0+UbUnTu.1|1.0+ubuntu.1",
			// Integer normalization
			"00|0", "09000|9000", "1.01|1.1", "1.0.010|1.0.10", "1.0+foo0100|1.0+foo0100", "1.0+0100|1.0+100",
			"01!1.0|1!1.0", "1.0a01|1.0a1", "1.0.post01|1.0.post1", "1.0.dev01|1.0.dev1",
			// Pre-release separators
			"1.1.a1|1.1a1", "1.1-a1|1.1a1", "1.1_a1|1.1a1", "1.0a.1|1.0a1", "1.0a-1|1.0a1", "1.0a_1|1.0a1",
			"1.0-a-1|1.0a1",
			// Pre-release spelling
			"1.1alpha1|1.1a1", "1.1beta2|1.1b2", "1.1c3|1.1rc3", "1.1pre4|1.1rc4", "1.1preview5|1.1rc5",
			"1.1.preview.5|1.1rc5",
			// Implicit pre-release number
			"1.2a|1.2a0", "1.2.beta|1.2b0", "1.2-rc|1.2rc0",
			// Post release separators
			"1.2-post2|1.2.post2", "1.2post2|1.2.post2", "1.2_post2|1.2.post2", "1.2.post-2|1.2.post2",
			"1.2.post.2|1.2.post2", "1.2-post_2|1.2.post2",
			// Post release spelling
			"1.0-r4|1.0.post4", "1.0-rev4|1.0.post4", "1.0.r4|1.0.post4", "1.0rev4|1.0.post4",
			// Implicit post release number
			"1.2.post|1.2.post0", "1.2-r|1.2.post0",
			// Implicit post releases
			"1.0-1|1.0.post1", "1.0-0|1.0.post0", "1.0a1-1|1.0a1.post1",
			// Development release separators
			"1.2-dev2|1.2.dev2", "1.2dev2|1.2.dev2", "1.2_dev2|1.2.dev2", "1.2.dev-2|1.2.dev2", "1.2.dev.2|1.2.dev2",
			// Implicit development release number
			"1.2.dev|1.2.dev0", "1.2-dev|1.2.dev0",
			// Local version segments
			"1.0+ubuntu-1|1.0+ubuntu.1", "1.0+ubuntu_1|1.0+ubuntu.1", "1.0+ubuntu.1|1.0+ubuntu.1",
			"1.0+a-b_c.d|1.0+a.b.c.d",
			// Preceding v character
			"v1.0|1.0", "V1.0|1.0", "v1!2.0|1!2.0",
			// Combined
			"1!2.0RC1-3.DEV4+Local-5|1!2.0rc1.post3.dev4+local.5", "1.0.0|1.0.0", "2!1.0.15|2!1.0.15" })
	void normalizesEverySpelling(String raw, String normalized) {
		Version version = Version.parse(raw);
		assertThat(version).hasToString(normalized);
		assertThat(version).isEqualTo(Version.parse(normalized)).hasSameHashCodeAs(Version.parse(normalized));
	}

	@ParameterizedTest
	@ValueSource(strings = { "  1.0\n", "\t1.0", "1.0 ", "\r\n 1.0 \t", "\u20091.0" })
	void stripsLeadingAndTrailingWhitespace(String raw) {
		assertThat(Version.parse(raw)).hasToString("1.0");
	}

	@ParameterizedTest(name = "{0} == {1}")
	@CsvSource({ "1.0, 1.0.0", "1, 1.0.0.0", "1.0a1, 1.0.0a1", "1!1.0, 1!1", "1.0.post1, 1.0.0.post1",
			"1.0+abc, 1.0.0+ABC", "1.0+01, 1.0+1", "v1.0, 1.0", "1.0alpha, 1.0a0", "0, 0.0" })
	void equalVersionsCompareEqualAndHashAlike(String a, String b) {
		Version va = Version.parse(a);
		Version vb = Version.parse(b);
		assertThat(va).isEqualByComparingTo(vb).isEqualTo(vb).hasSameHashCodeAs(vb);
	}

	@ParameterizedTest(name = "{0} < {1}")
	@CsvSource({
			// local labels: segments compared one by one, numbers above strings, longer
			// wins
			"1.0, 1.0+0", "1.0+abc, 1.0+abd", "1.0+ABC, 1.0+abd", "1.0+abc, 1.0+abc.1", "1.0+abc.5, 1.0+abc.5.0",
			"1.0+zzz, 1.0+0", "1.0+abc.zzz, 1.0+abc.0", "1.0+9, 1.0+10", "1.0+ubuntu.1, 1.0+ubuntu.2",
			"1.0+99999999999999999999, 1.0+100000000000000000000", "1.0+abc, 1.0.post1", "1.0+1, 1.0.0.1",
			// release segments with zero padding
			"1.0, 1.0.1", "1.9, 1.10", "1.0.0.0.1, 1.0.1", "0.9.99, 1",
			// suffix order
			"1.0.dev1, 1.0.dev2", "1.0.dev1, 1.0a0", "1.0a1.dev1, 1.0a1", "1.0a1, 1.0a1.post1.dev1",
			"1.0a1.post1.dev1, 1.0a1.post1", "1.0a9, 1.0a10", "1.0a99, 1.0b0", "1.0b99, 1.0rc0", "1.0c1, 1.0rc2",
			"1.0rc99, 1.0", "1.0, 1.0.post0.dev0", "1.0.post0, 1.0.post1", "1.0.post9999, 1.0.1.dev0",
			"1.0.post1.dev9223372036854775807, 1.0.post1" })
	void ordersVersions(String lower, String higher) {
		assertThat(Version.parse(lower)).isLessThan(Version.parse(higher));
		assertThat(Version.parse(higher)).isGreaterThan(Version.parse(lower));
	}

	@Test
	void exposesItsParts() {
		Version version = Version.parse("1!2.3.4rc5.post6.dev7+Local-8");
		assertThat(version.epoch()).isEqualTo(1);
		assertThat(version.release()).containsExactly(2L, 3L, 4L);
		assertThat(version.major()).isEqualTo(2);
		assertThat(version.minor()).isEqualTo(3);
		assertThat(version.micro()).isEqualTo(4);
		assertThat(version.pre()).contains(new PreRelease(Phase.RELEASE_CANDIDATE, 5));
		assertThat(version.post()).hasValue(6);
		assertThat(version.dev()).hasValue(7);
		assertThat(version.local()).contains("local.8");
		assertThat(version.publicVersion()).hasToString("1!2.3.4rc5.post6.dev7");
		assertThat(version.baseVersion()).hasToString("1!2.3.4");
	}

	@Test
	void missingPartsAreEmpty() {
		Version version = Version.parse("3");
		assertThat(version.release()).containsExactly(3L);
		assertThat(version.minor()).isZero();
		assertThat(version.micro()).isZero();
		assertThat(version.pre()).isEmpty();
		assertThat(version.post()).isEmpty();
		assertThat(version.dev()).isEmpty();
		assertThat(version.local()).isEmpty();
		assertThat(version.publicVersion()).isSameAs(version);
		assertThat(version.baseVersion()).isEqualTo(version);
	}

	@ParameterizedTest
	@CsvSource({ "1.0, false, false, false, false", "1.0a1, true, false, false, false",
			"1.0.dev1, true, true, false, false", "1.0rc1.dev1, true, true, false, false",
			"1.0.post1, false, false, true, false", "1.0.post1.dev1, true, true, true, false",
			"1.0b1.post1, true, false, true, false", "1.0+local, false, false, false, true",
			"1.0a1+local, true, false, false, true" })
	void classifiesReleases(String text, boolean pre, boolean dev, boolean post, boolean local) {
		Version version = Version.parse(text);
		assertThat(version.isPrerelease()).isEqualTo(pre);
		assertThat(version.isDevrelease()).isEqualTo(dev);
		assertThat(version.isPostrelease()).isEqualTo(post);
		assertThat(version.hasLocal()).isEqualTo(local);
	}

	@Test
	void handlesNumbersUpToALong() {
		Version version = Version.parse("20231015123456.9223372036854775807");
		assertThat(version.release()).containsExactly(20231015123456L, Long.MAX_VALUE);
		assertThat(version).isLessThan(Version.parse("20231015123457"));
	}

	@Test
	void rejectsNumbersBeyondALong() {
		assertThatExceptionOfType(InvalidVersionException.class)
			.isThrownBy(() -> Version.parse("1.9223372036854775808"))
			.withMessageContaining("'9223372036854775808' is too large");
	}

	@Test
	void rejectsAbsurdlyLongInputWithATruncatedMessage() {
		String tooLong = "1." + "0.".repeat(200) + "1";
		assertThatExceptionOfType(InvalidVersionException.class).isThrownBy(() -> Version.parse(tooLong))
			.withMessageContaining("longer than 256 characters")
			.withMessageContaining("(" + tooLong.length() + " characters)")
			.satisfies((ex) -> assertThat(ex.getMessage()).hasSizeLessThan(200));
		assertThat(Version.tryParse(tooLong)).isEmpty();
	}

	// The spec's own examples of invalid versions, and more.
	@ParameterizedTest
	@ValueSource(strings = { "French toast", "2004d", "1.0-foo", "1.0-", "1.0+", "1.0+foo_", "1.0+_foo", "1.0+foo..bar",
			"1.0.", ".1.0", "1..0", "1!", "!1.0", "1.0.post.dev.a1", "1.0a1a2", "1.0.dev1.post1", "v", "vv1.0",
			"1.0 .post1", "1,0", "1.0-*", "1.0.*", "0x10", "１.０", "1.0+ubuntu 1", "1.0_1", "dev", "a1", "1.0++local" })
	void rejectsNonPep440Versions(String text) {
		assertThat(Version.tryParse(text)).isEmpty();
		assertThatExceptionOfType(InvalidVersionException.class).isThrownBy(() -> Version.parse(text))
			.isInstanceOf(IllegalArgumentException.class)
			.withMessageStartingWith("Invalid version '")
			.withMessageContaining("is not a PEP 440 version");
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "   ", "\n" })
	void rejectsEmptyVersions(String text) {
		assertThatExceptionOfType(InvalidVersionException.class).isThrownBy(() -> Version.parse(text))
			.withMessageContaining("it is empty");
	}

	@Test
	void rejectsNull() {
		assertThatExceptionOfType(InvalidVersionException.class).isThrownBy(() -> Version.parse(null))
			.withMessage("Version must not be null");
		assertThat(Version.tryParse(null)).isEmpty();
	}

	@Test
	void tryParseKeepsValidVersions() {
		assertThat(Version.tryParse("1.0-1")).map(Version::toString).contains("1.0.post1");
	}

}

package dev.wheelfarm.shared;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Specifier sets and their evaluation, with the examples of packaging.python.org "Version
 * specifiers" (sections "Compatible release", "Version matching", "Version exclusion",
 * "Exclusive ordered comparison" and "Arbitrary equality").
 */
class RequiresPythonTests {

	@ParameterizedTest(name = "{0} allows {1}: {2}")
	@CsvSource(delimiter = '|', quoteCharacter = '"', value = {
			// Compatible release: "~= 2.2" is ">= 2.2, == 2.*"
			"~= 2.2|2.2|true", "~= 2.2|2.3|true", "~= 2.2|2.2.1|true", "~= 2.2|2.99|true", "~= 2.2|3.0|false",
			"~= 2.2|2.1|false", "~= 2.2|2.2a1|false",
			// "~= 1.4.5" is ">= 1.4.5, == 1.4.*"
			"~= 1.4.5|1.4.5|true", "~= 1.4.5|1.4.9|true", "~= 1.4.5|1.5.0|false", "~= 1.4.5|1.4.4|false",
			// The suffix is ignored for the prefix: "~= 2.2.post3" is ">= 2.2.post3, ==
			// 2.*"
			"~= 2.2.post3|2.2.post3|true", "~= 2.2.post3|2.3|true", "~= 2.2.post3|2.2|false", "~= 2.2.post3|3.0|false",
			// "~= 1.4.5a4" is ">= 1.4.5a4, == 1.4.*"
			"~= 1.4.5a4|1.4.5a4|true", "~= 1.4.5a4|1.4.5|true", "~= 1.4.6|1.4.9|true", "~= 1.4.5a4|1.4.5a3|false",
			"~= 1.4.5a4|1.5|false",
			// Zero padding: "~= 2.2.0" is ">= 2.2.0, == 2.2.*", "~= 1.4.5.0" is ">=
			// 1.4.5.0, == 1.4.5.*"
			"~= 2.2.0|2.2.7|true", "~= 2.2.0|2.3|false", "~= 1.4.5.0|1.4.5.9|true", "~= 1.4.5.0|1.4.6|false",
			// Epochs belong to the prefix
			"~= 1!2.2|1!2.5|true", "~= 1!2.2|2.5|false",
			// Version matching, "1.1.post1"
			"== 1.1|1.1.post1|false", "== 1.1.post1|1.1.post1|true", "== 1.1.*|1.1.post1|true",
			// Version matching, "1.1a1"
			"== 1.1|1.1a1|false", "== 1.1a1|1.1a1|true", "== 1.1.*|1.1a1|true",
			// An exact match is also a prefix match; zero padding; "1.1"
			"== 1.1|1.1|true", "== 1.1.0|1.1|true", "== 1.1.dev1|1.1|false", "== 1.1a1|1.1|false",
			"== 1.1.post1|1.1|false", "== 1.1.*|1.1|true",
			// Prefix matching pads with zeros and compares whole numbers
			"== 1.1.*|1.10|false", "== 1.1.*|1.1.5|true", "== 1.0.*|1|true", "== 3.*|3.12.1|true", "== 3.*|4.0|false",
			"== 1.1.*|1.1.dev1|true", "== 1!1.*|1.1|false", "== 1.1.*|1.1+local|true",
			// Local versions: a public specifier ignores them; a local one compares them
			"== 1.0|1.0+local.1|true", "== 1.0+local.1|1.0+local.1|true", "== 1.0+local.1|1.0+LOCAL-1|true",
			"== 1.0+local.1|1.0|false", "== 1.0+local.1|1.0+local.2|false", "!= 1.0|1.0+local|false",
			// Version exclusion
			"!= 1.1|1.1.post1|true", "!= 1.1.post1|1.1.post1|false", "!= 1.1.*|1.1.post1|false", "!= 3.0.*|3.1|true",
			"!= 1.1|1.1.0|false",
			// Inclusive ordered comparison (with zero padding)
			">= 3.7|3.7|true", ">= 3.7|3.7.0|true", ">= 3.7|3.6.15|false", ">= 3.7|3.7.0rc1|false",
			">= 3.7|3.7+local|true", "<= 3.7|3.7.0|true", "<= 3.7|3.7.0.post1|false", "<= 3.7|3.7.1|false",
			"<= 3.7|3.7.dev0|true",
			// Exclusive ordered comparison: ">1.7 will allow 1.7.1 but not 1.7.0.post1"
			"> 1.7|1.7.1|true", "> 1.7|1.7.0.post1|false", "> 1.7|1.7|false",
			// "... and >1.7.post2 will allow 1.7.1 and 1.7.0.post3 but not 1.7.0"
			"> 1.7.post2|1.7.1|true", "> 1.7.post2|1.7.0.post3|true", "> 1.7.post2|1.7.0|false",
			"> 1.7.post2|1.7.post2|false",
			// ">V MUST NOT match a local version of the specified version"
			"> 1.7|1.7+local|false", "> 1.7|1.7.1+local|true",
			// "<V MUST NOT allow a pre-release of the specified version unless V is one"
			"< 3.0|3.0rc1|false", "< 3.0|3.0.dev0|false", "< 3|3.0.0a1|false", "< 3.0|2.9.9|true", "< 3.0|2.9rc1|true",
			"< 3.0rc1|3.0.dev0|true", "< 3.0rc1|3.0b1|true", "< 3.0rc1|3.0rc1|false", "< 3.0|3.0|false",
			"< 3.0|3.0.post1|false",
			// Arbitrary equality: string equality, no normalization of the specifier
			"=== 1.0|1.0|true", "=== 1.0|1.0.0|false", "=== 1.0a1|1.0A1|true", "=== 1.0alpha1|1.0a1|false",
			// Sets: every clause must hold
			">= 3.8, < 4|3.12.4|true", ">= 3.8, < 4|3.7.9|false", ">=3.8,!=3.9.*|3.9.18|false",
			">=3.8,!=3.9.*|3.10.0|true", ">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*|3.4|true",
			">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*|3.3.7|false",
			">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*|2.7.18|true",
			// Pre-release interpreters are not excluded by default: they are already
			// installed
			">= 3.12|3.13.0rc1|true", ">= 3.13|3.13.0rc1|false" })
	void evaluatesTheSpecExamples(String specifiers, String python, boolean allowed) {
		assertThat(RequiresPython.parse(specifiers).allows(Version.parse(python))).isEqualTo(allowed);
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|',
			value = { ">=3.8|>=3.8", " >= 3.8 |>=3.8", ">=3.8,<4|>=3.8,<4", ">= 3.8 , < 4.0 |>=3.8,<4.0",
					"~=3.8.0|~=3.8.0", "== 3.*|==3.*", "!=3.0.*|!=3.0.*", "== V3.10.0RC1|==3.10.0rc1",
					"===foo-bar|===foo-bar", ">3.7-1|>3.7.post1", "==1.0+Ubuntu-1|==1.0+ubuntu.1", "<=1!2.0|<=1!2.0",
					">=3\t,\t<4|>=3,<4" })
	void normalizesItsTextForm(String text, String normalized) {
		RequiresPython set = RequiresPython.parse(text);
		assertThat(set).hasToString(normalized);
		assertThat(RequiresPython.parse(normalized)).isEqualTo(set).hasSameHashCodeAs(set);
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "   ", "\t\n" })
	void emptyAllowsEverything(String text) {
		RequiresPython any = RequiresPython.parse(text);
		assertThat(any.specifiers()).isEmpty();
		assertThat(any).hasToString("").isEqualTo(RequiresPython.any());
		assertThat(any.allows(Version.parse("2.7"))).isTrue();
		assertThat(any.allows(Version.parse("3.14.0a1"))).isTrue();
	}

	@Test
	void nullAllowsEverything() {
		assertThat(RequiresPython.parse(null)).isEqualTo(RequiresPython.any());
	}

	@Test
	void exposesItsClauses() {
		RequiresPython set = RequiresPython.parse(">=3.8, !=3.9.*");
		assertThat(set.specifiers()).extracting(VersionSpecifier::operator)
			.containsExactly(VersionSpecifier.Operator.GREATER_EQUAL, VersionSpecifier.Operator.NOT_EQUAL);
		assertThat(set.specifiers()).extracting(VersionSpecifier::isPrefixMatch).containsExactly(false, true);
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', quoteCharacter = '"', value = { ">=3.7,|clause 2 of 2 is empty (a stray ',')",
			",>=3.7|clause 1 of 2 is empty", ">=3.7,,<4|clause 2 of 3 is empty",
			"~=3|'~=' needs a version with at least two release numbers, such as '~=3.0'",
			"~=1!3|'~=' needs a version with at least two release numbers",
			"=>3.6|does not start with a comparison operator (one of ~=, ==, !=, <=, >=, <, >, ===); did you mean '>='?",
			"=<3.6|did you mean '<='?", "=3.6|did you mean '=='?", "3.6|does not start with a comparison operator",
			"python>=3.6|does not start with a comparison operator", ">=|no version after '>='",
			">= |no version after '>='", ">=3.x|'3.x' is not a PEP 440 version",
			">=3.6.*|'.*' suffix is only allowed with '==' and '!='",
			"~=3.6.*|'.*' suffix is only allowed with '==' and '!='",
			"==3.6a1.*|'.*' may only follow a release segment, as in '==3.*'",
			"!=3.6+local.*|'.*' may only follow a release segment, as in '!=3.*'",
			"==3.*.*|'.*' may only follow a release segment",
			">=3.6+local|a local version label (+...) is only allowed with '==' and '!='",
			"~=3.6+local|a local version label (+...) is only allowed with '==' and '!='",
			"=== foo bar|'===' takes a single word", ">> 3|'> 3' is not a PEP 440 version",
			"<3;python_version|'3;python_version' is not a PEP 440 version",
			">= 3 .7|'3 .7' is not a PEP 440 version" })
	void rejectsMalformedSpecifiersSayingWhy(String text, String reason) {
		assertThatExceptionOfType(InvalidSpecifierException.class).isThrownBy(() -> RequiresPython.parse(text))
			.isInstanceOf(IllegalArgumentException.class)
			.withMessageStartingWith("Invalid version specifier set '")
			.withMessageContaining(reason);
	}

	@Test
	void singleSpecifiersParseAndMatchOnTheirOwn() {
		VersionSpecifier specifier = VersionSpecifier.parse(" != 3.0.* ");
		assertThat(specifier).hasToString("!=3.0.*");
		assertThat(specifier.allows(Version.parse("3.0.1"))).isFalse();
		assertThat(specifier.allows(Version.parse("3.1"))).isTrue();
		assertThatExceptionOfType(InvalidSpecifierException.class).isThrownBy(() -> VersionSpecifier.parse(""))
			.withMessage("Invalid version specifier '': it is empty");
	}

}

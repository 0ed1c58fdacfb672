package dev.wheelfarm.shared;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * PEP 503 normalization and the packaging.python.org "Core metadata" Name rule.
 */
class ProjectNameTests {

	// The spellings of the "Names and normalization" page, all naming one project.
	@ParameterizedTest
	@ValueSource(strings = { "friendly-bard", "Friendly-Bard", "FRIENDLY-BARD", "friendly.bard", "friendly_bard",
			"friendly--bard", "FrIeNdLy-._.-bArD" })
	void spellingsOfTheSpecNormalizeToOneName(String raw) {
		assertThat(ProjectName.of(raw).value()).isEqualTo("friendly-bard");
	}

	@ParameterizedTest
	@CsvSource({ "Django, django, django", "zope.interface, zope-interface, zope_interface",
			"ruamel.yaml.clib, ruamel-yaml-clib, ruamel_yaml_clib",
			"typing_extensions, typing-extensions, typing_extensions", "a, a, a", "0, 0, 0",
			"pywin32, pywin32, pywin32", "Pillow, pillow, pillow" })
	void normalizesAndGivesTheWheelPrefix(String raw, String normalized, String wheelPrefix) {
		ProjectName name = ProjectName.of(raw);
		assertThat(name.value()).isEqualTo(normalized);
		assertThat(name.wheelPrefix()).isEqualTo(wheelPrefix);
		assertThat(name).hasToString(normalized);
		assertThat(ProjectName.isValid(raw)).isTrue();
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', quoteCharacter = '"',
			value = { "\"\"|it is empty", "-foo|start and end with a letter or digit",
					"foo-|start and end with a letter or digit", "_foo|start and end with a letter or digit",
					"foo.|start and end with a letter or digit", "foo bar|ASCII letters, digits",
					"föö|ASCII letters, digits", "foo/bar|ASCII letters, digits", "foo+bar|ASCII letters, digits",
					"../etc|ASCII letters, digits" })
	void rejectsInvalidNamesSayingWhy(String raw, String reason) {
		assertThat(ProjectName.isValid(raw)).isFalse();
		assertThatExceptionOfType(InvalidNameException.class).isThrownBy(() -> ProjectName.of(raw))
			.isInstanceOf(IllegalArgumentException.class)
			.withMessageContaining("Invalid project name '" + raw + "'")
			.withMessageContaining(reason);
	}

	@Test
	void rejectsNull() {
		assertThat(ProjectName.isValid(null)).isFalse();
		assertThatExceptionOfType(InvalidNameException.class).isThrownBy(() -> ProjectName.of(null))
			.withMessageContaining("null");
	}

	@Test
	void acceptsTheMaximumLengthAndRejectsLongerTruncatingTheMessage() {
		assertThat(ProjectName.of("a".repeat(ProjectName.MAX_LENGTH)).value()).hasSize(200);
		String tooLong = "a".repeat(ProjectName.MAX_LENGTH + 1);
		assertThatExceptionOfType(InvalidNameException.class).isThrownBy(() -> ProjectName.of(tooLong))
			.withMessageContaining("longer than 200 characters")
			.withMessageContaining("(201 characters)")
			.satisfies((ex) -> assertThat(ex.getMessage()).hasSizeLessThan(200));
	}

	@Test
	void escapesControlCharactersInTheMessage() {
		assertThatExceptionOfType(InvalidNameException.class).isThrownBy(() -> ProjectName.of("foo\nbar\u0000'"))
			.withMessageContaining("'foo\\nbar\\u0000\\''")
			.withMessageNotContaining("\n");
	}

	@ParameterizedTest
	@ValueSource(strings = { "Foo", "foo_bar", "foo--bar", "-foo", "" })
	void theConstructorOnlyTakesNormalizedNames(String raw) {
		assertThatExceptionOfType(InvalidNameException.class).isThrownBy(() -> new ProjectName(raw))
			.withMessageContaining("not in normalized form");
	}

	@Test
	void comparesAndEqualsByNormalizedName() {
		assertThat(ProjectName.of("Foo.Bar")).isEqualTo(ProjectName.of("foo_bar"))
			.hasSameHashCodeAs(ProjectName.of("FOO-BAR"));
		assertThat(ProjectName.of("a")).isLessThan(ProjectName.of("b"));
	}

}

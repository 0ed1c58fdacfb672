package dev.wheelfarm.status;

import java.time.Instant;
import java.util.Arrays;

import dev.wheelfarm.builds.BuildState;
import dev.wheelfarm.builds.FailureClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The words the pages use: tags as PEP 425 and the platform tag specifications define
 * them, the decisive log line per failure class, and states and failure classes, every
 * one of which has words and advice.
 */
class PageWordsTest {

	@ParameterizedTest
	@CsvSource(delimiter = '|',
			textBlock = """
					demo-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl | CPython 3.12 | CPython 3.12 only | Linux x86-64, glibc 2.17+
					demo-1.0-cp39-abi3-musllinux_1_2_aarch64.whl                      | CPython 3.9  | stable ABI (abi3) | Linux ARM64, musl 1.2+
					demo-1.0-cp313-cp313t-win_amd64.whl                               | CPython 3.13 | CPython 3.13 free-threaded only | Windows x86-64
					demo-1.0-cp311-cp311-win32.whl                                    | CPython 3.11 | CPython 3.11 only | Windows x86 (32-bit)
					demo-1.0-cp310-cp310-macosx_10_9_universal2.whl                   | CPython 3.10 | CPython 3.10 only | macOS 10.9+ Intel and Apple silicon
					demo-1.0-py2.py3-none-any.whl                                     | Python 2; Python 3 | none (pure Python) | any
					demo-1.0-pp310-pypy310_pp73-manylinux2014_x86_64.whl              | PyPy (Python 3.10) | pypy310_pp73 | Linux x86-64, glibc 2.17+
					demo-1.0.tar.gz                                                   | any (built on install) | — | any (source distribution)
					""")
	void tagsInWords(String filename, String python, String abi, String platform) {
		assertThat(TagWords.describe(filename)).isEqualTo(new TagWords.Described(python, abi, platform));
	}

	@Test
	void theDecisiveLineOfACompileErrorIsTheCompilersNotTheToolsSummary() {
		String log = """
				gcc -c src/a.c
				src/a.c:10:5: warning: unused variable
				src/a.c:12:1: error: expected ';' before '}' token
				error: command '/usr/bin/gcc' failed with exit code 1
				ERROR Backend subprocess exited
				""";
		DecisiveLines.Excerpt excerpt = DecisiveLines.find(log, "compile-error");
		assertThat(excerpt.lines().get(excerpt.decisive()))
			.isEqualTo("src/a.c:12:1: error: expected ';' before '}' token");
		assertThat(excerpt.byRule()).isTrue();
		assertThat(excerpt.numbered().get(excerpt.decisive()).number()).isEqualTo(3);
	}

	@Test
	void aMissingBuildRequirementIsFoundByItsOwnRuleBeforeAnEarlierGenericError() {
		String log = """
				Error: could not read cache (ignored)
				Traceback (most recent call last):
				  File "setup.py", line 1, in <module>
				ModuleNotFoundError: No module named 'numpy'
				""";
		DecisiveLines.Excerpt excerpt = DecisiveLines.find(log, "missing-build-dependency");
		assertThat(excerpt.lines().get(excerpt.decisive())).startsWith("ModuleNotFoundError");
		DecisiveLines.Excerpt unknown = DecisiveLines.find(log, "unknown");
		assertThat(unknown.lines().get(unknown.decisive())).as("without a rule: the first error-looking line")
			.startsWith("Error: could not read cache");
	}

	@Test
	void aLogWithoutAnyErrorShowsItsTail() {
		String log = "line\n".repeat(40) + "last\n";
		DecisiveLines.Excerpt excerpt = DecisiveLines.find(log, "timeout");
		assertThat(excerpt.decisive()).isEqualTo(-1);
		assertThat(excerpt.lines()).hasSize(DecisiveLines.BEFORE + DecisiveLines.AFTER).last().isEqualTo("last");
		assertThat(excerpt.firstLine()).isEqualTo(41 - DecisiveLines.BEFORE - DecisiveLines.AFTER);
	}

	@Test
	void everyFailureClassHasWordsAndAdviceAndEveryStateWords() {
		assertThat(Arrays.stream(FailureClass.values()))
			.allSatisfy((failure) -> assertThat(FailureAdvice.of(failure.code())).get()
				.satisfies((advice) -> assertThat(advice.steps()).isNotEmpty()));
		assertThat(Arrays.stream(BuildState.values()).map((state) -> StateWords.build(state, null, null, null)))
			.doesNotHaveDuplicates()
			.noneMatch((words) -> words.matches(".*[A-Z]{4,}.*"));
		assertThat(StateWords.build(BuildState.PENDING, "network", "transient", Instant.parse("2026-12-03T10:15:00Z")))
			.isEqualTo("waiting to retry after a network failure (not before 2026-12-03 10:15 UTC)");
		assertThat(StateWords.optin("OPTED_IN")).isEqualTo("opted in");
	}

}

package dev.wheelfarm.optin;

import java.nio.charset.StandardCharsets;

import dev.wheelfarm.retention.RetentionPolicy;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigParserTest {

	private final ConfigParser parser = new ConfigParser();

	@Test
	void aCompleteWheelfarmTomlIsReadWithEveryKey() {
		ParsedConfig parsed = parse(ConfigParser.WHEELFARM_TOML, """
				projects = ["Example-Pkg", "example_plugin"]
				since = "1.2"
				prereleases = true
				skip-versions = ["1.3.0", "1.2.1"]
				platforms = ["windows", "linux"]
				build = "cp311-* cp312-*"
				skip = ["*-musllinux_*"]
				accept-requests = false
				strategy = "native"

				[cibuildwheel]
				before-build = "pip install cython"
				environment = { CFLAGS = "-O2" }
				test-command = "pytest {project}/tests"
				""");
		assertThat(parsed.problems()).isEmpty();
		WheelfarmConfig config = parsed.config();
		assertThat(config.projects()).containsExactly("Example-Pkg", "example_plugin");
		assertThat(config.enabled()).isTrue();
		assertThat(config.since()).isEqualTo("1.2");
		assertThat(config.skipVersions()).containsExactly("1.2.1", "1.3.0");
		assertThat(config.platforms()).containsExactly("linux", "windows");
		assertThat(config.build()).isEqualTo("cp311-* cp312-*");
		assertThat(config.skip()).isEqualTo("*-musllinux_*");
		assertThat(config.acceptRequests()).isFalse();
		assertThat(config.settingsJson()).isEqualTo("{\"accept-requests\":false,\"build\":\"cp311-* cp312-*\","
				+ "\"cibuildwheel\":{\"before-build\":\"pip install cython\","
				+ "\"environment\":{\"CFLAGS\":\"-O2\"},\"test-command\":\"pytest {project}/tests\"},"
				+ "\"platforms\":[\"linux\",\"windows\"],\"prereleases\":true,\"since\":\"1.2\","
				+ "\"skip\":\"*-musllinux_*\",\"skip-versions\":[\"1.2.1\",\"1.3.0\"],\"strategy\":\"native\"}");
		assertThat(BuildOptions.fromSettings(config.settingsJson()))
			.as("what the build job receives: families expanded to platform ids, keys sorted")
			.isEqualTo("{\"build\":\"cp311-* cp312-*\",\"cibuildwheel\":{\"before-build\":\"pip install cython\","
					+ "\"environment\":{\"CFLAGS\":\"-O2\"},\"test-command\":\"pytest {project}/tests\"},"
					+ "\"platforms\":[\"linux-aarch64\",\"linux-x86_64\",\"windows-amd64\",\"windows-arm64\"],"
					+ "\"skip\":\"*-musllinux_*\",\"strategy\":\"native\"}");
	}

	@Test
	void defaultsAreExplicitSoThatSpellingThemOutChangesNothing() {
		ParsedConfig minimal = parse(ConfigParser.WHEELFARM_TOML, "projects = [\"example\"]\n");
		ParsedConfig explicit = parse(ConfigParser.WHEELFARM_TOML, """
				projects = ["example"]
				enabled = true
				prereleases = false
				platforms = ["macos", "windows", "linux", "linux"]
				accept-requests = true
				skip-versions = []
				""");
		assertThat(minimal.config().settingsJson()).isEqualTo(explicit.config().settingsJson())
			.isEqualTo("{\"accept-requests\":true,\"platforms\":[\"linux\",\"macos\",\"windows\"],"
					+ "\"prereleases\":false,\"skip-versions\":[]}");
	}

	@Test
	void pyprojectIsReadFromToolWheelfarmAndIgnoredWithoutIt() {
		ParsedConfig parsed = parse(ConfigParser.PYPROJECT_TOML, """
				[project]
				name = "example"

				[tool.wheelfarm]
				projects = ["example"]
				enabled = false
				""");
		assertThat(parsed.config().enabled()).isFalse();
		assertThat(parse(ConfigParser.PYPROJECT_TOML, "[project]\nname = \"example\"\n")).isNull();
	}

	@Test
	void wrongTypesAreErrorsWithKeyLineAndColumn() {
		ParsedConfig parsed = parse(ConfigParser.PYPROJECT_TOML, """
				[project]
				name = "example"

				[tool.wheelfarm]
				projects = ["example"]
				since = 2
				platforms = "linux"
				enabled = "yes"
				""");
		assertThat(parsed.valid()).isFalse();
		assertThat(parsed.problems()).extracting(ConfigProblem::describe)
			.containsExactly(
					"error: `tool.wheelfarm.since`: must be a string (a version such as \"1.2\" or a date such as \"2024-01-31\"), not an integer (line 6, column 9)",
					"error: `tool.wheelfarm.platforms`: must be an array of strings, not a string (line 7, column 13)",
					"error: `tool.wheelfarm.enabled`: must be true or false, not a string (line 8, column 11)");
		assertThat(parsed.errorText()).startsWith("pyproject.toml: error: `tool.wheelfarm.since`");
	}

	@Test
	void unknownKeysAreWarningsButACibuildwheelOptionTheWorkerCannotHonourIsAnError() {
		ParsedConfig parsed = parse(ConfigParser.WHEELFARM_TOML, """
				projects = ["example"]
				colour = "blue"

				[cibuildwheel]
				output-dir = "/etc"
				test-command = "pytest"
				archs = ["auto64"]
				build-verbosity = 7
				environment = { "NOT A NAME" = "x" }
				""");
		assertThat(parsed.valid()).as("a build without the option would not be the build asked for").isFalse();
		assertThat(parsed.problems()).extracting(ConfigProblem::severity, ConfigProblem::key, ConfigProblem::line)
			.containsExactly(org.assertj.core.groups.Tuple.tuple(ConfigProblem.Severity.warning, "colour", 2),
					org.assertj.core.groups.Tuple.tuple(ConfigProblem.Severity.error, "cibuildwheel.output-dir", 5),
					org.assertj.core.groups.Tuple.tuple(ConfigProblem.Severity.error, "cibuildwheel.archs", 7),
					org.assertj.core.groups.Tuple.tuple(ConfigProblem.Severity.error, "cibuildwheel.build-verbosity",
							8),
					org.assertj.core.groups.Tuple.tuple(ConfigProblem.Severity.error, "cibuildwheel.environment", 9));
		assertThat(parsed.problems().get(1).describe()).startsWith(
				"error: `cibuildwheel.output-dir`: not an option the farm can pass to cibuildwheel (allowed: before-all,")
			.endsWith("(line 5, column 14)");
		assertThat(parsed.problems().get(2).message()).contains("is chosen by `platforms`");
		assertThat(parsed.problems().get(3).message()).contains("CIBW_BUILD_VERBOSITY");
	}

	@Test
	void platformsTakeFamiliesOrPlatformIdsAndStrategyIsOneOfThree() {
		ParsedConfig parsed = parse(ConfigParser.WHEELFARM_TOML, """
				projects = ["example"]
				platforms = ["linux-x86_64", "macos"]
				strategy = "pure"
				""");
		assertThat(parsed.problems()).isEmpty();
		assertThat(BuildOptions.fromSettings(parsed.config().settingsJson()))
			.isEqualTo("{\"platforms\":[\"linux-x86_64\",\"macos-arm64\",\"macos-x86_64\"],\"strategy\":\"pure\"}");
		ParsedConfig wrong = parse(ConfigParser.WHEELFARM_TOML, """
				projects = ["example"]
				platforms = ["linux-s390x"]
				strategy = "sometimes"
				""");
		assertThat(wrong.problems()).extracting(ConfigProblem::describe)
			.containsExactly(
					"error: `platforms`: \"linux-s390x\" is neither a platform family (linux, macos, windows) nor a platform id"
							+ " (linux-x86_64, linux-aarch64, macos-arm64, macos-x86_64, windows-amd64, windows-arm64) (line 2, column 13)",
					"error: `strategy`: must be one of [\"auto\", \"pure\", \"native\"], not \"sometimes\" (line 3, column 12)");
	}

	@Test
	void malformedTomlIsAnErrorWithItsPosition() {
		ParsedConfig parsed = parse(ConfigParser.WHEELFARM_TOML, "projects = [\"example\"\nenabled = true\n");
		assertThat(parsed.valid()).isFalse();
		assertThat(parsed.problems()).singleElement().satisfies((problem) -> {
			assertThat(problem.message()).startsWith("not valid TOML");
			assertThat(problem.line()).isPositive();
		});
	}

	@Test
	void missingOrInvalidProjectsAreErrors() {
		assertThat(parse(ConfigParser.WHEELFARM_TOML, "enabled = true\n").errorText())
			.contains("`projects`: is required");
		assertThat(parse(ConfigParser.WHEELFARM_TOML, "projects = [\"-bad-\"]\n").errorText())
			.contains("not a valid PyPI project name");
		assertThat(parse(ConfigParser.WHEELFARM_TOML, "projects = []\n").errorText()).contains("at least one");
		assertThat(parse(ConfigParser.WHEELFARM_TOML, "projects = [\"x\"]\nsince = \"yesterday\"\n").errorText())
			.contains("neither a PEP 440 version nor a yyyy-mm-dd date");
	}

	@Test
	void uploadTokensAndPublishModeAreReadButNeverChangeTheRecipe() {
		String sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
		String other = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";
		ParsedConfig single = parse(ConfigParser.WHEELFARM_TOML,
				"projects = [\"example\"]\nupload-token-sha256 = \"" + sha + "\"\npublish = \"review\"\n");
		assertThat(single.problems()).isEmpty();
		assertThat(single.config().uploadTokenSha256()).containsExactly(sha);
		assertThat(single.config().publish()).isEqualTo(WheelfarmConfig.PUBLISH_REVIEW);
		ParsedConfig rotation = parse(ConfigParser.WHEELFARM_TOML,
				"projects = [\"example\"]\nupload-token-sha256 = [\"" + sha + "\", \"" + other + "\"]\n");
		assertThat(rotation.config().uploadTokenSha256()).containsExactly(other, sha);
		assertThat(rotation.config().publish()).isEqualTo(WheelfarmConfig.PUBLISH_IMMEDIATE);
		ParsedConfig plain = parse(ConfigParser.WHEELFARM_TOML, "projects = [\"example\"]\n");
		assertThat(plain.config().uploadTokenSha256()).isEmpty();
		assertThat(single.config().settingsJson()).isEqualTo(plain.config().settingsJson())
			.isEqualTo(rotation.config().settingsJson());
		assertThat(single.config().toJson()).contains(sha).contains("\"publish\":\"review\"");
	}

	@Test
	void anUploadTokenThatIsNotAHashOrAnUnknownPublishModeIsAnError() {
		assertThat(parse(ConfigParser.WHEELFARM_TOML, "projects = [\"x\"]\nupload-token-sha256 = \"pypi-secret\"\n")
			.errorText()).contains("`upload-token-sha256`").contains("64 lowercase hex digits");
		assertThat(parse(ConfigParser.WHEELFARM_TOML,
				"projects = [\"x\"]\nupload-token-sha256 = \""
						+ "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08" + "\"\n")
			.valid()).isFalse();
		assertThat(parse(ConfigParser.WHEELFARM_TOML, "projects = [\"x\"]\nupload-token-sha256 = 5\n").errorText())
			.contains("not an integer");
		assertThat(parse(ConfigParser.WHEELFARM_TOML, "projects = [\"x\"]\npublish = \"later\"\n").errorText())
			.contains("`publish`: must be \"immediate\" or \"review\", not \"later\"");
	}

	@Test
	void notUtf8IsAnError() {
		ParsedConfig parsed = this.parser.parse(ConfigParser.WHEELFARM_TOML, new byte[] { 'a', (byte) 0xff, '\n' });
		assertThat(parsed.errorText()).contains("not UTF-8");
	}

	@Test
	void retentionIsReadFromItsTableAndStaysOutOfTheRecipe() {
		ParsedConfig parsed = parse(ConfigParser.PYPROJECT_TOML, """
				[tool.wheelfarm]
				projects = ["example"]

				[tool.wheelfarm.retention]
				applies-to = "all"
				keep-newest = 10
				max-age-days = 90
				""");
		assertThat(parsed.problems()).isEmpty();
		assertThat(parsed.config().retention()).isEqualTo(new RetentionPolicy(RetentionPolicy.AppliesTo.ALL, 10, 90));
		assertThat(parsed.config().toJson())
			.contains("\"retention\":{\"applies-to\":\"all\",\"keep-newest\":10,\"max-age-days\":90}");
		// Retention says how long wheels are kept, not how they are built: the recipe
		// fingerprint must not change, or every release would be rebuilt.
		assertThat(parsed.config().settingsJson())
			.isEqualTo(parse(ConfigParser.WHEELFARM_TOML, "projects = [\"example\"]\n").config().settingsJson());
	}

	@Test
	void retentionDefaultsToDevAndPreReleasesKeepingFiveForThirtyDays() {
		WheelfarmConfig config = parse(ConfigParser.WHEELFARM_TOML, "projects = [\"example\"]\n").config();
		assertThat(config.retention()).isEqualTo(new RetentionPolicy(RetentionPolicy.AppliesTo.PRERELEASES, 5, 30));
		WheelfarmConfig partial = parse(ConfigParser.WHEELFARM_TOML, """
				projects = ["example"]
				retention = { keep-newest = 3 }
				""").config();
		assertThat(partial.retention()).isEqualTo(new RetentionPolicy(RetentionPolicy.AppliesTo.PRERELEASES, 3, 30));
	}

	@Test
	void wrongRetentionValuesAreErrorsWithKeyLineAndColumn() {
		ParsedConfig parsed = parse(ConfigParser.WHEELFARM_TOML, """
				projects = ["example"]

				[retention]
				applies-to = "nightlies"
				keep-newest = 0
				max-age-days = "30"
				keep-oldest = 2
				""");
		assertThat(parsed.valid()).isFalse();
		assertThat(parsed.problems()).extracting(ConfigProblem::describe)
			.containsExactly(
					"error: `retention.applies-to`: must be \"prereleases\", \"all\" or \"none\", not \"nightlies\" (line 4, column 14)",
					"error: `retention.keep-newest`: must be a whole number from 1 to 10000, not 0 (line 5, column 15)",
					"error: `retention.max-age-days`: must be a whole number from 1 to 36500, not a string (line 6, column 16)",
					"warning: `retention.keep-oldest`: unknown key, ignored (known keys: applies-to, keep-newest, max-age-days) (line 7, column 15)");
		assertThat(parse(ConfigParser.WHEELFARM_TOML, "projects = [\"x\"]\nretention = 5\n").errorText())
			.contains("`retention`: must be a table");
	}

	@Test
	void theTrustedPublisherNarrowsTheWorkflowAndNamesTheEnvironment() {
		WheelfarmConfig any = parse(ConfigParser.WHEELFARM_TOML, "projects = [\"example\"]\n").config();
		assertThat(any.trustedPublisher()).isEqualTo(WheelfarmConfig.TrustedPublisher.ANY);
		WheelfarmConfig narrowed = parse(ConfigParser.PYPROJECT_TOML, """
				[tool.wheelfarm]
				projects = ["example"]

				[tool.wheelfarm.trusted-publisher]
				workflow = "release.yml"
				environment = "pypi"
				""").config();
		assertThat(narrowed.trustedPublisher()).isEqualTo(new WheelfarmConfig.TrustedPublisher("release.yml", "pypi"));
		assertThat(narrowed.toJson())
			.contains("\"trusted-publisher\":{\"workflow\":\"release.yml\",\"environment\":\"pypi\"}");
		// Who may sign uploads says nothing about how wheels are built.
		assertThat(narrowed.settingsJson()).isEqualTo(any.settingsJson());
	}

	@Test
	void aWrongTrustedPublisherIsAnErrorNotAGuess() {
		ParsedConfig parsed = parse(ConfigParser.WHEELFARM_TOML, """
				projects = ["example"]

				[trusted-publisher]
				workflow = ".github/workflows/release.yml"
				environment = 3
				repository = "other/repo"
				""");
		assertThat(parsed.valid()).isFalse();
		assertThat(parsed.problems()).extracting(ConfigProblem::describe)
			.containsExactly(
					"error: `trusted-publisher.workflow`: must be a file name in .github/workflows, e.g. \"release.yml\", not \".github/workflows/release.yml\" (line 4, column 12)",
					"error: `trusted-publisher.environment`: must be a GitHub environment name of 1 to 255 characters, not an integer (line 5, column 15)",
					"warning: `trusted-publisher.repository`: unknown key, ignored (known keys: environment, workflow) (line 6, column 14)");
	}

	private ParsedConfig parse(String path, String text) {
		return this.parser.parse(path, text.getBytes(StandardCharsets.UTF_8));
	}

}

package dev.wheelfarm.dispatch.install;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.wheelfarm.testsupport.Venv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The build workflow's PyPI-traffic steps, run as GitHub would run their scripts: the key
 * under which pip's downloads are saved is the sdist's build requirements (same
 * requirements in any order, same key), and the operator's index reaches pip only through
 * the environment, refused unless it is one URL.
 */
class WorkflowPipCacheTest {

	private static final Pattern KEY_SCRIPT = Pattern.compile("<<'EOF'\\n(.*?)\\n\\s*EOF\\n", Pattern.DOTALL);

	@TempDir
	Path scratch;

	@Test
	void pipsDownloadsAreKeyedByTheSdistsBuildRequirements() throws IOException {
		Path script = this.scratch.resolve("key.py");
		Files.writeString(script, keyScript());
		String a = key(script, sdist("a", "requires = [\"setuptools>=60\", \"wheel\"]"));
		String b = key(script, sdist("b", "requires = [\"wheel\", \"setuptools>=60\"]"));
		String c = key(script, sdist("c", "requires = [\"hatchling\"]"));
		String broken = key(script, sdist("d", "requires = [\"unterminated"));
		assertThat(a).matches("key=[0-9a-f]{32}\n").isEqualTo(b).isNotEqualTo(c);
		assertThat(broken).as("a pyproject.toml that does not parse: nothing saved").isEmpty();
		assertThat(key(script, this.scratch.resolve("never-unpacked"))).isEmpty();
	}

	@Test
	void theOperatorsIndexReachesPipOnlyThroughTheEnvironment() {
		String workflow = workflow();
		assertThat(workflow).contains("MIRROR: ${{ vars.PIP_INDEX_URL }}",
				"echo \"PIP_INDEX_URL=$MIRROR\" >> \"$GITHUB_ENV\"");
		assertThat(WorkflowFilesTest.violations(workflow)).isEmpty();
	}

	private static String workflow() {
		return new String(WorkflowBundle.fromClasspath().files().get(".github/workflows/wheelfarm-build.yml"),
				StandardCharsets.UTF_8);
	}

	private static String keyScript() {
		Matcher matcher = KEY_SCRIPT.matcher(workflow());
		assertThat(matcher.find()).as("the key step's script").isTrue();
		return matcher.group(1).replaceAll("(?m)^ {10}", "");
	}

	private Path sdist(String name, String requires) throws IOException {
		Path project = this.scratch.resolve(name).resolve("src").resolve(name + "-1.0");
		Files.createDirectories(project);
		Files.writeString(project.resolve("pyproject.toml"), "[build-system]\n" + requires + "\n");
		return project.getParent();
	}

	private String key(Path script, Path src) {
		Venv.Result result = Venv.isolated(List.of(Venv.PYTHON, script.toString(), src.toString()), this.scratch, 60);
		assertThat(result.exitCode()).as(result.output()).isZero();
		return result.output();
	}

}

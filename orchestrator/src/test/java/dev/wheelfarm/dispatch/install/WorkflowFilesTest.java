package dev.wheelfarm.dispatch.install;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hardening rules of the build workflow, checked on the files the installer pushes.
 * actionlint (run by .ci/run) does not flag expressions inside {@code run:}, so these
 * rules are ours.
 */
class WorkflowFilesTest {

	private static final String BUILD_REQUIREMENTS = WorkflowBundle.WORKER_DIR + "build-requirements.txt";

	private static final Pattern PINNED = Pattern.compile("[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}");

	private static final Pattern USES_LINE = Pattern.compile("^\\s*(?:-\\s+)?uses:\\s*(\\S+)(.*)$", Pattern.MULTILINE);

	@Test
	void everyShippedWorkflowFollowsTheRules() {
		Map<String, byte[]> workflows = workflows();
		assertThat(workflows).isNotEmpty();
		workflows.forEach(
				(path, bytes) -> assertThat(violations(new String(bytes, StandardCharsets.UTF_8))).as(path).isEmpty());
	}

	@Test
	void theBuildWorkflowHasTheFarmsInputsAndJobs() {
		String text = new String(workflows().get(".github/workflows/wheelfarm-build.yml"), StandardCharsets.UTF_8);
		Map<String, Object> workflow = load(text);

		assertThat((String) workflow.get("run-name")).contains("${{ inputs.request_id }}");
		Map<String, Object> dispatch = map(map(on(workflow)).get("workflow_dispatch"));
		Map<String, Object> inputs = map(dispatch.get("inputs"));
		assertThat(inputs).containsOnlyKeys("request_id", "project", "version", "sdist_url", "sdist_sha256", "options");
		inputs.values().forEach((input) -> assertThat(map(input).get("type")).isEqualTo("string"));
		assertThat(map(workflow.get("jobs"))).containsOnlyKeys("pure", "platform", "assemble");
		Map<String, Object> pure = map(map(workflow.get("jobs")).get("pure"));
		assertThat(pure.get("runs-on")).isEqualTo("ubuntu-latest");
		Map<String, Object> platform = map(map(workflow.get("jobs")).get("platform"));
		assertThat((String) platform.get("if")).contains("needs-platform-build");
		assertThat(text).contains("retention-days:");
	}

	@Test
	void theBuildToolsAreInstalledOnlyThroughTheHashPinnedRequirementsFile() {
		Map<String, byte[]> bundle = WorkflowBundle.fromClasspath().files();
		String requirements = new String(bundle.get(BUILD_REQUIREMENTS), StandardCharsets.UTF_8);
		List<String> pins = requirementLines(requirements);
		assertThat(pins).extracting((line) -> line.split("[=; ]")[0]).contains("build", "packaging", "pyproject-hooks");
		assertThat(pins).allSatisfy((line) -> assertThat(line).as("pinned by version and hash")
			.matches("[A-Za-z0-9._-]+==[0-9][A-Za-z0-9.]*( *;[^\\\\]+)? +--hash=sha256:[0-9a-f]{64}"));

		String text = new String(workflows().get(".github/workflows/wheelfarm-build.yml"), StandardCharsets.UTF_8);
		assertThat(pipInstalls(text)).as("every pip install in the workflow")
			.allSatisfy((install) -> assertThat(install).satisfiesAnyOf(
					(command) -> assertThat(command)
						.isEqualTo("python -m pip install --require-hashes -r " + BUILD_REQUIREMENTS),
					// cibuildwheel's wheels are not hashed yet (see the workflow's
					// comment): the one install allowed to go by version alone.
					(command) -> assertThat(command)
						.isEqualTo("python -m pip install \"cibuildwheel==${CIBUILDWHEEL_VERSION}\"")))
			.anySatisfy((install) -> assertThat(install).contains("--require-hashes"));
	}

	@Test
	void theInstallRulesCatchAnUnpinnedTool() {
		String workflow = """
				jobs:
				  pure:
				    steps:
				      - run: python -m pip install build==1.6.1
				""";
		assertThat(pipInstalls(workflow)).containsExactly("python -m pip install build==1.6.1");
		assertThat(requirementLines("build==1.6.1\npackaging==26.3 \\\n    --hash=sha256:" + "0".repeat(64) + "\n"))
			.containsExactly("build==1.6.1", "packaging==26.3 --hash=sha256:" + "0".repeat(64));
	}

	@Test
	void theRulesCatchAnUnsafeWorkflow() {
		String unsafe = """
				name: unsafe
				on:
				  workflow_dispatch:
				    inputs:
				      project:
				        type: string
				permissions: write-all
				jobs:
				  build:
				    runs-on: ubuntu-latest
				    steps:
				      - uses: actions/checkout@v4
				      - uses: actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065
				      - run: pip download "${{ inputs.project }}"
				        env:
				          TOKEN: ${{ secrets.PYPI_TOKEN }}
				""";

		assertThat(violations(unsafe)).anySatisfy((v) -> assertThat(v).contains("not pinned"))
			.anySatisfy((v) -> assertThat(v).contains("no version comment"))
			.anySatisfy((v) -> assertThat(v).contains("expression inside run"))
			.anySatisfy((v) -> assertThat(v).contains("secrets"))
			.anySatisfy((v) -> assertThat(v).contains("permissions"))
			.anySatisfy((v) -> assertThat(v).contains("timeout-minutes"))
			.anySatisfy((v) -> assertThat(v).contains("concurrency"));
	}

	/** Every rule broken by {@code text}; empty when the workflow is acceptable. */
	static List<String> violations(String text) {
		List<String> problems = new ArrayList<>();
		if (text.contains("secrets.") || text.contains("secrets[")) {
			problems.add("a build job must not reference secrets");
		}
		if (text.contains("github.token")) {
			problems.add("a build job must not use the job token");
		}
		Matcher uses = USES_LINE.matcher(text);
		while (uses.find()) {
			String action = uses.group(1);
			if (!PINNED.matcher(action).matches()) {
				problems.add("action not pinned by a full commit SHA: " + action);
			}
			if (!uses.group(2).matches("\\s+#\\s*v\\d+(\\.\\d+)*.*")) {
				problems.add("pinned action has no version comment: " + action);
			}
		}
		Map<String, Object> workflow = load(text);
		if (!Map.of("contents", "read").equals(workflow.get("permissions"))) {
			problems.add("workflow permissions must be exactly contents: read, found " + workflow.get("permissions"));
		}
		Object concurrency = workflow.get("concurrency");
		if (!(concurrency instanceof Map<?, ?> group) || !String.valueOf(group.get("group")).contains("request_id")) {
			problems.add("concurrency must be grouped per request");
		}
		map(workflow.get("jobs")).forEach((name, value) -> {
			Map<String, Object> job = map(value);
			if (job.containsKey("permissions")) {
				Object permissions = job.get("permissions");
				boolean readOnly = permissions instanceof Map<?, ?> perms
						&& perms.values().stream().allMatch((p) -> "read".equals(p) || "none".equals(p));
				if (!readOnly) {
					problems.add("job " + name + " permissions must be read-only");
				}
			}
			if (!(job.get("timeout-minutes") instanceof Integer minutes) || minutes <= 0 || minutes > 360) {
				problems.add("job " + name + " needs a timeout-minutes limit");
			}
			Object steps = job.get("steps");
			if (steps instanceof List<?> list) {
				for (Object step : list) {
					Object run = map(step).get("run");
					if (run instanceof String script && script.contains("${{")) {
						problems.add("job " + name + ": expression inside run: " + script.strip());
					}
					Object with = map(step).get("with");
					String action = String.valueOf(map(step).get("uses"));
					if (action.startsWith("actions/checkout@") && !(with instanceof Map<?, ?> options
							&& Boolean.FALSE.equals(options.get("persist-credentials")))) {
						problems.add("job " + name + ": checkout must set persist-credentials: false");
					}
				}
			}
		});
		return problems;
	}

	/** The requirements, one per line: comments dropped, continuations joined. */
	static List<String> requirementLines(String requirements) {
		List<String> lines = new ArrayList<>();
		for (String line : requirements.replaceAll("\\\\\n\\s*", " ").split("\n")) {
			String content = line.replaceFirst("(^|\\s)#.*$", "").strip();
			if (!content.isEmpty()) {
				lines.add(content.replaceAll("\\s+", " "));
			}
		}
		return lines;
	}

	/** Every command of a run script (any job, any step) that installs with pip. */
	static List<String> pipInstalls(String workflowText) {
		List<String> installs = new ArrayList<>();
		map(load(workflowText).get("jobs")).values().forEach((job) -> {
			if (map(job).get("steps") instanceof List<?> steps) {
				for (Object step : steps) {
					if (map(step).get("run") instanceof String script) {
						for (String command : script.replace("\\\n", " ").split("\n|&&|;")) {
							if (command.matches(".*\\bpip3?\\b.*\\binstall\\b.*")) {
								installs.add(command.strip());
							}
						}
					}
				}
			}
		});
		return installs;
	}

	private static Map<String, byte[]> workflows() {
		Map<String, byte[]> files = new java.util.TreeMap<>(WorkflowBundle.fromClasspath().files());
		files.keySet().removeIf((path) -> !path.startsWith(WorkflowBundle.WORKFLOWS_DIR));
		return files;
	}

	private static Map<String, Object> load(String text) {
		return map(new Yaml(new SafeConstructor(new LoaderOptions())).load(text));
	}

	/** YAML 1.1 reads an unquoted {@code on} key as the boolean true. */
	private static Object on(Map<String, Object> workflow) {
		return workflow.containsKey("on") ? workflow.get("on") : workflow.get(Boolean.TRUE);
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> map(Object value) {
		return (value instanceof Map<?, ?>) ? (Map<String, Object>) value : Map.of();
	}

}

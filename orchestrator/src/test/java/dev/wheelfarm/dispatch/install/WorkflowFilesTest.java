package dev.wheelfarm.dispatch.install;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

	private static final String CIBUILDWHEEL_REQUIREMENTS = WorkflowBundle.WORKER_DIR + "cibuildwheel-requirements.txt";

	private static final String CIBUILDWHEEL = "cibuildwheel";

	private static final Pattern HASHED_INSTALL = Pattern
		.compile("python -m pip install --require-hashes --no-deps -r (\\S+)");

	private static final Pattern CHECKOUT_INSTALL = Pattern
		.compile("python -m pip install --no-index --no-deps --no-build-isolation \\./(\\S+)");

	private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

	private static final Pattern PINNED = Pattern.compile("[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}");

	/** The one job that may ask for an OIDC token: it signs the wheels. */
	static final String SIGNING_JOB = "assemble";

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
	void everyShippedRequirementsFileIsPinnedByVersionAndHash() {
		Map<String, String> files = requirementFiles();
		assertThat(files).containsKeys(BUILD_REQUIREMENTS, CIBUILDWHEEL_REQUIREMENTS);
		files.forEach((path, text) -> {
			List<String> pins = requirementLines(text);
			assertThat(pins).as(path).isNotEmpty();
			assertThat(pins).as(path)
				.allSatisfy((line) -> assertThat(line).as("pinned by version and hash")
					.matches("[A-Za-z0-9._-]+==[0-9][A-Za-z0-9.]*( *;[^\\\\]+)?( +--hash=sha256:[0-9a-f]{64})+"));
		});
	}

	@Test
	void eachRequirementsFilePinsEveryRequirementOfWhatItInstallsAndNothingElse() {
		ToolRequirements recorded = ToolRequirements.load();
		assertThat(pinProblems(requirementFiles().get(CIBUILDWHEEL_REQUIREMENTS), recorded,
				List.of(CIBUILDWHEEL + " " + recorded.cibuildwheelVersion())))
			.isEmpty();
		assertThat(pinProblems(requirementFiles().get(BUILD_REQUIREMENTS), recorded, List.of("build"))).isEmpty();
	}

	@Test
	void thePinCheckCatchesAMissingAStrayAndATooOldPin() {
		ToolRequirements recorded = ToolRequirements.load();
		String hash = " --hash=sha256:" + "0".repeat(64);
		String file = String.join("\n", "build==1.6.1" + hash, "packaging==19.0" + hash,
				"colorama==0.4.6 ; os_name == \"nt\"" + hash, "humanize==4.16.0" + hash);
		assertThat(pinProblems(file, recorded, List.of("build")))
			.anySatisfy((p) -> assertThat(p).contains("pyproject-hooks").contains("not pinned"))
			.anySatisfy((p) -> assertThat(p).contains("packaging==19.0").contains(">=24.0"))
			.anySatisfy((p) -> assertThat(p).contains("humanize").contains("nothing requires"));
	}

	@Test
	void theWorkflowInstallsToolsOnlyFromShippedHashPinnedFilesOrACommitPinnedCheckout() {
		String text = new String(workflows().get(".github/workflows/wheelfarm-build.yml"), StandardCharsets.UTF_8);
		assertThat(installProblems(text, requirementFiles().keySet())).isEmpty();
		assertThat(pipInstalls(text)).contains(
				"python -m pip install --require-hashes --no-deps -r " + BUILD_REQUIREMENTS,
				"python -m pip install --require-hashes --no-deps -r " + CIBUILDWHEEL_REQUIREMENTS);
		// The cibuildwheel tree the platform jobs install is the one whose requirements
		// are recorded.
		assertThat(text).contains("repository: pypa/cibuildwheel",
				"ref: " + ToolRequirements.load().cibuildwheelCommit() + " # v"
						+ ToolRequirements.load().cibuildwheelVersion());
	}

	@Test
	void theInstallRulesCatchAnUnpinnedTool() {
		String workflow = """
				jobs:
				  pure:
				    steps:
				      - run: python -m pip install build==1.6.1
				      - run: python -m pip install --require-hashes --no-deps -r .wheelfarm/worker/elsewhere.txt
				      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0
				        with:
				          repository: pypa/cibuildwheel
				          ref: v4.1.0
				          path: tools/cibw
				      - run: python -m pip install --no-index --no-deps --no-build-isolation ./tools/cibw
				      - run: python -m pip install --no-deps --no-build-isolation ./tools/other
				""";
		assertThat(pipInstalls(workflow)).contains("python -m pip install build==1.6.1");
		assertThat(installProblems(workflow, Set.of(BUILD_REQUIREMENTS)))
			.anySatisfy((p) -> assertThat(p).contains("build==1.6.1"))
			.anySatisfy((p) -> assertThat(p).contains("elsewhere.txt").contains("not shipped"))
			.anySatisfy((p) -> assertThat(p).contains("tools/cibw").contains("commit"))
			.anySatisfy((p) -> assertThat(p).contains("tools/other"))
			.hasSize(4);
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
				  pure:
				    runs-on: ubuntu-latest
				    timeout-minutes: 5
				    permissions:
				      contents: read
				      id-token: write
				    steps:
				      - run: python -m build
				""";

		assertThat(violations(unsafe)).anySatisfy((v) -> assertThat(v).contains("not pinned"))
			.anySatisfy((v) -> assertThat(v).contains("no version comment"))
			.anySatisfy((v) -> assertThat(v).contains("expression inside run"))
			.anySatisfy((v) -> assertThat(v).contains("secrets"))
			.anySatisfy((v) -> assertThat(v).contains("workflow permissions"))
			.anySatisfy((v) -> assertThat(v).isEqualTo("job pure permissions must be read-only"))
			.anySatisfy((v) -> assertThat(v).contains("timeout-minutes"))
			.anySatisfy((v) -> assertThat(v).contains("concurrency"));
	}

	/**
	 * Every {@code pip install} of the workflow that may bring in something not pinned by
	 * a hash: allowed are an install of a shipped requirements file in hash-checking mode
	 * without dependency resolution, and an offline install (no index, no dependencies,
	 * no build isolation) of a tree an earlier step of the same job checked out at a full
	 * commit id.
	 */
	static List<String> installProblems(String workflowText, Set<String> shippedFiles) {
		List<String> problems = new ArrayList<>();
		map(load(workflowText).get("jobs")).forEach((name, job) -> {
			Map<String, String> checkedOut = new java.util.HashMap<>();
			if (!(map(job).get("steps") instanceof List<?> steps)) {
				return;
			}
			for (Object step : steps) {
				Map<String, Object> with = map(map(step).get("with"));
				if (String.valueOf(map(step).get("uses")).startsWith("actions/checkout@") && with.get("path") != null) {
					checkedOut.put(String.valueOf(with.get("path")), String.valueOf(with.get("ref")));
				}
				if (!(map(step).get("run") instanceof String script)) {
					continue;
				}
				for (String command : commands(script)) {
					if (!command.matches(".*\\bpip3?\\b.*\\binstall\\b.*")) {
						continue;
					}
					Matcher hashed = HASHED_INSTALL.matcher(command);
					Matcher tree = CHECKOUT_INSTALL.matcher(command);
					if (hashed.matches()) {
						if (!shippedFiles.contains(hashed.group(1))) {
							problems
								.add(name + ": " + command + ": the requirements file is not shipped in the bundle");
						}
					}
					else if (tree.matches()) {
						String ref = checkedOut.get(tree.group(1));
						if (ref == null || !COMMIT.matcher(ref).matches()) {
							problems.add(name + ": " + command + ": not a tree checked out at a full commit id (ref "
									+ ref + ")");
						}
					}
					else {
						problems.add(name + ": " + command
								+ ": installs without --require-hashes from a shipped file or a commit-pinned checkout");
					}
				}
			}
		});
		return problems;
	}

	/**
	 * What is wrong with a requirements file as the install of {@code roots} ("name" or
	 * "name version" of a recorded tool): every requirement of every installed package
	 * that applies to CPython 3.13 on some runner must be pinned at a version it allows
	 * (a Windows-only one with its marker), every pinned package's requirements must be
	 * recorded, and nothing may be pinned that nothing requires.
	 */
	static List<String> pinProblems(String requirementsText, ToolRequirements recorded, List<String> roots) {
		Map<String, Pin> pins = new java.util.TreeMap<>();
		for (String line : requirementLines(requirementsText)) {
			Pin pin = Pin.parse(line);
			pins.put(pin.name(), pin);
		}
		List<String> problems = new ArrayList<>();
		Set<String> reached = new java.util.TreeSet<>();
		java.util.Deque<String> pending = new java.util.ArrayDeque<>();
		for (String root : roots) {
			String[] parts = root.split(" ");
			String name = ToolRequirements.normalize(parts[0]);
			String version = (parts.length > 1) ? parts[1] : (pins.containsKey(name) ? pins.get(name).version() : null);
			if (version == null) {
				problems.add(name + " is not pinned");
				continue;
			}
			reached.add(name);
			pending.add(name + " " + version);
		}
		while (!pending.isEmpty()) {
			String installed = pending.poll();
			List<ToolRequirements.Requirement> requirements = recorded.of(installed);
			if (requirements == null) {
				problems.add(installed + ": its Requires-Dist is not recorded in tool-requirements.txt");
				continue;
			}
			for (ToolRequirements.Requirement requirement : requirements) {
				if (!requirement.appliesOnSomeRunner()) {
					continue;
				}
				Pin pin = pins.get(requirement.name());
				if (pin == null) {
					problems.add(installed + " requires " + requirement + ", which is not pinned");
					continue;
				}
				if (!requirement.allows(pin.version())) {
					problems.add(installed + " requires " + requirement + ", but " + pin.line() + " is pinned");
				}
				if (requirement.marker() != null && !requirement.marker().equals(pin.marker())) {
					problems.add(installed + " requires " + requirement + " only where its marker holds, but "
							+ pin.line() + " has another marker");
				}
				if (reached.add(requirement.name())) {
					pending.add(requirement.name() + " " + pin.version());
				}
			}
		}
		pins.keySet()
			.stream()
			.filter((name) -> !reached.contains(name))
			.forEach((name) -> problems.add(pins.get(name).line() + ": nothing requires it"));
		return problems;
	}

	/** One pinned line of a requirements file. */
	record Pin(String name, String version, String marker, String line) {

		static Pin parse(String line) {
			Matcher m = Pattern.compile("([A-Za-z0-9._-]+)==([^ ;]+) *(?:; *([^-][^\\\\]*?))?( +--hash=.*)?")
				.matcher(line);
			if (!m.matches()) {
				throw new IllegalArgumentException("not a pinned requirement: " + line);
			}
			return new Pin(ToolRequirements.normalize(m.group(1)), m.group(2),
					(m.group(3) != null) ? m.group(3).strip() : null, line.replaceAll(" +--hash=.*", ""));
		}

	}

	private static Map<String, String> requirementFiles() {
		Map<String, String> files = new java.util.TreeMap<>();
		WorkflowBundle.fromClasspath().files().forEach((path, bytes) -> {
			if (path.startsWith(WorkflowBundle.WORKER_DIR) && path.endsWith("-requirements.txt")) {
				files.put(path, new String(bytes, StandardCharsets.UTF_8));
			}
		});
		return files;
	}

	private static List<String> commands(String script) {
		List<String> commands = new ArrayList<>();
		for (String command : script.replace("\\\n", " ").split("\n|&&|;")) {
			if (!command.isBlank()) {
				commands.add(command.strip());
			}
		}
		return commands;
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
				// Read-only, but for the signing job's OIDC token: the assemble job runs
				// no
				// code of the sdist, and attests the wheels with the workflow's identity.
				Object permissions = job.get("permissions");
				boolean readOnly = permissions instanceof Map<?, ?> perms && perms.entrySet()
					.stream()
					.allMatch((p) -> "read".equals(p.getValue()) || "none".equals(p.getValue())
							|| (SIGNING_JOB.equals(name) && "id-token".equals(p.getKey())
									&& "write".equals(p.getValue())));
				if (!readOnly) {
					problems.add("job " + name + " permissions must be read-only"
							+ (SIGNING_JOB.equals(name) ? " (id-token: write aside)" : ""));
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
						for (String command : commands(script)) {
							if (command.matches(".*\\bpip3?\\b.*\\binstall\\b.*")) {
								installs.add(command);
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

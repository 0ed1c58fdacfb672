package dev.wheelfarm.provenance;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A trusted publisher: the GitHub Actions workflow allowed to sign a project's files, in
 * the shape PyPI's provenance objects name it ({@code {"kind":"GitHub","repository":…,
 * "workflow":…,"environment":…}}).
 *
 * @param kind always {@code GitHub}
 * @param repository {@code owner/name}
 * @param workflow the workflow file name ({@code release.yml}), or null for any workflow
 * of the repository
 * @param environment the deployment environment, or null. Recorded, not checked: Fulcio's
 * certificates do not carry it
 */
public record Publisher(String kind, String repository, String workflow, String environment) {

	/** PyPI's spelling of the kind. */
	public static final String GITHUB = "GitHub";

	private static final Pattern REPOSITORY = Pattern.compile("[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+");

	// A file directly in .github/workflows: GitHub runs nothing from a subdirectory.
	private static final Pattern WORKFLOW = Pattern.compile("[A-Za-z0-9_.-]+\\.ya?ml");

	private static final Pattern ENVIRONMENT = Pattern.compile("[^\\p{Cntrl}]{1,255}");

	public Publisher {
		if (!GITHUB.equals(kind)) {
			throw new IllegalArgumentException("Only GitHub publishers are supported, not " + kind);
		}
		if (repository == null || !REPOSITORY.matcher(repository).matches()) {
			throw new IllegalArgumentException("A GitHub repository is owner/name, not " + repository);
		}
		if (workflow != null && !WORKFLOW.matcher(workflow).matches()) {
			throw new IllegalArgumentException(
					"A workflow is a file name in .github/workflows ending in .yml or .yaml, not " + workflow);
		}
		if (environment != null && !ENVIRONMENT.matcher(environment).matches()) {
			throw new IllegalArgumentException("An environment name is 1 to 255 printable characters");
		}
	}

	/** A workflow of {@code repository} (any workflow when {@code workflow} is null). */
	public static Publisher gitHub(String repository, String workflow, String environment) {
		return new Publisher(GITHUB, repository, workflow, environment);
	}

	/**
	 * Reads the command line's spelling: {@code github:OWNER/REPO} or
	 * {@code github:OWNER/REPO/WORKFLOW}.
	 * @throws IllegalArgumentException if it is neither
	 */
	public static Publisher parse(String spec) {
		String prefix = "github:";
		if (spec == null || !spec.toLowerCase(Locale.ROOT).startsWith(prefix)) {
			throw new IllegalArgumentException(
					"A publisher is github:OWNER/REPO or github:OWNER/REPO/WORKFLOW.yml, not " + spec);
		}
		String[] parts = spec.substring(prefix.length()).split("/", -1);
		if (parts.length == 2) {
			return gitHub(parts[0] + "/" + parts[1], null, null);
		}
		if (parts.length == 3) {
			return gitHub(parts[0] + "/" + parts[1], parts[2], null);
		}
		throw new IllegalArgumentException(
				"A publisher is github:OWNER/REPO or github:OWNER/REPO/WORKFLOW.yml, not " + spec);
	}

	/** {@code https://github.com/owner/name}, as Fulcio writes the source repository. */
	String repositoryUrl() {
		return "https://github.com/" + this.repository;
	}

	@Override
	public String toString() {
		return "github:" + this.repository + ((this.workflow != null) ? "/" + this.workflow : "");
	}

}

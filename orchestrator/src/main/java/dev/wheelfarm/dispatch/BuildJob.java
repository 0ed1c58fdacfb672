package dev.wheelfarm.dispatch;

import java.util.regex.Pattern;

import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.Sha256;

/**
 * What a build engine is asked to build: the worker's inputs, all plain strings on the
 * wire.
 *
 * @param requestId names this attempt of this build everywhere (the workflow's run-name
 * carries it): {@code wf-<build id>-<attempt>}
 * @param project the project
 * @param version the release's version
 * @param sdistUrl where the worker downloads the sdist
 * @param sdistSha256 what the sdist must hash to
 * @param options the maintainer's allow-listed build options as compact JSON ({@code {}}
 * for none)
 */
public record BuildJob(String requestId, ProjectName project, String version, String sdistUrl, Sha256 sdistSha256,
		String options) {

	private static final Pattern REQUEST_ID = Pattern.compile("wf-[0-9]{1,18}-[0-9]{1,9}");

	public BuildJob {
		if (requestId == null || !REQUEST_ID.matcher(requestId).matches()) {
			throw new IllegalArgumentException("request id must look like wf-<build>-<attempt>: " + requestId);
		}
		if (project == null || sdistSha256 == null || version == null || sdistUrl == null || options == null) {
			throw new IllegalArgumentException("every build job input is required");
		}
	}

	/** The request id of one attempt of one build. */
	public static String requestId(long buildId, int attempt) {
		return "wf-" + buildId + "-" + attempt;
	}

}

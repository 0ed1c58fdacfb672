package dev.wheelfarm.dispatch.local;

import java.net.URI;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The inputs of one build job: the same set the GitHub workflow receives as
 * {@code workflow_dispatch} inputs. Validated here so that a bad request fails before a
 * process starts; the worker validates them again because the workflow has no Java in
 * front of it.
 *
 * @param requestId the farm's request id (appears in the run name and result.json)
 * @param project the PyPI project name
 * @param version the release version
 * @param sdistUrl where to download the sdist (http or https)
 * @param sdistSha256 the sdist's sha256 as PyPI announced it
 * @param options the maintainer's allow-listed options as a JSON object
 */
public record WorkerInvocation(String requestId, String project, String version, URI sdistUrl, String sdistSha256,
		String options) {

	private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

	private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

	public WorkerInvocation {
		require(requestId != null && REQUEST_ID.matcher(requestId).matches(),
				"request id must be 1-128 characters of [A-Za-z0-9._-]");
		require(project != null && !project.isBlank(), "project must be set");
		require(version != null && !version.isBlank(), "version must be set");
		require(sdistUrl != null && sdistUrl.getScheme() != null
				&& ("https".equals(sdistUrl.getScheme().toLowerCase(Locale.ROOT))
						|| "http".equals(sdistUrl.getScheme().toLowerCase(Locale.ROOT))),
				"sdist url must be http(s)");
		require(sdistSha256 != null && SHA256.matcher(sdistSha256).matches(),
				"sdist sha256 must be 64 lowercase hex digits");
		options = (options != null) ? options : "{}";
	}

	private static void require(boolean condition, String message) {
		if (!condition) {
			throw new IllegalArgumentException(message);
		}
	}

}

package dev.wheelfarm.builds;

import java.util.regex.Pattern;

/**
 * Something worth building: one sdist of one release, found by the watcher or asked for
 * through a request. Validated here because it comes from the edges (PyPI, the web form).
 *
 * @param project the PEP 503 normalized project name
 * @param version the release's version as PyPI lists it
 * @param sdistFilename the sdist's filename
 * @param sdistUrl where the builder downloads it
 * @param sdistSha256 PyPI's sha256 of it, which the worker verifies
 * @param origin who asked: the watcher, a request, or an operator
 */
public record BuildCandidate(String project, String version, String sdistFilename, String sdistUrl, String sdistSha256,
		Origin origin) {

	private static final Pattern NORMALIZED_NAME = Pattern.compile("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$");

	private static final Pattern SHA256 = Pattern.compile("^[0-9a-f]{64}$");

	public BuildCandidate {
		check(project != null && NORMALIZED_NAME.matcher(project).matches() && !project.contains("--"),
				"project must be a PEP 503 normalized name", project);
		check(version != null && !version.isBlank() && version.length() <= 200, "version must be 1-200 characters",
				version);
		check(sdistFilename != null && !sdistFilename.isBlank() && sdistFilename.length() <= 255
				&& !sdistFilename.contains("/") && !sdistFilename.contains("\\"),
				"sdist filename must be a plain file name", sdistFilename);
		check(sdistUrl != null && (sdistUrl.startsWith("https://") || sdistUrl.startsWith("http://")),
				"sdist URL must be http(s)", sdistUrl);
		check(sdistSha256 != null && SHA256.matcher(sdistSha256).matches(),
				"sdist sha256 must be 64 lowercase hex digits", sdistSha256);
		check(origin != null, "origin is required", null);
	}

	private static void check(boolean condition, String message, String value) {
		if (!condition) {
			String shown = (value == null) ? "null" : '"' + value.substring(0, Math.min(value.length(), 80)) + '"';
			throw new IllegalArgumentException(message + " (got " + shown + ")");
		}
	}

	/** Who asked for a build. */
	public enum Origin {

		WATCHER("watcher"), REQUEST("request"), OPERATOR("operator");

		private final String code;

		Origin(String code) {
			this.code = code;
		}

		public String code() {
			return this.code;
		}

	}

}

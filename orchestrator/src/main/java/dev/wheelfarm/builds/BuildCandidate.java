package dev.wheelfarm.builds;

import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.Sha256;

/**
 * Something worth building: one sdist of one release, found by the watcher or asked for
 * through a request. Validated here because it comes from the edges (PyPI, the web form).
 *
 * @param project the project
 * @param version the release's version as PyPI lists it
 * @param sdistFilename the sdist's filename
 * @param sdistUrl where the builder downloads it
 * @param sdistSha256 PyPI's sha256 of it, which the worker verifies
 * @param origin who asked: the watcher, a request, or an operator
 */
public record BuildCandidate(ProjectName project, String version, String sdistFilename, String sdistUrl,
		Sha256 sdistSha256, Origin origin) {

	public BuildCandidate {
		check(project != null, "project is required", null);
		check(sdistSha256 != null, "sdist sha256 is required", null);
		check(version != null && !version.isBlank() && version.length() <= 200, "version must be 1-200 characters",
				version);
		check(sdistFilename != null && !sdistFilename.isBlank() && sdistFilename.length() <= 255
				&& !sdistFilename.contains("/") && !sdistFilename.contains("\\"),
				"sdist filename must be a plain file name", sdistFilename);
		check(sdistUrl != null && (sdistUrl.startsWith("https://") || sdistUrl.startsWith("http://")),
				"sdist URL must be http(s)", sdistUrl);
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

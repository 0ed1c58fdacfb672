package dev.wheelfarm.pypi;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A project's releases and files as the farm last recorded them, deleted ones included
 * (they come back if PyPI lists them again).
 *
 * @param serial the cursor's serial, -1 before the first accepted page
 * @param releases by version string
 */
record StoredProject(long serial, Map<String, Release> releases) {

	static StoredProject empty() {
		return new StoredProject(-1, new LinkedHashMap<>());
	}

	record Release(long id, String version, boolean yanked, String yankedReason, boolean deleted,
			Map<String, File> files) {

	}

	record File(long id, String filename, ProjectSnapshot.Kind kind, String url, String sha256, long size,
			java.time.Instant uploadTime, String requiresPython, boolean yanked, String yankedReason, boolean deleted) {

	}

}

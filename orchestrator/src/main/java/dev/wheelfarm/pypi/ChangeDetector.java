package dev.wheelfarm.pypi;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Compares what the farm recorded with what PyPI shows now and says what happened. Pure:
 * no I/O, so every rule is a table in its unit test.
 */
final class ChangeDetector {

	private ChangeDetector() {
	}

	/**
	 * @param project the normalized name
	 * @param stored what the farm recorded
	 * @param now PyPI's releases now (empty when the project is gone)
	 * @param settings the maintainer's build settings
	 * @param farmBuilt the versions the farm serves wheels for
	 */
	static List<PypiChange> detect(String project, StoredProject stored,
			Map<String, List<ProjectSnapshot.FileSnapshot>> now, WatchSettings settings, Set<String> farmBuilt) {
		List<PypiChange> changes = new ArrayList<>();
		for (Map.Entry<String, List<ProjectSnapshot.FileSnapshot>> entry : now.entrySet()) {
			String version = entry.getKey();
			List<ProjectSnapshot.FileSnapshot> files = entry.getValue();
			StoredProject.Release before = stored.releases().get(version);
			boolean known = before != null && !before.deleted();
			List<StoredProject.File> liveBefore = known ? live(before.files().values()) : List.of();

			Optional<ProjectSnapshot.FileSnapshot> sdist = buildableSdist(files);
			boolean wasCandidate = known && wasBuildable(liveBefore);
			if (sdist.isPresent() && !wasCandidate && settings.wants(version, firstUpload(files))) {
				ProjectSnapshot.FileSnapshot s = sdist.get();
				changes.add(
						new ReleaseDiscovered(project, version, s.filename(), s.url(), s.sha256(), s.requiresPython()));
			}
			if (known) {
				boolean yankedNow = releaseYanked(files);
				if (yankedNow != before.yanked()) {
					changes.add(new ReleaseYankChanged(project, version, yankedNow, yankReason(files)));
				}
				for (StoredProject.File file : liveBefore) {
					if (files.stream().noneMatch((f) -> f.filename().equals(file.filename()))) {
						changes.add(new FileDeleted(project, version, file.filename()));
					}
				}
			}
			if (farmBuilt.contains(version)) {
				for (ProjectSnapshot.FileSnapshot file : files) {
					boolean wheelIsNew = file.kind() == ProjectSnapshot.Kind.WHEEL
							&& liveBefore.stream().noneMatch((f) -> f.filename().equals(file.filename()));
					if (wheelIsNew) {
						changes.add(new UpstreamWheelAppeared(project, version, file.filename(), file.sha256()));
					}
				}
			}
		}
		for (StoredProject.Release release : stored.releases().values()) {
			if (!release.deleted() && !now.containsKey(release.version())) {
				changes.add(new ReleaseDeleted(project, release.version()));
			}
		}
		return changes;
	}

	/** PyPI yanks whole releases; a release counts as yanked when every file is. */
	static boolean releaseYanked(List<ProjectSnapshot.FileSnapshot> files) {
		return !files.isEmpty() && files.stream().allMatch(ProjectSnapshot.FileSnapshot::yanked);
	}

	static String yankReason(List<ProjectSnapshot.FileSnapshot> files) {
		return releaseYanked(files) ? files.stream()
			.map(ProjectSnapshot.FileSnapshot::yankedReason)
			.filter(Objects::nonNull)
			.findFirst()
			.orElse(null) : null;
	}

	// The build wants a non-yanked sdist and no wheel at all; among several sdists
	// (.tar.gz and .zip of old releases) PEP 625's .tar.gz comes first.
	private static Optional<ProjectSnapshot.FileSnapshot> buildableSdist(List<ProjectSnapshot.FileSnapshot> files) {
		if (files.stream().anyMatch((f) -> f.kind() == ProjectSnapshot.Kind.WHEEL)) {
			return Optional.empty();
		}
		return files.stream()
			.filter((f) -> f.kind() == ProjectSnapshot.Kind.SDIST && !f.yanked())
			.min(Comparator.comparing((ProjectSnapshot.FileSnapshot f) -> !f.filename().endsWith(".tar.gz"))
				.thenComparing(ProjectSnapshot.FileSnapshot::filename));
	}

	private static boolean wasBuildable(List<StoredProject.File> files) {
		return files.stream().noneMatch((f) -> f.kind() == ProjectSnapshot.Kind.WHEEL)
				&& files.stream().anyMatch((f) -> f.kind() == ProjectSnapshot.Kind.SDIST && !f.yanked());
	}

	private static List<StoredProject.File> live(Collection<StoredProject.File> files) {
		return files.stream().filter((f) -> !f.deleted()).toList();
	}

	private static Instant firstUpload(List<ProjectSnapshot.FileSnapshot> files) {
		return files.stream()
			.map(ProjectSnapshot.FileSnapshot::uploadTime)
			.filter(Objects::nonNull)
			.min(Comparator.naturalOrder())
			.orElse(null);
	}

}

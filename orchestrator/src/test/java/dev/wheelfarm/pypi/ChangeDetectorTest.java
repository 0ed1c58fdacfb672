package dev.wheelfarm.pypi;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The detection rules without I/O: a stored project, PyPI's releases now, and what must
 * be reported.
 */
class ChangeDetectorTest {

	private static final String SHA = "c".repeat(64);

	@Test
	void aNewReleaseWithOnlyAnSdistIsACandidatePreferringTarGz() {
		List<PypiChange> changes = detect(stored(), Map.of("1.0", List.of(file("p-1.0.zip"), file("p-1.0.tar.gz"))),
				Set.of());
		assertThat(changes).extracting(PypiChange::kind, PypiChange::filename)
			.containsExactly(org.assertj.core.groups.Tuple.tuple("RELEASE_DISCOVERED", null));
		assertThat(((ReleaseDiscovered) changes.get(0)).sdistFilename()).isEqualTo("p-1.0.tar.gz");
	}

	@Test
	void anAlreadyKnownCandidateIsNotAnnouncedTwice() {
		StoredProject stored = stored(release("1.0", false, false, storedFile("p-1.0.tar.gz", false)));
		assertThat(detect(stored, Map.of("1.0", List.of(file("p-1.0.tar.gz"))), Set.of())).isEmpty();
	}

	@Test
	void nothingToBuildWhenThereIsAWheelOnlyYankedSdistsOrNoFiles() {
		Map<String, List<ProjectSnapshot.FileSnapshot>> now = new LinkedHashMap<>();
		now.put("1.0", List.of(file("p-1.0.tar.gz"), file("p-1.0-py3-none-any.whl")));
		now.put("2.0", List.of(yanked(file("p-2.0.tar.gz"))));
		now.put("3.0", List.of());
		now.put("4.0", List.of(file("p-4.0-py2.egg")));
		assertThat(detect(stored(), now, Set.of())).isEmpty();
	}

	@Test
	void aFirstSightOfAYankedReleaseIsNotAYankChange() {
		assertThat(detect(stored(), Map.of("1.0", List.of(yanked(file("p-1.0-py3-none-any.whl")))), Set.of()))
			.isEmpty();
	}

	@Test
	void aReleaseIsYankedOnlyWhenEveryFileIs() {
		StoredProject stored = stored(release("1.0", false, false, storedFile("p-1.0-py3-none-any.whl", false),
				storedFile("p-1.0.tar.gz", false)));
		assertThat(detect(stored, Map.of("1.0", List.of(yanked(file("p-1.0-py3-none-any.whl")), file("p-1.0.tar.gz"))),
				Set.of()))
			.isEmpty();
	}

	@Test
	void aDeletedReleaseReportsOnceAndItsFilesAreNotReportedOneByOne() {
		StoredProject stored = stored(release("1.0", false, false, storedFile("p-1.0.tar.gz", false)),
				release("0.9", false, true, storedFile("p-0.9.tar.gz", true)));
		assertThat(detect(stored, Map.of(), Set.of())).containsExactly(new ReleaseDeleted("p", "1.0"));
	}

	@Test
	void anUpstreamWheelMattersOnlyWhereTheFarmServesOne() {
		StoredProject stored = stored(release("1.0", false, false, storedFile("p-1.0.tar.gz", false)),
				release("2.0", false, false, storedFile("p-2.0.tar.gz", false)));
		Map<String, List<ProjectSnapshot.FileSnapshot>> now = new LinkedHashMap<>();
		now.put("1.0", List.of(file("p-1.0.tar.gz"), file("p-1.0-cp312-cp312-win_amd64.whl")));
		now.put("2.0", List.of(file("p-2.0.tar.gz"), file("p-2.0-py3-none-any.whl")));
		assertThat(detect(stored, now, Set.of("1.0")))
			.containsExactly(new UpstreamWheelAppeared("p", "1.0", "p-1.0-cp312-cp312-win_amd64.whl", SHA));
	}

	private static List<PypiChange> detect(StoredProject stored, Map<String, List<ProjectSnapshot.FileSnapshot>> now,
			Set<String> farmBuilt) {
		return ChangeDetector.detect("p", stored, now, WatchSettings.DEFAULTS, farmBuilt);
	}

	private static ProjectSnapshot.FileSnapshot file(String filename) {
		return new ProjectSnapshot.FileSnapshot(filename, PageRules.kindOf(filename, null),
				"https://files.example/" + filename, SHA, 10, Instant.parse("2026-01-01T00:00:00Z"), null, false, null);
	}

	private static ProjectSnapshot.FileSnapshot yanked(ProjectSnapshot.FileSnapshot file) {
		return new ProjectSnapshot.FileSnapshot(file.filename(), file.kind(), file.url(), file.sha256(), file.size(),
				file.uploadTime(), file.requiresPython(), true, "broken");
	}

	private static StoredProject.File storedFile(String filename, boolean deleted) {
		return new StoredProject.File(filename.hashCode(), filename, PageRules.kindOf(filename, null),
				"https://files.example/" + filename, SHA, 10, null, null, false, null, deleted);
	}

	private static StoredProject.Release release(String version, boolean yanked, boolean deleted,
			StoredProject.File... files) {
		Map<String, StoredProject.File> byName = new LinkedHashMap<>();
		for (StoredProject.File file : files) {
			byName.put(file.filename(), file);
		}
		return new StoredProject.Release(version.hashCode(), version, yanked, null, deleted, byName);
	}

	private static StoredProject stored(StoredProject.Release... releases) {
		Map<String, StoredProject.Release> byVersion = new LinkedHashMap<>();
		for (StoredProject.Release release : releases) {
			byVersion.put(release.version(), release);
		}
		return new StoredProject(1, byVersion);
	}

}

package dev.wheelfarm.index;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import dev.wheelfarm.shared.InvalidWheelFilenameException;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.Tag;
import dev.wheelfarm.shared.Version;
import dev.wheelfarm.shared.WheelFilename;

import org.springframework.stereotype.Component;

/**
 * Assembles and renders the pages from the database, uncached: what a page says at this
 * moment. The rules of architecture.md "Index rules" live here.
 */
@Component
class IndexPages {

	private final IndexRepository repository;

	private final IndexUrls urls;

	private final HtmlRenderer html = new HtmlRenderer();

	private final JsonRenderer json = new JsonRenderer();

	IndexPages(IndexRepository repository, IndexUrls urls) {
		this.repository = repository;
		this.urls = urls;
	}

	RenderedPage root() {
		return root(false);
	}

	/**
	 * The root listing; a stage's view links relatively even when a base URL is set, so
	 * that its links stay inside the stage.
	 */
	RenderedPage root(boolean relative) {
		List<ListedProject> projects = this.repository.hostedProjects()
			.stream()
			.map((project) -> new ListedProject(relative ? project.name() : this.urls.projectLink(project.name()),
					project.displayName()))
			.toList();
		return new RenderedPage(this.html.root(projects), this.json.root(projects));
	}

	Optional<RenderedPage> project(ProjectName name) {
		return page(name).map(this::render);
	}

	/**
	 * A project's page as it will be once the stage is published: the public files and
	 * the stage's. Its own files link relatively ({@code ../../files/…}), which resolves
	 * below the stage's URL, where the staged bytes are served.
	 */
	Optional<RenderedPage> stagedProject(ProjectName name, long stage) {
		return page(name, stage).map(this::render);
	}

	private RenderedPage render(ProjectPage page) {
		return new RenderedPage(this.html.project(page), this.json.project(page));
	}

	List<String> hostedNames() {
		return this.repository.hostedProjects().stream().map(IndexRepository.HostedProject::name).toList();
	}

	/** The page's content, or empty when the farm does not host the project. */
	Optional<ProjectPage> page(ProjectName name) {
		return page(name, null);
	}

	private Optional<ProjectPage> page(ProjectName name, Long stage) {
		Optional<IndexRepository.HostedProject> hosted = this.repository.hostedProject(name.value());
		if (hosted.isEmpty()) {
			return Optional.empty();
		}
		long id = hosted.get().id();
		List<IndexRepository.PypiFile> pypiFiles = this.repository.pypiFiles(id);
		Map<Version, List<Set<Tag>>> pypiWheelTags = pypiWheelTags(pypiFiles);
		List<IndexFile> files = new ArrayList<>();
		Map<Object, String> versions = new LinkedHashMap<>();
		this.repository.releaseVersions(id).forEach((version) -> addVersion(versions, version));
		for (IndexRepository.FarmWheel wheel : this.repository.farmWheels(id, stage)) {
			// An uploaded sdist cannot shadow PyPI's: the upload refuses a name PyPI has.
			boolean sdist = "sdist".equals(wheel.kind());
			if (wheel.releaseDeleted() || (!sdist && shadowed(wheel.filename(), pypiWheelTags))) {
				continue;
			}
			addVersion(versions, wheel.version());
			String url = (stage != null) ? IndexUrls.relativeFile(wheel.sha256(), wheel.filename())
					: this.urls.file(wheel.sha256(), wheel.filename());
			// A stage's view links its provenance objects below the stage's URL, as its
			// files: the public integrity URL names public files only.
			String provenance = !wheel.attested() ? null
					: (stage != null) ? IndexUrls.relativeProvenance(name.value(), wheel.version(), wheel.filename())
							: this.urls.provenance(name.value(), wheel.version(), wheel.filename());
			files.add(
					new IndexFile(wheel.filename(), url, wheel.sha256(), wheel.requiresPython(), wheel.metadataSha256(),
							wheel.yanked(), wheel.yankedReason(), wheel.size(), wheel.uploadTime(), true, provenance));
		}
		for (IndexRepository.PypiFile file : pypiFiles) {
			files.add(new IndexFile(file.filename(), file.url(), file.sha256(), file.requiresPython(), null,
					file.yanked(), file.yankedReason(), file.size(), file.uploadTime()));
		}
		files.sort(Comparator.comparing(IndexFile::filename));
		TreeSet<String> ordered = new TreeSet<>(versionOrder(versions));
		ordered.addAll(versions.values());
		return Optional.of(new ProjectPage(name.value(), List.copyOf(ordered), files));
	}

	/**
	 * Strings that are no PEP 440 version first, then versions in PEP 440 order. Each
	 * version is compared as {@link #addVersion} parsed it, once: parsing in the
	 * comparator parsed every version at each of a sort's comparisons, which cost more
	 * than the rest of a 300-file page's rendering.
	 */
	private static Comparator<String> versionOrder(Map<Object, String> versions) {
		Map<String, Version> parsed = new HashMap<>();
		versions.forEach((key, text) -> {
			if (key instanceof Version version) {
				parsed.put(text, version);
			}
		});
		return Comparator.comparing((String text) -> parsed.containsKey(text)).thenComparing((a, b) -> {
			Version left = parsed.get(a);
			Version right = parsed.get(b);
			return (left != null && right != null) ? left.compareTo(right) : 0;
		}).thenComparing(Comparator.naturalOrder());
	}

	/**
	 * PEP 440 makes {@code 1.0.dev1} and {@code 1.0.0.dev1} one version, so PEP 700's
	 * list names it once, in the spelling seen first: PyPI's release, else the farm's
	 * oldest file. A string that is no PEP 440 version stands for itself.
	 */
	private static void addVersion(Map<Object, String> versions, String version) {
		versions.putIfAbsent(Version.tryParse(version).<Object>map((parsed) -> parsed).orElse(version), version);
	}

	private static Map<Version, List<Set<Tag>>> pypiWheelTags(List<IndexRepository.PypiFile> files) {
		Map<Version, List<Set<Tag>>> tags = new HashMap<>();
		for (IndexRepository.PypiFile file : files) {
			if (!"wheel".equals(file.kind())) {
				continue;
			}
			parse(file.filename()).ifPresent(
					(wheel) -> tags.computeIfAbsent(wheel.version(), (key) -> new ArrayList<>()).add(wheel.tags()));
		}
		return tags;
	}

	/**
	 * Never shadow upstream: a farm wheel is withdrawn as soon as PyPI lists a wheel of
	 * the same version that shares one of its tags (e.g. PyPI's {@code py2.py3-none-any}
	 * covers our {@code py3-none-any}). PyPI's yanked wheels count too, or ours would win
	 * against them.
	 */
	private static boolean shadowed(String filename, Map<Version, List<Set<Tag>>> pypiWheelTags) {
		Optional<WheelFilename> ours = parse(filename);
		if (ours.isEmpty()) {
			return true;
		}
		for (Set<Tag> theirs : pypiWheelTags.getOrDefault(ours.get().version(), List.of())) {
			for (Tag tag : ours.get().tags()) {
				if (theirs.contains(tag)) {
					return true;
				}
			}
		}
		return false;
	}

	private static Optional<WheelFilename> parse(String filename) {
		try {
			return Optional.of(WheelFilename.parse(filename));
		}
		catch (InvalidWheelFilenameException ex) {
			// PyPI hosts old wheels whose names predate today's rules: they cannot match
			// ours.
			return Optional.empty();
		}
	}

}

package dev.wheelfarm.index;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.wheelfarm.artifacts.BlobStore;
import dev.wheelfarm.index.ExportTarget.PageKind;
import dev.wheelfarm.provenance.Attestations;
import dev.wheelfarm.provenance.ProvenanceObject;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.Sha256;

import org.springframework.stereotype.Component;

/**
 * Writes the whole index as files that any web server or CDN serves unchanged:
 * {@code simple/index.html|json}, {@code simple/<name>/index.html|json} and
 * {@code files/<ab>/<sha256>/<filename>[.metadata]}, and for attested files
 * {@code integrity/<project>/<version>/<filename>/provenance} (PEP 740) — the same bytes
 * and relative links the application serves — to a directory or a bucket
 * ({@link ExportTarget}). Incremental: a page is rewritten only when its bytes changed, a
 * file is copied only once (its path is its hash).
 * <p>
 * The order is what keeps a reader (a CDN fetching on a miss) from ever meeting a link to
 * something not there: for each project, its files first and its pages after them; the
 * root, which names every project, last of all. Likewise, pages of projects no longer
 * hosted and copies of removed files are deleted only after the pages stopped linking to
 * them.
 */
@Component
class StaticExporter {

	static final String HTML = "index.html";

	static final String JSON = "index.json";

	private final IndexPages pages;

	private final IndexRepository repository;

	private final BlobStore blobs;

	private final Attestations attestations;

	StaticExporter(IndexPages pages, IndexRepository repository, BlobStore blobs, Attestations attestations) {
		this.pages = pages;
		this.repository = repository;
		this.blobs = blobs;
		this.attestations = attestations;
	}

	/**
	 * Brings {@code directory} up to date.
	 * @return what changed
	 */
	Report export(Path directory) throws IOException {
		return export(new DirectoryExport(directory));
	}

	/**
	 * Brings {@code target} up to date.
	 * @return what changed
	 */
	Report export(ExportTarget target) throws IOException {
		target.begin();
		int rewritten = 0;
		int unchanged = 0;
		int copied = 0;
		List<String> hosted = this.pages.hostedNames();
		Set<String> provenanceNamed = new HashSet<>();
		for (String name : hosted) {
			Optional<ProjectPage> page = this.pages.page(new ProjectName(name));
			if (page.isEmpty()) {
				// Stopped being hosted between the two queries: the removal below handles
				// it.
				continue;
			}
			copied += exportFiles(target, page.get(), provenanceNamed);
			RenderedPage rendered = new RenderedPage(new HtmlRenderer().project(page.get()),
					new JsonRenderer().project(page.get()));
			if (writePages(target, "simple/" + name + "/", rendered)) {
				rewritten++;
			}
			else {
				unchanged++;
			}
		}
		writePages(target, "simple/", this.pages.root());
		int removed = removeUnhosted(target, new HashSet<>(hosted));
		int filesDeleted = removeDeletedFiles(target, this.repository.liveFiles());
		filesDeleted += removeUnnamedProvenance(target, provenanceNamed);
		return new Report(rewritten, unchanged, removed, copied, filesDeleted);
	}

	/**
	 * Copies the page's files and writes their provenance objects.
	 * @param provenanceNamed collects the provenance paths the page links to
	 */
	private int exportFiles(ExportTarget target, ProjectPage page, Set<String> provenanceNamed) throws IOException {
		int copied = 0;
		for (IndexFile file : page.files()) {
			if (!file.hosted()) {
				// PyPI's file: it stays on PyPI, the page links there.
				continue;
			}
			Optional<IndexRepository.StoredWheel> stored = this.repository.storedWheel(file.sha256(), file.filename());
			if (stored.isEmpty()) {
				continue;
			}
			String wheel = IndexUrls.filePath(file.sha256(), file.filename());
			copied += copyOnce(target, Sha256.of(stored.get().sha256()), wheel);
			if (stored.get().metadataSha256() != null) {
				// Wheels only: an sdist's PKG-INFO is not served as PEP 658 metadata.
				copied += copyOnce(target, Sha256.of(stored.get().metadataSha256()), wheel + ".metadata");
			}
			if (file.provenance() != null) {
				// Beside the files, where the page's provenance link points; before the
				// page, like the file itself.
				String path = IndexUrls.provenancePath(page.name(), stored.get().version(), file.filename());
				provenanceNamed.add(path);
				Optional<ProvenanceObject> provenance = this.attestations.provenance(page.name(),
						stored.get().version(), file.filename());
				if (provenance.isPresent()) {
					copied += target.writePage(path, provenance.get().toJson(), PageKind.PROVENANCE) ? 1 : 0;
				}
			}
		}
		return copied;
	}

	private int copyOnce(ExportTarget target, Sha256 blob, String path) throws IOException {
		if (target.hasFile(path)) {
			return 0;
		}
		long size = this.blobs.size(blob).orElseThrow(() -> new NoSuchFileException("blob " + blob.hex()));
		try (InputStream in = this.blobs.open(blob)) {
			target.writeFile(path, in, size);
		}
		return 1;
	}

	/**
	 * Writes a page and its {@code .gz} twin (what nginx's {@code gzip_static} and most
	 * CDNs serve to clients that accept gzip). The plain file is written last, so a
	 * reader never finds a new page beside an old compressed one for long.
	 * @return whether any of them changed
	 */
	private static boolean writePages(ExportTarget target, String directory, RenderedPage page) throws IOException {
		boolean changed = target.writePage(directory + HTML + ".gz", page.htmlGzip(), PageKind.HTML_GZIP);
		changed |= target.writePage(directory + HTML, page.html(), PageKind.HTML);
		changed |= target.writePage(directory + JSON + ".gz", page.jsonGzip(), PageKind.JSON_GZIP);
		changed |= target.writePage(directory + JSON, page.json(), PageKind.JSON);
		return changed;
	}

	private static int removeUnhosted(ExportTarget target, Set<String> hosted) throws IOException {
		int removed = 0;
		for (String name : target.projects()) {
			if (!hosted.contains(name)) {
				target.deleteProject(name);
				removed++;
			}
		}
		return removed;
	}

	/**
	 * Deletes the copies of files that were removed from the farm (and their metadata),
	 * after the pages that linked to them were rewritten. Run on every export rather than
	 * only after a removal, so that an export that failed or a process that died in
	 * between still converges at the next export.
	 * @param live every file that is not removed, as {@code <sha256>/<filename>}, read
	 * after the pages were written
	 */
	private static int removeDeletedFiles(ExportTarget target, Set<String> live) throws IOException {
		int deleted = 0;
		for (String path : target.files()) {
			String[] parts = path.split("/");
			String name = parts[3];
			String wheel = name.endsWith(".metadata") ? name.substring(0, name.length() - ".metadata".length()) : name;
			if (!live.contains(parts[2] + "/" + wheel)) {
				target.deleteFile(path);
				deleted++;
			}
		}
		return deleted;
	}

	/**
	 * Deletes the provenance objects no page links to any more (of files that were
	 * removed, withdrawn or whose project is no longer hosted), after the pages were
	 * rewritten, as for the files themselves.
	 * @param named the provenance paths the pages written by this export link to
	 */
	private static int removeUnnamedProvenance(ExportTarget target, Set<String> named) throws IOException {
		int deleted = 0;
		for (String path : target.provenance()) {
			if (!named.contains(path)) {
				target.deleteProvenance(path);
				deleted++;
			}
		}
		return deleted;
	}

	/**
	 * What one export did.
	 *
	 * @param rewritten projects whose pages changed
	 * @param unchanged projects left as they were
	 * @param removed projects no longer hosted whose pages were deleted
	 * @param filesCopied wheels and metadata files copied
	 * @param filesDeleted copies of removed files (and their metadata and provenance
	 * objects) deleted
	 */
	record Report(int rewritten, int unchanged, int removed, int filesCopied, int filesDeleted) {

	}

}

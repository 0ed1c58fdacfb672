package dev.wheelfarm.cache;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.Sha256;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Component;

/**
 * The files the cache serves: from the blob store when it holds them, else fetched from
 * upstream once, verified against the hash upstream's page lists, stored, then served.
 * Bytes that do not match are refused and never stored. Past {@code max-size} the least
 * recently used files are deleted, but never bytes a file of the farm's own needs.
 */
@Component
class CachedFiles {

	static final String METADATA_SUFFIX = ".metadata";

	private static final Logger logger = LoggerFactory.getLogger(CachedFiles.class);

	private static final int SWEEP_BATCH = 100;

	private final CacheRepository repository;

	private final CacheBlobs blobs;

	private final ProjectPages pages;

	private final UpstreamClient upstream;

	private final CacheMetrics metrics;

	private final CacheProperties properties;

	private final Clock clock;

	private final SingleFlight<String, Optional<CacheRepository.StoredFile>> fetches = new SingleFlight<>();

	CachedFiles(CacheRepository repository, CacheBlobs blobs, ProjectPages pages, UpstreamClient upstream,
			CacheMetrics metrics, CacheProperties properties, Clock clock) {
		this.repository = repository;
		this.blobs = blobs;
		this.pages = pages;
		this.upstream = upstream;
		this.metrics = metrics;
		this.properties = properties;
		this.clock = clock;
	}

	/**
	 * The file {@code project}'s page lists as {@code filename} with hash
	 * {@code fileSha256}, or its PEP 658 metadata when the name ends in
	 * {@code .metadata}.
	 * @return empty when upstream does not list it (under this hash)
	 * @throws UpstreamException when it must be fetched and upstream cannot give it
	 */
	Optional<Served> file(ProjectName project, Sha256 fileSha256, String filename) throws IOException {
		String kind = filename.endsWith(METADATA_SUFFIX) ? CacheMetrics.METADATA : CacheMetrics.FILE;
		Optional<Served> held = held(project, fileSha256, filename);
		if (held.isPresent()) {
			this.metrics.hit(kind);
			return held;
		}
		// Waiting for another request's download is a hit: upstream is asked once.
		Optional<CacheRepository.StoredFile> fetched = this.fetches.run(fileSha256.hex() + "/" + filename,
				() -> fetch(project, fileSha256, filename, kind), () -> this.metrics.hit(kind));
		if (fetched.isEmpty()) {
			return Optional.empty();
		}
		Optional<InputStream> bytes = this.blobs.open(Sha256.of(fetched.get().sha256()));
		if (bytes.isEmpty()) {
			// Swept between the store and this read by a sweep that counted it least
			// recently used: the client asks again.
			throw new UpstreamException(filename + " was evicted as it was fetched", true, null);
		}
		return Optional.of(new Served(fetched.get(), bytes.get()));
	}

	private Optional<Served> held(ProjectName project, Sha256 fileSha256, String filename) throws IOException {
		Optional<CacheRepository.StoredFile> row = this.repository.file(fileSha256.hex(), filename)
			.filter((file) -> file.project().equals(project.value()));
		if (row.isEmpty()) {
			return Optional.empty();
		}
		Optional<InputStream> bytes = this.blobs.open(Sha256.of(row.get().sha256()));
		if (bytes.isEmpty()) {
			// The blob went (deleted by hand, or the store was replaced): fetch it again.
			this.repository.forgetFile(row.get());
			return Optional.empty();
		}
		this.repository.used(row.get(), this.clock.instant());
		return Optional.of(new Served(row.get(), bytes.get()));
	}

	private Optional<CacheRepository.StoredFile> fetch(ProjectName project, Sha256 fileSha256, String filename,
			String kind) {
		Optional<CacheRepository.StoredFile> done = this.repository.file(fileSha256.hex(), filename)
			.filter((file) -> file.project().equals(project.value()) && this.blobs.contains(Sha256.of(file.sha256())));
		if (done.isPresent()) {
			// Fetched by a request that finished just before this one started waiting.
			this.metrics.hit(kind);
			return done;
		}
		boolean metadata = kind.equals(CacheMetrics.METADATA);
		String listedName = metadata ? filename.substring(0, filename.length() - METADATA_SUFFIX.length()) : filename;
		Optional<UpstreamPage.Listed> listed = this.pages.page(project)
			.flatMap((page) -> page.file(listedName))
			.filter((file) -> file.sha256().equals(fileSha256))
			.filter((file) -> !metadata || file.metadataSha256() != null);
		if (listed.isEmpty()) {
			return Optional.empty();
		}
		this.metrics.miss(kind);
		Sha256 expected = metadata ? listed.get().metadataSha256() : listed.get().sha256();
		URI url = metadata ? metadataUrl(listed.get().url()) : listed.get().url();
		CacheRepository.StoredFile stored;
		try {
			Path part = Files.createTempFile("wheelfarm-cache-", ".part");
			try {
				long size = this.upstream.download(url, expected, part, kind);
				this.blobs.store(part, expected);
				stored = new CacheRepository.StoredFile(fileSha256.hex(), filename, expected.hex(), project.value(),
						size);
				this.repository.saveFile(stored, this.clock.instant());
			}
			finally {
				Files.deleteIfExists(part);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException("could not keep " + filename + " in the blob store", ex);
		}
		logger.info("PyPI cache: fetched {} ({} bytes) from {}", filename, stored.size(), url.getHost());
		sweep();
		return Optional.of(stored);
	}

	/** PEP 658: the metadata file is the file's URL with {@code .metadata} appended. */
	private static URI metadataUrl(URI fileUrl) {
		String url = fileUrl.toString();
		int fragment = url.indexOf('#');
		return URI.create(((fragment < 0) ? url : url.substring(0, fragment)) + METADATA_SUFFIX);
	}

	/**
	 * Deletes least recently used files until the cache is within {@code max-size}. Bytes
	 * another cached file or one of the farm's own files still needs stay.
	 */
	void sweep() {
		long limit = this.properties.maxSize().toBytes();
		long total = this.repository.totalSize();
		int evicted = 0;
		while (total > limit) {
			List<CacheRepository.StoredFile> oldest = this.repository.leastRecentlyUsed(SWEEP_BATCH);
			if (oldest.isEmpty()) {
				break;
			}
			for (CacheRepository.StoredFile file : oldest) {
				if (total <= limit) {
					break;
				}
				// Wall time, not the farm's clock: it is compared with the blob's
				// modification time, which the store sets from wall time when an ingest
				// stores (or stores again) the same bytes.
				Instant cutoff = Instant.now();
				this.repository.forgetFile(file);
				total -= file.size();
				evicted++;
				if (!this.repository.blobNeeded(file.sha256())) {
					deleteBlob(file, cutoff);
				}
			}
		}
		if (evicted > 0) {
			this.metrics.evicted(evicted);
			logger.info("PyPI cache: evicted {} least recently used file(s) to stay within {}", evicted,
					this.properties.maxSize());
		}
		this.metrics.size(total);
	}

	private void deleteBlob(CacheRepository.StoredFile file, Instant cutoff) {
		try {
			this.blobs.deleteIfStoredBefore(Sha256.of(file.sha256()), cutoff);
		}
		catch (IOException ex) {
			// The row is gone, so retention's sweep deletes the orphan later: it costs
			// disk for a while, not correctness.
			logger.warn("PyPI cache: blob of {} not deleted: {}", file.filename(), ex.getMessage());
		}
	}

	/** A file being served: its row and its bytes, which the caller closes. */
	record Served(CacheRepository.StoredFile file, InputStream bytes) {

	}

}

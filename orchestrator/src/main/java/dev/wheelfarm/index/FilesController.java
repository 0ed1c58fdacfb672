package dev.wheelfarm.index;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

import dev.wheelfarm.artifacts.BlobStore;
import dev.wheelfarm.artifacts.BlobsProperties;
import dev.wheelfarm.shared.Sha256;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /files/<ab>/<sha256>/<filename>} and its {@code .metadata} (PEP 658). The bytes
 * are found by the hash, never by a path built from the request: the filename only has to
 * match the stored wheel's row, so no request can name a file outside the store. A path
 * names the same bytes forever, hence the year-long immutable caching.
 */
@RestController
class FilesController {

	private static final Logger logger = LoggerFactory.getLogger(FilesController.class);

	/** How soon a client is asked to retry when the blob store could not be read. */
	private static final String RETRY_AFTER_SECONDS = "10";

	// A redirect names content-addressed bytes, so it could be cached for ever; a day
	// lets an operator move the CDN without clients holding the old address for a year.
	private static final CacheControl REDIRECT_CACHING = CacheControl.maxAge(Duration.ofDays(1)).cachePublic();

	private static final Pattern HEX = Pattern.compile("^[0-9a-f]{64}$");

	private static final String METADATA = ".metadata";

	private static final String IMMUTABLE = "public, max-age=31536000, immutable";

	// A wheel is a zip archive (no media type is registered for wheels); an sdist a
	// gzip'd tar, sent as application/gzip and never with Content-Encoding, or clients
	// would unpack it and find a hash mismatch; PEP 658 metadata is an RFC 822-style
	// UTF-8 text file, readable in a browser (nosniff keeps it text).
	private static final MediaType WHEEL_TYPE = MediaType.parseMediaType("application/zip");

	private static final MediaType METADATA_TYPE = new MediaType(MediaType.TEXT_PLAIN, StandardCharsets.UTF_8);

	private static final MediaType SDIST_TYPE = MediaType.parseMediaType("application/gzip");

	private final IndexRepository repository;

	private final BlobStore blobs;

	private final boolean redirect;

	FilesController(IndexRepository repository, BlobStore blobs, BlobsProperties properties) {
		this.repository = repository;
		this.blobs = blobs;
		this.redirect = properties.serve() == BlobsProperties.Serve.REDIRECT;
	}

	@GetMapping("/files/{prefix}/{sha256}/{filename}")
	ResponseEntity<Resource> file(@PathVariable String prefix, @PathVariable String sha256,
			@PathVariable String filename, HttpServletRequest request) {
		return serve(prefix, sha256, filename, null, request);
	}

	/**
	 * The files a stage's pages link to: the public ones and the stage's own. Staged
	 * bytes are reachable only through the stage's secret token.
	 */
	@GetMapping("/stage/{token}/files/{prefix}/{sha256}/{filename}")
	ResponseEntity<Resource> stagedFile(@PathVariable String token, @PathVariable String prefix,
			@PathVariable String sha256, @PathVariable String filename, HttpServletRequest request) {
		Optional<IndexRepository.OpenStage> stage = this.repository.openStage(token);
		if (stage.isEmpty()) {
			return ResponseEntity.notFound().build();
		}
		return serve(prefix, sha256, filename, stage.get().id(), request);
	}

	private ResponseEntity<Resource> serve(String prefix, String sha256, String filename, Long stage,
			HttpServletRequest request) {
		if (!HEX.matcher(sha256).matches() || !sha256.startsWith(prefix) || prefix.length() != 2) {
			return ResponseEntity.notFound().build();
		}
		boolean metadata = filename.endsWith(METADATA);
		String wheelName = metadata ? filename.substring(0, filename.length() - METADATA.length()) : filename;
		Optional<IndexRepository.StoredWheel> wheel = this.repository.storedWheel(sha256, wheelName, stage);
		if (wheel.isEmpty() || (metadata && wheel.get().metadataSha256() == null)) {
			return ResponseEntity.notFound().build();
		}
		Sha256 blob = Sha256.of(metadata ? wheel.get().metadataSha256() : wheel.get().sha256());
		String etag = "\"" + blob.hex() + "\"";
		if (etag.equals(request.getHeader(HttpHeaders.IF_NONE_MATCH))) {
			// Answered before the store is asked: a client re-checking a file costs no
			// read of the bucket.
			return ResponseEntity.status(HttpStatus.NOT_MODIFIED).eTag(etag).build();
		}
		// A stage's files stay behind its secret URL: only public files are redirected.
		Optional<URI> direct = (this.redirect && stage == null) ? this.blobs.publicUri(blob) : Optional.empty();
		if (direct.isPresent()) {
			return ResponseEntity.status(HttpStatus.FOUND)
				.location(direct.get())
				.cacheControl(REDIRECT_CACHING)
				.build();
		}
		String name = metadata ? wheel.get().filename() + METADATA : wheel.get().filename();
		MediaType type = metadata ? METADATA_TYPE : "sdist".equals(wheel.get().kind()) ? SDIST_TYPE : WHEEL_TYPE;
		long size;
		BlobResource body = null;
		try {
			size = metadata ? requireSize(blob) : wheel.get().size();
			if (!"HEAD".equals(request.getMethod())) {
				// Opened before the status is chosen: a store that cannot be read answers
				// 503, never a 200 whose body then breaks off.
				InputStream in = this.blobs.open(blob);
				body = new BlobResource(this.blobs, blob, size, name, in);
			}
		}
		catch (IOException ex) {
			logger.warn("Cannot serve {} ({}): {}", name, blob.hex(), ex.getMessage());
			return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
				.header(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS)
				.build();
		}
		return ResponseEntity.ok()
			.contentType(type)
			.contentLength(size)
			// pip names a download after Content-Disposition when there is one. Without
			// this header Spring MVC's reflected-file-download guard sends the same
			// "f.txt" for every file, so all files of one pip command overwrite each
			// other. The name is the stored row's, never text taken from the request.
			.header(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.inline().filename(name).build().toString())
			// A stage's URL is a secret: no shared cache may keep what it served.
			.header(HttpHeaders.CACHE_CONTROL, (stage == null) ? IMMUTABLE : "private, no-store")
			.eTag(etag)
			.body(body);
	}

	private long requireSize(Sha256 blob) throws IOException {
		OptionalLong size = this.blobs.size(blob);
		if (size.isEmpty()) {
			throw new IOException("listed, but not in " + this.blobs.describe());
		}
		return size.getAsLong();
	}

}

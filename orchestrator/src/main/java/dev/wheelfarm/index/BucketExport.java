package dev.wheelfarm.index;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The export as objects in an S3-compatible bucket, for a CDN in front of it. S3 has no
 * rename, but one PUT is atomic: a reader gets the old object or the new one. What is
 * there is listed once per run (one paginated {@code ListObjectsV2}); a page is written
 * only when the MD5 of its bytes differs from the object's ETag (what S3 answers for an
 * object written by one plain PUT), a file only when its key is absent.
 * <p>
 * Headers a CDN passes on are stored with each object: the page's media type,
 * {@code Cache-Control} short for pages and immutable for files, whose key is their hash.
 */
final class BucketExport implements ExportTarget {

	private static final String FILE_CACHING = "public, max-age=31536000, immutable";

	private static final String WHEEL_TYPE = "application/zip";

	// UTF-8 in capitals: see ExportTarget.PageKind.
	private static final String METADATA_TYPE = "text/plain;charset=UTF-8";

	private static final String SDIST_TYPE = "application/gzip";

	private final S3Client s3;

	private final String bucket;

	private final String prefix;

	private final String pageCaching;

	/** Key (without the prefix) → ETag without quotes, as listed at {@link #begin()}. */
	private final Map<String, String> present = new HashMap<>();

	/**
	 * @param prefix put before every key, e.g. {@code index/}; empty for the bucket's
	 * root
	 * @param pageMaxAge the {@code max-age} of pages, as the farm serves them
	 */
	BucketExport(S3Client s3, String bucket, String prefix, Duration pageMaxAge) {
		this.s3 = s3;
		this.bucket = bucket;
		this.prefix = prefix;
		this.pageCaching = "public, max-age=" + pageMaxAge.toSeconds();
	}

	@Override
	public void begin() throws IOException {
		this.present.clear();
		try {
			for (S3Object object : this.s3
				.listObjectsV2Paginator((request) -> request.bucket(this.bucket).prefix(this.prefix))
				.contents()) {
				if (object.key().endsWith("/")) {
					// A directory marker some stores list (s3proxy's filesystem backend):
					// not an object the export wrote.
					continue;
				}
				this.present.put(object.key().substring(this.prefix.length()), unquoted(object.eTag()));
			}
		}
		catch (SdkException ex) {
			throw new IOException("cannot list bucket " + describe() + ": " + ex.getMessage(), ex);
		}
	}

	@Override
	public boolean hasFile(String path) {
		return this.present.containsKey(path);
	}

	@Override
	public void writeFile(String path, InputStream content, long size) throws IOException {
		String type = path.endsWith(".metadata") ? METADATA_TYPE : path.endsWith(".whl") ? WHEEL_TYPE : SDIST_TYPE;
		try {
			this.s3.putObject((request) -> request.bucket(this.bucket)
				.key(this.prefix + path)
				.contentType(type)
				.cacheControl(FILE_CACHING)
				.contentLength(size), RequestBody.fromInputStream(content, size));
		}
		catch (SdkException ex) {
			throw new IOException("cannot write " + path + " to " + describe() + ": " + ex.getMessage(), ex);
		}
		this.present.put(path, "");
	}

	@Override
	public boolean writePage(String path, byte[] bytes, PageKind kind) throws IOException {
		String md5 = md5(bytes);
		if (md5.equals(this.present.get(path))) {
			return false;
		}
		try {
			this.s3.putObject((request) -> request.bucket(this.bucket)
				.key(this.prefix + path)
				.contentType(kind.contentType)
				.cacheControl(this.pageCaching), RequestBody.fromBytes(bytes));
		}
		catch (SdkException ex) {
			throw new IOException("cannot write " + path + " to " + describe() + ": " + ex.getMessage(), ex);
		}
		this.present.put(path, md5);
		return true;
	}

	@Override
	public Set<String> projects() {
		Set<String> names = new HashSet<>();
		for (String key : this.present.keySet()) {
			// simple/<name>/index.html: the root's own pages have no second slash.
			if (key.startsWith("simple/") && key.indexOf('/', "simple/".length()) > 0) {
				names.add(key.substring("simple/".length(), key.indexOf('/', "simple/".length())));
			}
		}
		return names;
	}

	@Override
	public void deleteProject(String name) throws IOException {
		String directory = "simple/" + name + "/";
		delete(this.present.keySet().stream().filter((key) -> key.startsWith(directory)).toList());
	}

	@Override
	public Set<String> files() {
		Set<String> files = new HashSet<>();
		for (String key : this.present.keySet()) {
			if (key.startsWith("files/") && key.chars().filter((c) -> c == '/').count() == 3) {
				files.add(key);
			}
		}
		return files;
	}

	@Override
	public void deleteFile(String path) throws IOException {
		delete(List.of(path));
	}

	@Override
	public Set<String> provenance() {
		Set<String> objects = new HashSet<>();
		for (String key : this.present.keySet()) {
			if (key.startsWith("integrity/") && key.endsWith("/provenance")
					&& key.chars().filter((c) -> c == '/').count() == 4) {
				objects.add(key);
			}
		}
		return objects;
	}

	@Override
	public void deleteProvenance(String path) throws IOException {
		delete(List.of(path));
	}

	/**
	 * One DELETE per object rather than a batch: deletions are rare (removed files and
	 * projects), and a batch DeleteObjects needs a checksum header that some
	 * S3-compatible stores refuse or ignore.
	 */
	private void delete(List<String> paths) throws IOException {
		for (String path : paths) {
			try {
				this.s3.deleteObject((request) -> request.bucket(this.bucket).key(this.prefix + path));
			}
			catch (SdkException ex) {
				throw new IOException("cannot delete " + path + " from " + describe() + ": " + ex.getMessage(), ex);
			}
			this.present.remove(path);
		}
	}

	@Override
	public String describe() {
		return "s3://" + this.bucket + "/" + this.prefix;
	}

	private static String unquoted(String etag) {
		return (etag == null) ? "" : etag.replace("\"", "");
	}

	private static String md5(byte[] bytes) {
		try {
			// The ETag S3 gives an object written by one plain PUT; not a security use.
			return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("every JDK has MD5", ex);
		}
	}

}

package dev.wheelfarm.artifacts;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

import dev.wheelfarm.shared.Sha256;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A {@link BlobStore} in an S3-compatible bucket: the blob with sha256 {@code abcd…} is
 * the object {@code <prefix>sha256/ab/cd/abcd…}, the layout of the local store, so the
 * two can be copied into each other. Bytes are hashed before anything is sent; an object
 * appears whole or not at all (a PUT is atomic, a multipart upload is visible only once
 * completed), so the database never lists a file the bucket lacks. Each object carries
 * its hash as user metadata ({@code x-amz-meta-sha256}), which the copy command checks.
 * <p>
 * Every SDK failure (a 5xx after the SDK's retries, a timeout, a refused credential) is
 * turned into an {@link IOException} naming the bucket, the failure callers of a
 * {@link BlobStore} handle.
 */
public class S3BlobStore implements BlobStore {

	private static final Logger logger = LoggerFactory.getLogger(S3BlobStore.class);

	private static final String SHA256_METADATA = "sha256";

	private static final String CONTENT_TYPE = "application/octet-stream";

	private static final Pattern BLOB_KEY = Pattern.compile("sha256/[0-9a-f]{2}/[0-9a-f]{2}/([0-9a-f]{64})");

	private final S3Client s3;

	private final String bucket;

	private final String prefix;

	private final int partSize;

	private final URI publicBaseUrl;

	private final String description;

	public S3BlobStore(S3Client s3, BlobsProperties properties) {
		this.s3 = s3;
		this.bucket = properties.s3().bucket();
		this.prefix = properties.s3().prefix();
		this.partSize = Math.toIntExact(properties.s3().multipartPartSize().toBytes());
		this.publicBaseUrl = properties.publicBaseUrl();
		this.description = "the bucket " + this.bucket
				+ ((properties.s3().endpoint() != null) ? " at " + properties.s3().endpoint() : "")
				+ (this.prefix.isEmpty() ? "" : " under " + this.prefix);
	}

	/**
	 * Checks at start that the bucket answers and these credentials may read it, so a
	 * wrong setting stops the farm at once rather than failing every upload later.
	 * @throws IllegalStateException naming the settings to check
	 */
	public void verifyReachable() {
		try {
			this.s3.headBucket((request) -> request.bucket(this.bucket));
			this.s3.listObjectsV2((request) -> request.bucket(this.bucket).prefix(this.prefix).maxKeys(1));
		}
		catch (S3Exception ex) {
			String why = switch (ex.statusCode()) {
				case 404 -> "it does not exist (create it first: the farm does not create buckets)";
				case 301, 400 -> "the endpoint refused the request (check wheelfarm.blobs.s3.region and "
						+ "wheelfarm.blobs.s3.path-style-access): " + ex.awsErrorDetails().errorMessage();
				case 401, 403 -> "the credentials were refused (wheelfarm.blobs.s3.access-key-id and "
						+ "secret-access-key, or the AWS provider chain)";
				default -> "it answered " + ex.statusCode() + ": " + ex.getMessage();
			};
			throw new IllegalStateException("wheelfarm.blobs.s3.bucket: cannot use " + this.description + ": " + why,
					ex);
		}
		catch (SdkException ex) {
			throw new IllegalStateException(
					"wheelfarm.blobs.s3.endpoint: cannot reach " + this.description + ": " + ex.getMessage(), ex);
		}
	}

	/** The object key of a blob. */
	public String key(Sha256 sha256) {
		String hex = sha256.hex();
		return this.prefix + "sha256/" + hex.substring(0, 2) + "/" + hex.substring(2, 4) + "/" + hex;
	}

	@Override
	public OptionalLong size(Sha256 sha256) throws IOException {
		return head(sha256).map((head) -> OptionalLong.of(head.contentLength())).orElse(OptionalLong.empty());
	}

	/**
	 * Whether the bucket holds exactly these bytes: the size, and the hash recorded when
	 * the object was written (objects written by other tools have none and count as
	 * absent, so they are written again, with it).
	 */
	public boolean holds(Sha256 sha256, long size) throws IOException {
		Optional<HeadObjectResponse> head = head(sha256);
		return head.isPresent() && head.get().contentLength() == size
				&& sha256.hex().equals(head.get().metadata().get(SHA256_METADATA));
	}

	@Override
	public void store(Path source, Sha256 expected) throws IOException {
		// Hashed before anything is sent: a PUT cannot be taken back once it completed.
		Sha256 actual;
		try (InputStream in = Files.newInputStream(source)) {
			actual = Sha256.digest(in);
		}
		requireHash(actual, expected);
		long size = Files.size(source);
		if (alreadyStored(expected, size)) {
			return;
		}
		if (size > this.partSize) {
			uploadInParts(source, expected);
		}
		else {
			put(expected, RequestBody.fromFile(source));
		}
	}

	@Override
	public void store(byte[] bytes, Sha256 expected) throws IOException {
		requireHash(Sha256.digest(bytes), expected);
		if (!alreadyStored(expected, bytes.length)) {
			put(expected, RequestBody.fromBytes(bytes));
		}
	}

	@Override
	public InputStream open(Sha256 sha256) throws IOException {
		return open(sha256, 0);
	}

	@Override
	public InputStream open(Sha256 sha256, long offset) throws IOException {
		try {
			return this.s3.getObject((request) -> {
				request.bucket(this.bucket).key(key(sha256));
				if (offset > 0) {
					request.range("bytes=" + offset + "-");
				}
			});
		}
		catch (NoSuchKeyException ex) {
			throw new NoSuchFileException(key(sha256), null, "not in " + this.description);
		}
		catch (SdkException ex) {
			throw failed("read " + key(sha256), ex);
		}
	}

	@Override
	public Optional<URI> publicUri(Sha256 sha256) {
		return Optional.ofNullable(this.publicBaseUrl).map((base) -> base.resolve(key(sha256)));
	}

	@Override
	public List<Sha256> storedBefore(Instant cutoff) throws IOException {
		List<Sha256> found = new ArrayList<>();
		try {
			for (S3Object object : this.s3
				.listObjectsV2Paginator((request) -> request.bucket(this.bucket).prefix(this.prefix + "sha256/"))
				.contents()) {
				var matcher = BLOB_KEY.matcher(object.key().substring(this.prefix.length()));
				if (matcher.matches() && object.lastModified().isBefore(cutoff)) {
					found.add(Sha256.of(matcher.group(1)));
				}
			}
			return found;
		}
		catch (SdkException ex) {
			throw failed("list its blobs", ex);
		}
	}

	/**
	 * Aborts the multipart uploads a process started and never completed or aborted (it
	 * died): the bucket keeps, and bills, their parts until then.
	 */
	@Override
	public int deleteIncompleteBefore(Instant cutoff) throws IOException {
		int aborted = 0;
		try {
			for (MultipartUpload upload : this.s3
				.listMultipartUploadsPaginator((request) -> request.bucket(this.bucket).prefix(this.prefix + "sha256/"))
				.uploads()) {
				if (upload.initiated() != null && upload.initiated().isBefore(cutoff)) {
					abort(upload.key(), upload.uploadId());
					aborted++;
				}
			}
			return aborted;
		}
		catch (SdkException ex) {
			throw failed("list its unfinished uploads", ex);
		}
	}

	@Override
	public boolean deleteIfStoredBefore(Sha256 sha256, Instant cutoff) throws IOException {
		Optional<HeadObjectResponse> head = head(sha256);
		if (head.isEmpty() || !head.get().lastModified().isBefore(cutoff)) {
			return false;
		}
		try {
			this.s3.deleteObject((request) -> request.bucket(this.bucket).key(key(sha256)));
			return true;
		}
		catch (SdkException ex) {
			throw failed("delete " + key(sha256), ex);
		}
	}

	@Override
	public String describe() {
		return this.description;
	}

	private Optional<HeadObjectResponse> head(Sha256 sha256) throws IOException {
		try {
			return Optional.of(this.s3.headObject((request) -> request.bucket(this.bucket).key(key(sha256))));
		}
		catch (NoSuchKeyException ex) {
			return Optional.empty();
		}
		catch (S3Exception ex) {
			if (ex.statusCode() == 404) {
				// A HEAD has no body to name the error: some stores answer a bare 404.
				return Optional.empty();
			}
			throw failed("look up " + key(sha256), ex);
		}
		catch (SdkException ex) {
			throw failed("look up " + key(sha256), ex);
		}
	}

	/**
	 * Whether the object is already there with this size, in which case it is marked as
	 * stored now: a server-side copy onto itself (new metadata, same bytes) moves its
	 * LastModified, so a sweep running while an ingest is between storing these bytes and
	 * listing them leaves them alone. An object of the wrong size is damaged: written
	 * again.
	 */
	private boolean alreadyStored(Sha256 sha256, long size) throws IOException {
		Optional<HeadObjectResponse> head = head(sha256);
		if (head.isEmpty()) {
			return false;
		}
		if (head.get().contentLength() != size) {
			logger.error("Blob {} in {} has {} bytes, not {}: writing it again", sha256.hex(), this.description,
					head.get().contentLength(), size);
			return false;
		}
		try {
			this.s3.copyObject((request) -> request.sourceBucket(this.bucket)
				.sourceKey(key(sha256))
				.destinationBucket(this.bucket)
				.destinationKey(key(sha256))
				.metadataDirective(MetadataDirective.REPLACE)
				.contentType(CONTENT_TYPE)
				.metadata(metadata(sha256)));
			return true;
		}
		catch (NoSuchKeyException ex) {
			// Deleted by a sweep between the two requests: written again.
			return false;
		}
		catch (SdkException ex) {
			throw failed("mark " + key(sha256) + " as stored", ex);
		}
	}

	private void put(Sha256 sha256, RequestBody body) throws IOException {
		try {
			this.s3.putObject((request) -> request.bucket(this.bucket)
				.key(key(sha256))
				.contentType(CONTENT_TYPE)
				.metadata(metadata(sha256)), body);
		}
		catch (SdkException ex) {
			throw failed("write " + key(sha256), ex);
		}
	}

	/**
	 * Large files go in parts: each part is retried on its own, and the object appears
	 * only when the upload is completed. An upload that fails is aborted; one whose
	 * process died is aborted by {@link #deleteIncompleteBefore}.
	 */
	private void uploadInParts(Path source, Sha256 sha256) throws IOException {
		String key = key(sha256);
		String uploadId;
		try {
			uploadId = this.s3
				.createMultipartUpload((request) -> request.bucket(this.bucket)
					.key(key)
					.contentType(CONTENT_TYPE)
					.metadata(metadata(sha256)))
				.uploadId();
		}
		catch (SdkException ex) {
			throw failed("start uploading " + key, ex);
		}
		boolean completed = false;
		try (InputStream in = Files.newInputStream(source)) {
			List<CompletedPart> parts = new ArrayList<>();
			byte[] buffer = new byte[this.partSize];
			int read;
			while ((read = in.readNBytes(buffer, 0, buffer.length)) > 0) {
				int number = parts.size() + 1;
				long length = read;
				String etag = this.s3
					.uploadPart((request) -> request.bucket(this.bucket)
						.key(key)
						.uploadId(uploadId)
						.partNumber(number)
						.contentLength(length), RequestBody.fromBytes(copyOf(buffer, read)))
					.eTag();
				parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
			}
			this.s3.completeMultipartUpload((request) -> request.bucket(this.bucket)
				.key(key)
				.uploadId(uploadId)
				.multipartUpload((upload) -> upload.parts(parts)));
			completed = true;
		}
		catch (SdkException ex) {
			throw failed("upload " + key, ex);
		}
		finally {
			if (!completed) {
				abortQuietly(key, uploadId);
			}
		}
	}

	private static byte[] copyOf(byte[] buffer, int length) {
		return (length == buffer.length) ? buffer : java.util.Arrays.copyOf(buffer, length);
	}

	private void abort(String key, String uploadId) {
		this.s3.abortMultipartUpload((request) -> request.bucket(this.bucket).key(key).uploadId(uploadId));
	}

	private void abortQuietly(String key, String uploadId) {
		try {
			abort(key, uploadId);
		}
		catch (SdkException ex) {
			// The sweep aborts it later; the failure that got us here is the one to
			// report.
			logger.warn("Could not abort the upload of {} to {} (the blob sweep will): {}", key, this.description,
					ex.getMessage());
		}
	}

	private static Map<String, String> metadata(Sha256 sha256) {
		return Map.of(SHA256_METADATA, sha256.hex());
	}

	private static void requireHash(Sha256 actual, Sha256 expected) throws IOException {
		if (!actual.equals(expected)) {
			throw new BlobHashMismatchException(actual, expected);
		}
	}

	private IOException failed(String action, SdkException ex) {
		return new IOException("the blob store (" + this.description + ") failed to " + action + ": " + ex.getMessage(),
				ex);
	}

}

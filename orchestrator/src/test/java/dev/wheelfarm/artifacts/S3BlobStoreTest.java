package dev.wheelfarm.artifacts;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.testsupport.S3Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;

/** The blob store contract against a real S3 API server (s3proxy, filesystem backend). */
class S3BlobStoreTest extends BlobStoreContract {

	private static final AtomicInteger buckets = new AtomicInteger();

	@TempDir
	static Path s3Directory;

	static S3Server s3;

	private String bucket;

	private S3BlobStore store;

	@BeforeAll
	static void startS3() throws IOException {
		s3 = S3Server.start(s3Directory);
	}

	@AfterAll
	static void stopS3() throws IOException {
		s3.close();
	}

	@BeforeEach
	void bucket() {
		this.bucket = "contract-" + buckets.incrementAndGet();
		s3.createBucket(this.bucket, false);
		this.store = new S3BlobStore(s3.client(), properties(this.bucket, "farm/"));
		this.store.verifyReachable();
	}

	static BlobsProperties properties(String bucket, String prefix) {
		return new BlobsProperties(BlobsProperties.Store.S3, BlobsProperties.Serve.STREAM, s3.publicUrl(bucket),
				new BlobsProperties.S3(s3.endpoint(), "us-east-1", bucket, prefix, true, S3Server.ACCESS_KEY,
						S3Server.SECRET_KEY, Duration.ofSeconds(5), Duration.ofSeconds(30), DataSize.ofMegabytes(5)));
	}

	@Override
	BlobStore store() {
		return this.store;
	}

	/**
	 * s3proxy's filesystem backend reports a file's modification time as LastModified.
	 */
	@Override
	void age(Sha256 sha256, Instant when) throws IOException {
		Files.setLastModifiedTime(s3Directory.resolve(this.bucket).resolve(this.store.key(sha256)),
				FileTime.from(when));
	}

	@Override
	int leaveIncompleteWrites() {
		// What a replica that died in the middle of a large upload leaves: an upload
		// started, a part sent, never completed.
		String key = this.store.key(Sha256.digest("a large wheel".getBytes()));
		String upload = s3.client().createMultipartUpload((request) -> request.bucket(this.bucket).key(key)).uploadId();
		s3.client()
			.uploadPart((request) -> request.bucket(this.bucket).key(key).uploadId(upload).partNumber(1),
					software.amazon.awssdk.core.sync.RequestBody.fromString("the first part"));
		return 1;
	}

	@Test
	void objectsAreKeyedByHashUnderThePrefixAndCarryTheirHash() throws IOException {
		byte[] bytes = "metadata bytes".getBytes();
		Sha256 sha256 = Sha256.digest(bytes);
		this.store.store(bytes, sha256);
		String key = "farm/sha256/" + sha256.hex().substring(0, 2) + "/" + sha256.hex().substring(2, 4) + "/"
				+ sha256.hex();
		HeadObjectResponse head = s3.client().headObject((request) -> request.bucket(this.bucket).key(key));
		assertThat(head.metadata()).containsEntry("sha256", sha256.hex());
		assertThat(this.store.holds(sha256, bytes.length)).isTrue();
		assertThat(this.store.holds(sha256, bytes.length + 1)).isFalse();
		assertThat(this.store.publicUri(sha256)).contains(URI.create(s3.publicUrl(this.bucket) + key));
	}

	@Test
	void aFileLargerThanThePartSizeIsUploadedInPartsAndNoUploadIsLeftOpen() throws IOException {
		byte[] bytes = new byte[LARGE];
		new java.util.Random(3).nextBytes(bytes);
		Path file = Files.write(this.scratch.resolve("big.whl"), bytes);
		Sha256 sha256 = Sha256.digest(bytes);
		this.store.store(file, sha256);
		HeadObjectResponse head = s3.client()
			.headObject((request) -> request.bucket(this.bucket).key(this.store.key(sha256)));
		// A multipart object's ETag is "<md5 of the parts' md5s>-<number of parts>".
		assertThat(head.eTag()).endsWith("-3\"");
		assertThat(head.metadata()).containsEntry("sha256", sha256.hex());
		assertThat(s3.client().listMultipartUploads((request) -> request.bucket(this.bucket)).uploads()).isEmpty();
	}

}

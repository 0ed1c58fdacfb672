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
import dev.wheelfarm.testsupport.FaultyProxy;
import dev.wheelfarm.testsupport.S3Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/** The blob store contract against a real S3 API server (s3proxy, filesystem backend). */
class S3BlobStoreTest extends BlobStoreContract {

	private static final AtomicInteger buckets = new AtomicInteger();

	private static final URI CDN = URI.create("https://cdn.example.test/wheels/");

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
		s3.createBucket(this.bucket);
		this.store = new S3BlobStore(s3.client(),
				properties(s3.endpoint(), this.bucket, "farm/", Duration.ofSeconds(30)));
		this.store.verifyReachable();
	}

	static BlobsProperties properties(URI endpoint, String bucket, String prefix, Duration readTimeout) {
		return new BlobsProperties(BlobsProperties.Store.S3, BlobsProperties.Serve.STREAM, CDN,
				new BlobsProperties.S3(endpoint, "us-east-1", bucket, prefix, true, S3Server.ACCESS_KEY,
						S3Server.SECRET_KEY, Duration.ofSeconds(5), readTimeout, DataSize.ofMegabytes(5)));
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
		assertThat(this.store.publicUri(sha256)).contains(CDN.resolve(key));
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

	@Test
	void aBucketThatStopsAnsweringFailsTheStoreWithinTheReadTimeoutAndKeepsNothing() throws IOException {
		BlobsProperties settings = properties(s3.endpoint(), this.bucket, "farm/", Duration.ofSeconds(1));
		try (FaultyProxy proxy = FaultyProxy.start(s3.endpoint());
				S3Client client = BlobStoreConfiguration.s3Client(settings.s3().withEndpoint(proxy.endpoint()))) {
			S3BlobStore stalled = new S3BlobStore(client, settings);
			byte[] bytes = "bytes the bucket never acknowledges".getBytes();
			Sha256 sha256 = Sha256.digest(bytes);
			proxy.fail(FaultyProxy.Fault.STALL);
			assertThatIOException().isThrownBy(() -> stalled.store(bytes, sha256))
				.withMessageContaining("the bucket " + this.bucket);
			proxy.heal();
			assertThat(this.store.contains(sha256)).isFalse();
			// Once it answers again, the same store goes through.
			stalled.store(bytes, sha256);
			assertThat(this.store.contains(sha256)).isTrue();
		}
	}

	@Test
	void aBucketThatDoesNotExistOrCredentialsItRefusesStopTheStartNamingTheSetting() {
		S3BlobStore missing = new S3BlobStore(s3.client(),
				properties(s3.endpoint(), "no-such-bucket", "", Duration.ofSeconds(30)));
		assertThatIllegalStateException().isThrownBy(missing::verifyReachable)
			.withMessageContaining("wheelfarm.blobs.s3.bucket")
			.withMessageContaining("does not exist");
		BlobsProperties wrongKey = new BlobsProperties(BlobsProperties.Store.S3, BlobsProperties.Serve.STREAM, null,
				new BlobsProperties.S3(s3.endpoint(), "us-east-1", this.bucket, "", true, S3Server.ACCESS_KEY,
						"not-the-secret", Duration.ofSeconds(5), Duration.ofSeconds(30), DataSize.ofMegabytes(16)));
		try (S3Client client = BlobStoreConfiguration.s3Client(wrongKey.s3())) {
			assertThatIllegalStateException().isThrownBy(() -> new S3BlobStore(client, wrongKey).verifyReachable())
				.withMessageContaining("credentials were refused")
				.withMessageNotContaining("not-the-secret");
		}
	}

	@Test
	void settingsThatCannotWorkTogetherAreRefusedWhenBound() {
		BlobsProperties.S3 none = new BlobsProperties.S3(null, null, null, null, false, null, null,
				Duration.ofSeconds(5), Duration.ofSeconds(30), DataSize.ofMegabytes(16));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new BlobsProperties(BlobsProperties.Store.S3, BlobsProperties.Serve.STREAM, null, none))
			.withMessage("wheelfarm.blobs.store=s3 needs wheelfarm.blobs.s3.bucket");
		assertThatIllegalArgumentException()
			.isThrownBy(
					() -> new BlobsProperties(BlobsProperties.Store.LOCAL, BlobsProperties.Serve.REDIRECT, CDN, none))
			.withMessageContaining("serve=redirect needs wheelfarm.blobs.store=s3");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new BlobsProperties.S3(null, null, "wheels", null, false, "only-the-id", null,
					Duration.ofSeconds(5), Duration.ofSeconds(30), DataSize.ofMegabytes(16)))
			.withMessageContaining("go together");
		assertThat(new BlobsProperties.S3(null, null, "wheels", null, false, "id", "the-secret", Duration.ofSeconds(5),
				Duration.ofSeconds(30), DataSize.ofMegabytes(16))
			.toString()).doesNotContain("the-secret");
	}

}

package dev.wheelfarm.artifacts;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Where the farm keeps the bytes of the files it lists, and how {@code /files/} hands
 * them out.
 *
 * @param store {@code local}: a directory under the data directory (one machine);
 * {@code s3}: an S3-compatible bucket, which replicas share
 * @param serve {@code stream}: the farm sends the bytes itself; {@code redirect}:
 * {@code /files/} answers a redirect to {@code public-base-url} (a CDN in front of the
 * bucket), and only the metadata lookup touches the farm
 * @param publicBaseUrl the public address of the bucket's objects (the CDN, or the
 * bucket's own public URL): an object's key is appended to it; needed for
 * {@code serve=redirect}
 * @param s3 the bucket, for {@code store=s3}
 */
@ConfigurationProperties("wheelfarm.blobs")
public record BlobsProperties(@DefaultValue("local") Store store, @DefaultValue("stream") Serve serve,
		URI publicBaseUrl, @DefaultValue S3 s3) {

	public BlobsProperties {
		if (publicBaseUrl != null) {
			if (!("http".equals(publicBaseUrl.getScheme()) || "https".equals(publicBaseUrl.getScheme()))
					|| publicBaseUrl.getHost() == null || publicBaseUrl.getQuery() != null
					|| publicBaseUrl.getFragment() != null) {
				throw new IllegalArgumentException(
						"wheelfarm.blobs.public-base-url must be an http(s) URL without query or fragment, not "
								+ publicBaseUrl);
			}
			if (!publicBaseUrl.getPath().endsWith("/")) {
				publicBaseUrl = URI.create(publicBaseUrl + "/");
			}
		}
		if (serve == Serve.REDIRECT && (store != Store.S3 || publicBaseUrl == null)) {
			throw new IllegalArgumentException("wheelfarm.blobs.serve=redirect needs wheelfarm.blobs.store=s3 and "
					+ "wheelfarm.blobs.public-base-url (the CDN or public URL in front of the bucket)");
		}
		if (store == Store.S3 && (s3 == null || s3.bucket() == null)) {
			throw new IllegalArgumentException("wheelfarm.blobs.store=s3 needs wheelfarm.blobs.s3.bucket");
		}
	}

	/** Where the bytes are kept. */
	public enum Store {

		/** A directory under the data directory. */
		LOCAL,

		/** An S3-compatible bucket. */
		S3

	}

	/** How {@code /files/} hands the bytes out. */
	public enum Serve {

		/** The farm sends them. */
		STREAM,

		/** The farm redirects to the public base URL. */
		REDIRECT

	}

	/**
	 * An S3-compatible bucket (AWS S3, Cloudflare R2, MinIO, Ceph, ...).
	 *
	 * @param endpoint the S3 API's URL; empty: AWS S3 in {@code region}
	 * @param region the bucket's region (any value for most S3-compatible stores)
	 * @param bucket the bucket, which must exist: the farm does not create it
	 * @param prefix prepended to every key, e.g. {@code wheelfarm/}, to share a bucket
	 * @param pathStyleAccess address the bucket as {@code <endpoint>/<bucket>/} rather
	 * than {@code <bucket>.<endpoint>/}: MinIO, Ceph and most self-hosted stores need it
	 * @param accessKeyId the access key; empty: the AWS SDK's default provider chain
	 * (environment, system properties, {@code ~/.aws/credentials}, container or instance
	 * role)
	 * @param secretAccessKey the secret key that goes with {@code access-key-id}
	 * @param connectTimeout how long to wait for a connection to the endpoint
	 * @param readTimeout how long a request may wait for the next bytes before it fails
	 * (and is retried, up to three attempts in all, by the SDK's standard retry policy)
	 * @param multipartPartSize files larger than this are uploaded in parts of this size
	 * (at least 5MB, S3's smallest part)
	 */
	public record S3(URI endpoint, @DefaultValue("us-east-1") String region, String bucket,
			@DefaultValue("") String prefix, @DefaultValue("false") boolean pathStyleAccess, String accessKeyId,
			String secretAccessKey, @DefaultValue("5s") Duration connectTimeout,
			@DefaultValue("30s") Duration readTimeout, @DefaultValue("16MB") DataSize multipartPartSize) {

		static final DataSize SMALLEST_PART = DataSize.ofMegabytes(5);

		public S3 {
			bucket = (bucket == null || bucket.isBlank()) ? null : bucket.strip();
			if (bucket != null && !bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
				throw new IllegalArgumentException("wheelfarm.blobs.s3.bucket is not a bucket name: " + bucket);
			}
			prefix = (prefix == null) ? "" : prefix.strip();
			if (prefix.startsWith("/") || prefix.contains("..")) {
				throw new IllegalArgumentException(
						"wheelfarm.blobs.s3.prefix must not start with '/' or contain '..': " + prefix);
			}
			if (!prefix.isEmpty() && !prefix.endsWith("/")) {
				prefix = prefix + "/";
			}
			if ((accessKeyId == null || accessKeyId.isBlank()) != (secretAccessKey == null
					|| secretAccessKey.isBlank())) {
				throw new IllegalArgumentException("wheelfarm.blobs.s3.access-key-id and "
						+ "wheelfarm.blobs.s3.secret-access-key go together: set both, or neither to use the "
						+ "AWS SDK's default credentials provider chain");
			}
			if (endpoint != null && !("http".equals(endpoint.getScheme()) || "https".equals(endpoint.getScheme()))) {
				throw new IllegalArgumentException(
						"wheelfarm.blobs.s3.endpoint must be an http(s) URL, not " + endpoint);
			}
			region = (region == null || region.isBlank()) ? "us-east-1" : region.strip().toLowerCase(Locale.ROOT);
			requirePositive(connectTimeout, "wheelfarm.blobs.s3.connect-timeout");
			requirePositive(readTimeout, "wheelfarm.blobs.s3.read-timeout");
			if (multipartPartSize == null || multipartPartSize.compareTo(SMALLEST_PART) < 0) {
				throw new IllegalArgumentException("wheelfarm.blobs.s3.multipart-part-size must be at least 5MB");
			}
		}

		/** The same settings for another endpoint (a proxy in front of the bucket). */
		public S3 withEndpoint(URI other) {
			return new S3(other, this.region, this.bucket, this.prefix, this.pathStyleAccess, this.accessKeyId,
					this.secretAccessKey, this.connectTimeout, this.readTimeout, this.multipartPartSize);
		}

		/** Whether credentials are set here rather than left to the provider chain. */
		boolean hasStaticCredentials() {
			return this.accessKeyId != null && !this.accessKeyId.isBlank();
		}

		// The secret must never reach a log, even through a failure analyzer that prints
		// the bound record.
		@Override
		public String toString() {
			return "S3[endpoint=" + this.endpoint + ", region=" + this.region + ", bucket=" + this.bucket + ", prefix="
					+ this.prefix + ", pathStyleAccess=" + this.pathStyleAccess + ", accessKeyId="
					+ (hasStaticCredentials() ? this.accessKeyId : "(provider chain)") + ", secretAccessKey="
					+ (hasStaticCredentials() ? "******" : "(provider chain)") + "]";
		}

		private static void requirePositive(Duration duration, String property) {
			if (duration == null || duration.isNegative() || duration.isZero()) {
				throw new IllegalArgumentException(property + " must be positive");
			}
		}

	}

}

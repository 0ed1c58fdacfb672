package dev.wheelfarm.artifacts;

import dev.wheelfarm.database.DataDirectoryProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The blob store {@code wheelfarm.blobs.store} selects, and for {@code s3} the S3 client
 * (a bean, so the static export to a bucket uses the same endpoint and credentials).
 */
@Configuration(proxyBeanMethods = false)
public class BlobStoreConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(BlobStoreConfiguration.class);

	private static final String STORE = "wheelfarm.blobs.store";

	@Bean
	@ConditionalOnProperty(name = STORE, havingValue = "local", matchIfMissing = true)
	LocalBlobStore localBlobStore(DataDirectoryProperties dataDirectory) {
		LocalBlobStore store = new LocalBlobStore(dataDirectory);
		logger.info("Blob store: {}", store.describe());
		return store;
	}

	@Bean(destroyMethod = "close")
	@ConditionalOnProperty(name = STORE, havingValue = "s3")
	S3Client blobsS3Client(BlobsProperties properties) {
		return s3Client(properties.s3());
	}

	@Bean
	@ConditionalOnProperty(name = STORE, havingValue = "s3")
	S3BlobStore s3BlobStore(S3Client blobsS3Client, BlobsProperties properties) {
		S3BlobStore store = new S3BlobStore(blobsS3Client, properties);
		store.verifyReachable();
		logger.info("Blob store: {}", store.describe());
		return store;
	}

	/**
	 * An S3 client for these settings, also used by the command that copies a local store
	 * into a bucket.
	 */
	public static S3Client s3Client(BlobsProperties.S3 settings) {
		S3ClientBuilder builder = S3Client.builder()
			// The JDK's HttpURLConnection: a few classes, where Apache HttpClient or
			// Netty
			// would add megabytes to the jar; the farm makes one request at a time per
			// thread, which is what it does well.
			.httpClientBuilder(UrlConnectionHttpClient.builder()
				.connectionTimeout(settings.connectTimeout())
				.socketTimeout(settings.readTimeout()))
			.region(Region.of(settings.region()))
			.forcePathStyle(settings.pathStyleAccess())
			.credentialsProvider(credentials(settings))
			// The SDK's newer default sends CRC32 trailers in aws-chunked bodies, which
			// several S3-compatible stores refuse; the farm hashes every blob itself
			// (sha256, before it is sent) and records the hash on the object.
			.requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
			.responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
			// Pinned rather than left to the environment: three attempts with backoff for
			// 5xx answers, throttling and I/O errors (timeouts included), on every
			// request.
			.overrideConfiguration((override) -> override.retryStrategy(RetryMode.STANDARD));
		if (settings.endpoint() != null) {
			builder.endpointOverride(settings.endpoint());
		}
		return builder.build();
	}

	private static AwsCredentialsProvider credentials(BlobsProperties.S3 settings) {
		if (settings.hasStaticCredentials()) {
			return StaticCredentialsProvider
				.create(AwsBasicCredentials.create(settings.accessKeyId(), settings.secretAccessKey()));
		}
		return DefaultCredentialsProvider.builder().build();
	}

}

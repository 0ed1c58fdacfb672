package dev.wheelfarm.index;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.wheelfarm.artifacts.TestWheels;
import dev.wheelfarm.builds.WheelIngest;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.testsupport.IntegrationTest;
import dev.wheelfarm.testsupport.S3Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Object;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The static export to a bucket on a real S3 API server (s3proxy): the same objects with
 * the same bytes as the export to a directory, written in an order that never lets a CDN
 * serve a page naming something not there yet — each project's files before its pages,
 * the root after every project — and removed files deleted only after the page that named
 * them was rewritten. The order is what the server acknowledged, one request after
 * another, as seen by an interceptor on the SDK client: the export writes from one
 * thread, so that is the order objects appeared in the bucket.
 */
@IntegrationTest
// A context (and so a database) of its own: its rows and exports must not meet other
// classes' (spring.application.name only names the log lines).
@TestPropertySource(properties = { "wheelfarm.dispatch.enabled=false", "wheelfarm.index.page-cache-ttl=0s",
		"spring.application.name=bucket-export" })
class BucketExportTest {

	static final String BUCKET = "export";

	static final String PREFIX = "index/";

	@TempDir
	static Path scratch;

	static S3Server s3;

	static S3Client client;

	static final List<String> writes = Collections.synchronizedList(new ArrayList<>());

	@Autowired
	JdbcClient jdbc;

	@Autowired
	WheelIngest ingest;

	@Autowired
	StaticExporter exporter;

	@BeforeAll
	static void startS3() throws IOException {
		s3 = S3Server.start(scratch.resolve("s3"));
		s3.createBucket(BUCKET);
		// As BlobStoreConfiguration builds the farm's client, plus the recorder.
		client = S3Client.builder()
			.httpClientBuilder(UrlConnectionHttpClient.builder())
			.requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
			.responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
			.endpointOverride(s3.endpoint())
			.region(Region.US_EAST_1)
			.forcePathStyle(true)
			.credentialsProvider(StaticCredentialsProvider
				.create(AwsBasicCredentials.create(S3Server.ACCESS_KEY, S3Server.SECRET_KEY)))
			.overrideConfiguration((override) -> override.addExecutionInterceptor(new Recorder()))
			.build();
	}

	@AfterAll
	static void stopS3() throws IOException {
		client.close();
		s3.close();
	}

	@Test
	void theBucketHoldsTheDirectoryExportsBytesWrittenFilesFirstRootLastAndDeletionsAfterThePages() throws Exception {
		Sha256 first = publish("sigma", "1.0");
		Sha256 second = publish("sigma", "1.1");
		publish("tau", "2.0");
		attest(second);
		String provenance = IndexUrls.provenancePath("sigma", "1.1", "sigma-1.1-py3-none-any.whl");
		BucketExport bucket = new BucketExport(client, BUCKET, PREFIX, Duration.ofSeconds(60));
		Path directory = scratch.resolve("directory");

		StaticExporter.Report report = this.exporter.export(bucket);
		this.exporter.export(directory);
		assertThat(report.filesCopied()).as("three wheels, their metadata and one provenance object").isEqualTo(7);
		assertThat(objects()).as("the bucket's objects and bytes").isEqualTo(files(directory));
		assertThat(objects()).containsKey(provenance);
		assertOrdered(new ArrayList<>(writes));
		HeadObjectResponse page = client
			.headObject((head) -> head.bucket(BUCKET).key(PREFIX + "simple/sigma/index.json"));
		assertThat(page.contentType()).isEqualTo("application/vnd.pypi.simple.v1+json");
		assertThat(page.cacheControl()).isEqualTo("public, max-age=60");
		HeadObjectResponse gzipped = client
			.headObject((head) -> head.bucket(BUCKET).key(PREFIX + "simple/sigma/index.html.gz"));
		assertThat(gzipped.contentType()).isEqualTo("application/gzip");
		HeadObjectResponse wheel = client.headObject((head) -> head.bucket(BUCKET)
			.key(PREFIX + IndexUrls.filePath(first.hex(), "sigma-1.0-py3-none-any.whl")));
		assertThat(wheel.cacheControl()).contains("immutable");

		writes.clear();
		StaticExporter.Report again = this.exporter.export(bucket);
		assertThat(again.rewritten() + again.filesCopied()).isZero();
		assertThat(writes).as("requests that changed the bucket when nothing changed").isEmpty();

		this.jdbc.sql("UPDATE wheel SET removed_at = now(), removed_reason = 'test' WHERE sha256 = ?")
			.param(second.hex())
			.update();
		StaticExporter.Report removal = this.exporter.export(bucket);
		this.exporter.export(directory);
		assertThat(removal.filesDeleted()).as("the wheel, its metadata and its provenance").isEqualTo(3);
		String removedWheel = IndexUrls.filePath(second.hex(), "sigma-1.1-py3-none-any.whl");
		assertThat(writes).containsSubsequence("PUT simple/sigma/index.json", "DELETE " + removedWheel);
		assertThat(writes.indexOf("DELETE " + removedWheel))
			.as("the file deleted after every page that named it was rewritten")
			.isGreaterThan(writes.indexOf("PUT simple/sigma/index.html"))
			.isGreaterThan(writes.indexOf("PUT simple/sigma/index.json"));
		assertThat(writes.indexOf("DELETE " + provenance))
			.as("the provenance object deleted after every page that linked to it was rewritten")
			.isGreaterThan(writes.indexOf("PUT simple/sigma/index.html"))
			.isGreaterThan(writes.indexOf("PUT simple/sigma/index.json"));
		assertThat(objects()).doesNotContainKey(provenance);
		assertThat(objects()).isEqualTo(files(directory));
		assertThat(directory.resolve("integrity")).as("no directories left of the removed file's provenance")
			.isEmptyDirectory();
	}

	/**
	 * Every page was written after the files it names, and the root after every project
	 * page.
	 */
	private static void assertOrdered(List<String> writes) throws IOException {
		int lastProjectPage = -1;
		for (int i = 0; i < writes.size(); i++) {
			String write = writes.get(i);
			if (!write.startsWith("PUT simple/") || write.startsWith("PUT simple/index.")) {
				continue;
			}
			lastProjectPage = i;
			if (!write.endsWith("index.json")) {
				continue;
			}
			String key = write.substring("PUT ".length());
			String json = client.getObjectAsBytes((get) -> get.bucket(BUCKET).key(PREFIX + key)).asUtf8String();
			List<String> named = Stream.of(json.split("\"url\":\""))
				.skip(1)
				.map((rest) -> rest.split("\"")[0])
				.filter((url) -> url.startsWith("../../files/"))
				.map((url) -> url.substring("../../".length()))
				.toList();
			assertThat(named).as("files named by %s", key).isNotEmpty();
			for (String file : named) {
				assertThat(writes.subList(0, i)).as("written before %s", key)
					.contains("PUT " + file, "PUT " + file + ".metadata");
			}
		}
		assertThat(writes.indexOf("PUT simple/index.json")).as("the root after every project page")
			.isGreaterThan(lastProjectPage);
		assertThat(writes.indexOf("PUT simple/index.html")).isGreaterThan(lastProjectPage);
	}

	/**
	 * Records an attestation of the file as the upload does once it verified (the export
	 * serves what is recorded; verifying is the upload's test's).
	 */
	private void attest(Sha256 file) {
		this.jdbc
			.sql("""
					INSERT INTO file_attestation (wheel_id, predicate_type, publisher, attestation, signer, integrated_at)
					SELECT id, 'https://docs.pypi.org/attestations/publish/v1',
					       '{"kind":"GitHub","repository":"example-org/sigma","workflow":"release.yml","environment":null}',
					       '{"version":1}', 'https://github.com/example-org/sigma/.github/workflows/release.yml@refs/tags/v1',
					       now()
					FROM wheel WHERE sha256 = ?""")
			.param(file.hex())
			.update();
	}

	private Sha256 publish(String name, String version) throws Exception {
		IndexFixtures rows = new IndexFixtures(this.jdbc);
		Long known = this.jdbc.sql("SELECT id FROM project WHERE name = ?")
			.param(name)
			.query(Long.class)
			.optional()
			.orElse(null);
		long project = (known != null) ? known : rows.optedIn(name);
		rows.release(project, version);
		TestWheels wheel = TestWheels.of(name, version);
		Path path = wheel.write(Files.createDirectories(scratch.resolve(name + version)), wheel.filename());
		long build = rows.succeededBuild(project, version);
		assertThat(this.ingest.ingest(IndexFixtures.event(build, name, version, path)).rejections()).isEmpty();
		return Sha256.digest(Files.readAllBytes(path));
	}

	/** Every object under the prefix and its bytes (as text of their hash). */
	private static Map<String, String> objects() {
		Map<String, String> objects = new TreeMap<>();
		for (S3Object object : client.listObjectsV2Paginator((list) -> list.bucket(BUCKET).prefix(PREFIX)).contents()) {
			if (object.key().endsWith("/")) {
				// s3proxy's filesystem backend lists its directories too.
				continue;
			}
			byte[] bytes = client.getObjectAsBytes((get) -> get.bucket(BUCKET).key(object.key())).asByteArray();
			objects.put(object.key().substring(PREFIX.length()), Sha256.digest(bytes).hex());
		}
		return objects;
	}

	private static Map<String, String> files(Path directory) throws IOException {
		try (Stream<Path> walk = Files.walk(directory)) {
			return walk.filter(Files::isRegularFile)
				.collect(Collectors.toMap((path) -> directory.relativize(path).toString(), (path) -> hash(path),
						(a, b) -> a, TreeMap::new));
		}
	}

	private static String hash(Path path) {
		try {
			return Sha256.digest(Files.readAllBytes(path)).hex();
		}
		catch (IOException ex) {
			throw new java.io.UncheckedIOException(ex);
		}
	}

	/**
	 * Records each write the server acknowledged, in order, by key without the prefix.
	 */
	static final class Recorder implements ExecutionInterceptor {

		@Override
		public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
			SdkRequest request = context.request();
			if (request instanceof PutObjectRequest put) {
				writes.add("PUT " + put.key().substring(PREFIX.length()));
			}
			else if (request instanceof DeleteObjectRequest delete) {
				writes.add("DELETE " + delete.key().substring(PREFIX.length()));
			}
		}

	}

}

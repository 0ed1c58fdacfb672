package dev.wheelfarm.uploads;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import dev.wheelfarm.artifacts.TestWheels;
import dev.wheelfarm.builds.BuildSucceeded;
import dev.wheelfarm.builds.WheelIngest;
import dev.wheelfarm.index.IndexFixtures;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.testsupport.FaultyProxy;
import dev.wheelfarm.testsupport.IntegrationTest;
import dev.wheelfarm.testsupport.S3Server;
import dev.wheelfarm.testsupport.Venv;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.S3Object;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

/**
 * The farm with its blobs in a bucket, as users live it: real twine uploads into it, a
 * build's wheels are ingested into it, real pip installs from {@code /simple/} with
 * {@code --require-hashes}, the files streamed from the bucket. The bucket is a real
 * s3proxy behind a proxy that breaks the way object stores break (503s, requests that
 * never answer, responses cut short): whatever it does, the index never lists a file the
 * bucket lacks, and a read that fails is a 503.
 */
@IntegrationTest
@TestPropertySource(properties = { "wheelfarm.dispatch.enabled=false", "wheelfarm.index.page-cache-ttl=0s",
		// A request the bucket holds is given up after 1s (and tried three times in all).
		"wheelfarm.blobs.s3.read-timeout=1s" })
class S3StoreFarmTest extends UploadTestBase {

	static final String TOKEN = "wf-bucket-token-0f1e2d3c4b5a69788796a5b4c3d2e1f0";

	static final String OTHER_TOKEN = "wf-bucket-other-token-1a2b3c4d5e6f708192a3b4c5d6e7f809";

	static final String BUCKET = "wheels";

	static S3Server s3;

	static FaultyProxy proxy;

	@Autowired
	WheelIngest ingest;

	@DynamicPropertySource
	static void bucket(DynamicPropertyRegistry registry) throws IOException {
		s3 = S3Server.start(scratch.resolve("s3"));
		s3.createBucket(BUCKET);
		proxy = FaultyProxy.start(s3.endpoint());
		S3Server.farmProperties(proxy.endpoint(), BUCKET).forEach((name, value) -> registry.add(name, () -> value));
	}

	@AfterAll
	static void stop() throws IOException {
		proxy.close();
		s3.close();
	}

	@AfterEach
	void heal() {
		proxy.heal();
	}

	@Override
	void seed(UploadFixtures rows) {
		rows.optedIn("bucketpkg", "https://github.com/example-org/bucketpkg", "immediate", TOKEN);
		rows.optedIn("otherbucketpkg", "https://github.com/example-org/otherbucketpkg", "immediate", OTHER_TOKEN);
	}

	@Test
	void twineUploadsIntoTheBucketAndPipInstallsSeveralFilesWithRequireHashes() throws Exception {
		Path dir = Files.createDirectories(scratch.resolve("installed"));
		Path wheel = TestWheels.of("bucketpkg", "1.0").write(dir, "bucketpkg-1.0-py3-none-any.whl");
		Path other = TestWheels.of("otherbucketpkg", "3.1").write(dir, "otherbucketpkg-3.1-py3-none-any.whl");
		assertUploaded(this.clients.twine(legacy(), TOKEN, wheel));
		assertUploaded(this.clients.twine(legacy(), OTHER_TOKEN, other));
		assertThat(objectsInBucket()).contains(key(wheel));
		assertListedFilesAreInTheBucket();

		// pip downloads both files (and their PEP 658 metadata) in one command: each is
		// named after its own Content-Disposition, and each hash is checked.
		Path requirements = Files.writeString(dir.resolve("requirements.txt"),
				"bucketpkg==1.0 --hash=sha256:" + Sha256.digest(Files.readAllBytes(wheel)).hex() + "\n"
						+ "otherbucketpkg==3.1 --hash=sha256:" + Sha256.digest(Files.readAllBytes(other)).hex() + "\n");
		Venv.Result install = this.clients.pip(url("/simple/"), "install", "--require-hashes", "-r",
				requirements.toString());
		assertThat(install.exitCode()).as(install.output()).isZero();
		assertThat(install.output()).contains("Successfully installed bucketpkg-1.0 otherbucketpkg-3.1");
	}

	@Test
	void aFileIsStreamedFromTheBucketWithTheHeadersClientsRelyOn() throws Exception {
		Path wheel = bigWheel("1.1");
		assertUploaded(this.clients.twine(legacy(), TOKEN, wheel));
		byte[] bytes = Files.readAllBytes(wheel);
		String sha256 = Sha256.digest(bytes).hex();
		String url = url(filesPath(wheel));
		HttpResponse<byte[]> whole = get(url);
		assertThat(whole.statusCode()).isEqualTo(200);
		assertThat(whole.body()).isEqualTo(bytes);
		assertThat(whole.headers().firstValue("Content-Length")).hasValue(String.valueOf(bytes.length));
		assertThat(whole.headers().firstValue("ETag")).hasValue("\"" + sha256 + "\"");
		assertThat(whole.headers().firstValue("Content-Disposition"))
			.hasValue("inline; filename=\"" + wheel.getFileName() + "\"");
		// A range is read from the bucket at its offset.
		HttpResponse<byte[]> range = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create(url)).header("Range", "bytes=100-199").build(),
					HttpResponse.BodyHandlers.ofByteArray());
		assertThat(range.statusCode()).isEqualTo(206);
		assertThat(range.body()).isEqualTo(java.util.Arrays.copyOfRange(bytes, 100, 200));
		HttpResponse<byte[]> tail = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create(url)).header("Range", "bytes=-50").build(),
					HttpResponse.BodyHandlers.ofByteArray());
		assertThat(tail.body()).isEqualTo(java.util.Arrays.copyOfRange(bytes, bytes.length - 50, bytes.length));
		// A client that has the file asks again without the bucket being read.
		proxy.fail(FaultyProxy.Fault.UNAVAILABLE);
		HttpResponse<byte[]> again = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create(url)).header("If-None-Match", "\"" + sha256 + "\"").build(),
					HttpResponse.BodyHandlers.ofByteArray());
		assertThat(again.statusCode()).isEqualTo(304);
	}

	@Test
	void anUploadWhileTheBucketAnswers503IsRefusedListsNothingAndSucceedsWhenRetried() throws Exception {
		Path wheel = TestWheels.of("bucketpkg", "2.0")
			.write(Files.createDirectories(scratch.resolve("unavailable")), "bucketpkg-2.0-py3-none-any.whl");
		proxy.fail(FaultyProxy.Fault.UNAVAILABLE);
		Venv.Result refused = this.clients.twine(legacy(), TOKEN, wheel);
		assertThat(refused.exitCode()).isNotZero();
		assertThat(refused.output()).contains("503");
		assertThat(this.rows.files(wheel.getFileName().toString())).isZero();
		proxy.heal();
		assertThat(objectsInBucket()).doesNotContain(key(wheel));

		// Two 503s in a row are absorbed by the SDK's retries: the upload goes through.
		proxy.fail(FaultyProxy.Fault.UNAVAILABLE, 2);
		assertUploaded(this.clients.twine(legacy(), TOKEN, wheel));
		assertThat(objectsInBucket()).contains(key(wheel));
		assertListedFilesAreInTheBucket();
	}

	@Test
	void aReadTheBucketFailsIsA503AndOneCutShortNeverLooksComplete() throws Exception {
		Path wheel = bigWheel("4.0");
		assertUploaded(this.clients.twine(legacy(), TOKEN, wheel));
		String url = url(filesPath(wheel));

		proxy.fail(FaultyProxy.Fault.UNAVAILABLE);
		HttpResponse<byte[]> unavailable = get(url);
		assertThat(unavailable.statusCode()).isEqualTo(503);
		assertThat(unavailable.headers().firstValue("Retry-After")).isPresent();

		proxy.fail(FaultyProxy.Fault.STALL);
		assertThat(get(url).statusCode()).as("the bucket does not answer").isEqualTo(503);

		// Cut after the headers were sent: the client must see a broken transfer, not a
		// complete file (the declared Content-Length is not reached).
		proxy.fail(FaultyProxy.Fault.CUT);
		assertThatIOException().isThrownBy(() -> get(url));

		proxy.heal();
		assertThat(get(url).body()).isEqualTo(Files.readAllBytes(wheel));
	}

	@Test
	void aBuildsWheelsAreListedOnlyOnceTheBucketHoldsThem() throws Exception {
		IndexFixtures fixtures = new IndexFixtures(this.jdbc);
		long project = fixtures.optedIn("builtpkg");
		TestWheels built = TestWheels.of("builtpkg", "1.0");
		Path wheel = built.write(Files.createDirectories(scratch.resolve("built")), built.filename());
		long build = fixtures.succeededBuild(project, "1.0");
		BuildSucceeded event = IndexFixtures.event(build, "builtpkg", "1.0", wheel);

		proxy.fail(FaultyProxy.Fault.UNAVAILABLE);
		WheelIngest.Outcome refused = this.ingest.ingest(event);
		assertThat(refused.published()).isEmpty();
		assertThat(refused.rejections()).extracting(WheelIngest.Rejection::filename).containsExactly("(storage)");
		assertThat(this.rows.files(built.filename())).isZero();

		// A short outage (two refused requests) is absorbed by the SDK's retries.
		proxy.fail(FaultyProxy.Fault.UNAVAILABLE, 2);
		WheelIngest.Outcome published = this.ingest.ingest(event);
		assertThat(published.rejections()).isEmpty();
		assertThat(published.published()).containsExactly(built.filename());
		assertThat(objectsInBucket()).contains(key(wheel));
		assertListedFilesAreInTheBucket();
	}

	/** A wheel far larger than what the proxy lets through before it cuts a response. */
	private static Path bigWheel(String version) throws IOException {
		byte[] noise = new byte[200_000];
		new Random(version.hashCode()).nextBytes(noise);
		return TestWheels.of("bucketpkg", version)
			.member("bucketpkg/data.bin", noise)
			.write(Files.createDirectories(scratch.resolve("big-" + version)),
					"bucketpkg-" + version + "-py3-none-any.whl");
	}

	private String filesPath(Path wheel) throws IOException {
		String sha256 = Sha256.digest(Files.readAllBytes(wheel)).hex();
		return "/files/" + sha256.substring(0, 2) + "/" + sha256 + "/" + wheel.getFileName();
	}

	private static String key(Path file) throws IOException {
		String hex = Sha256.digest(Files.readAllBytes(file)).hex();
		return "sha256/" + hex.substring(0, 2) + "/" + hex.substring(2, 4) + "/" + hex;
	}

	private static List<String> objectsInBucket() {
		return s3.client()
			.listObjectsV2Paginator((request) -> request.bucket(BUCKET))
			.contents()
			.stream()
			.map(S3Object::key)
			.toList();
	}

	/** The invariant: every blob a listed file needs is in the bucket. */
	private void assertListedFilesAreInTheBucket() {
		List<String> objects = objectsInBucket();
		List<String> needed = this.jdbc.sql("""
				SELECT sha256 FROM wheel WHERE removed_at IS NULL
				UNION SELECT metadata_sha256 FROM wheel WHERE removed_at IS NULL AND metadata_sha256 IS NOT NULL
				""").query(String.class).list();
		assertThat(needed).isNotEmpty();
		for (String hex : needed) {
			assertThat(objects).contains("sha256/" + hex.substring(0, 2) + "/" + hex.substring(2, 4) + "/" + hex);
		}
	}

	private static void assertUploaded(Venv.Result upload) {
		assertThat(upload.exitCode()).as(upload.output()).isZero();
	}

}

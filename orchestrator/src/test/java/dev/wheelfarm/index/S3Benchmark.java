package dev.wheelfarm.index;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.wheelfarm.WheelfarmApplication;
import dev.wheelfarm.artifacts.BlobStore;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.testsupport.S3Server;
import dev.wheelfarm.testsupport.TestDatabaseInitializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The S3 blob store and the export to a bucket (docs/benchmarks.md, "Blob store and
 * export to a bucket"). In one run, two farms side by side, each on its own database: one
 * with its blobs on the local disk, one in a bucket of a real s3proxy (in this JVM,
 * filesystem backend, 127.0.0.1), served in stream mode.
 * <ol>
 * <li>{@code /files/} of the same wheel ({@code bench.wheel-kb}, 1024 KiB) from each,
 * with wrk ({@code bench.connections} connections, {@code bench.duration} per measure,
 * the two farms one after the other, the order turning every one of {@code bench.rounds}
 * rounds): requests per second and p99, medians over the rounds.</li>
 * <li>The static export of {@code bench.projects} (1,000) projects of {@code bench.files}
 * (3) wheels each (rows inserted directly, blobs of {@code bench.file-kb}, 16 KiB, in the
 * bucket) from the bucket farm to a directory and to another bucket: objects written and
 * seconds, then again with nothing changed.</li>
 * </ol>
 * Run with {@code bench/s3-benchmark.sh}; not part of the suite.
 */
class S3Benchmark {

	static final int WHEEL_KB = Integer.getInteger("bench.wheel-kb", 1024);

	static final int CONNECTIONS = Integer.getInteger("bench.connections", 8);

	static final String DURATION = System.getProperty("bench.duration", "10s");

	static final int ROUNDS = Integer.getInteger("bench.rounds", 3);

	static final int PROJECTS = Integer.getInteger("bench.projects", 1000);

	static final int FILES = Integer.getInteger("bench.files", 3);

	static final int FILE_KB = Integer.getInteger("bench.file-kb", 16);

	static final String BLOBS = "wheels";

	static final String EXPORT = "export";

	private static final Pattern REQUESTS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");

	private static final Pattern P99 = Pattern.compile("\\s99%\\s+([0-9.]+)(us|ms|s)");

	@TempDir
	static Path scratch;

	static S3Server s3;

	static ConfigurableApplicationContext local;

	static ConfigurableApplicationContext bucket;

	@BeforeAll
	static void start() throws IOException {
		s3 = S3Server.start(scratch.resolve("s3"));
		s3.createBucket(BLOBS);
		s3.createBucket(EXPORT);
		local = farm(Map.of());
		bucket = farm(S3Server.farmProperties(s3.endpoint(), BLOBS));
	}

	@AfterAll
	static void stop() throws IOException {
		bucket.close();
		local.close();
		s3.close();
	}

	@Test
	void filesFromTheBucketAgainstTheDiskAndTheExportOfManyProjects() throws Exception {
		byte[] wheel = new byte[WHEEL_KB * 1024];
		new Random(1).nextBytes(wheel);
		String path = IndexUrls.filePath(Sha256.digest(wheel).hex(), "served-1.0-py3-none-any.whl");
		publish(local, "served", wheel, path);
		publish(bucket, "served", wheel, path);
		Throughput fromDisk = new Throughput();
		Throughput fromBucket = new Throughput();
		wrk(url(local, path), "5s");
		wrk(url(bucket, path), "5s");
		for (int round = 0; round < ROUNDS; round++) {
			if (round % 2 == 0) {
				fromDisk.add(wrk(url(local, path), DURATION));
				fromBucket.add(wrk(url(bucket, path), DURATION));
			}
			else {
				fromBucket.add(wrk(url(bucket, path), DURATION));
				fromDisk.add(wrk(url(local, path), DURATION));
			}
		}

		JdbcClient jdbc = bucket.getBean(JdbcClient.class);
		BlobStore blobs = bucket.getBean(BlobStore.class);
		long seedStart = System.nanoTime();
		byte[] metadata = "Metadata-Version: 2.1\nName: bench\nVersion: 1.0\n".getBytes(StandardCharsets.UTF_8);
		blobs.store(metadata, Sha256.digest(metadata));
		Random random = new Random(2);
		for (int p = 0; p < PROJECTS; p++) {
			long project = new IndexFixtures(jdbc).optedIn("bench-" + p);
			for (int f = 0; f < FILES; f++) {
				byte[] bytes = new byte[FILE_KB * 1024];
				random.nextBytes(bytes);
				insertWheel(jdbc, blobs, project, "bench_" + p + "-1." + f + "-py3-none-any.whl", bytes, metadata);
			}
		}
		double seedSeconds = (System.nanoTime() - seedStart) / 1e9;
		StaticExporter exporter = bucket.getBean(StaticExporter.class);
		// The farm's own client, as the export schedule uses it when the blobs are in a
		// bucket too.
		BucketExport target = new BucketExport(bucket.getBean("blobsS3Client", S3Client.class), EXPORT, "",
				Duration.ofSeconds(60));
		Path directory = scratch.resolve("export");
		Export toDirectory = export(exporter, new DirectoryExport(directory));
		Export toBucket = export(exporter, target);
		Export directoryAgain = export(exporter, new DirectoryExport(directory));
		Export bucketAgain = export(exporter, target);
		// What of an export with nothing changed is the one listing of the bucket.
		long listStart = System.nanoTime();
		target.begin();
		double listSeconds = (System.nanoTime() - listStart) / 1e9;
		long inBucket = objects();
		long inDirectory;
		try (var walk = Files.walk(directory)) {
			inDirectory = walk.filter(Files::isRegularFile).count();
		}

		System.out.printf("%nS3 BENCHMARK (%d CPUs, load average %s)%n", Runtime.getRuntime().availableProcessors(),
				Files.readString(Path.of("/proc/loadavg")).trim());
		System.out.printf("/files/ of a %d KiB wheel, wrk %d connections, %s x %d rounds (medians):%n", WHEEL_KB,
				CONNECTIONS, DURATION, ROUNDS);
		System.out.printf("  local disk: %.0f requests/s, p99 %.1f ms%n", fromDisk.requests(), fromDisk.p99());
		System.out.printf("  S3 bucket:  %.0f requests/s, p99 %.1f ms%n", fromBucket.requests(), fromBucket.p99());
		System.out.printf("  ratio bucket/disk: requests/s %.2f, p99 %.2f%n",
				fromBucket.requests() / fromDisk.requests(), fromBucket.p99() / fromDisk.p99());
		System.out.printf(
				"export of %d projects x %d wheels of %d KiB (blobs read from the bucket; seeding took %.1f s):%n",
				PROJECTS, FILES, FILE_KB, seedSeconds);
		System.out.printf("  to a directory: %s; %d files there%n", toDirectory, inDirectory);
		System.out.printf("  to a bucket:    %s; %d objects there%n", toBucket, inBucket);
		System.out.printf("  nothing changed: directory %.1f s, bucket %.1f s%n", directoryAgain.seconds(),
				bucketAgain.seconds());
		System.out.printf("  listing the bucket (%d keys) alone: %.1f s%n", inBucket, listSeconds);
		System.out.printf("  ratio bucket/directory: first export %.2f, nothing changed %.2f%n",
				toBucket.seconds() / toDirectory.seconds(), bucketAgain.seconds() / directoryAgain.seconds());
		System.out.println("END S3 BENCHMARK");
		assertThat(inBucket).isEqualTo(inDirectory);
		assertThat(bucketAgain.written()).isZero();
	}

	/**
	 * A farm as {@code java -jar} starts it, on a fresh database and data directory of
	 * its own (the tests' initializer) and a free port.
	 */
	private static ConfigurableApplicationContext farm(Map<String, String> properties) {
		Map<String, Object> all = new HashMap<>(properties);
		all.put("server.port", "0");
		all.put("wheelfarm.dispatch.enabled", "false");
		all.put("wheelfarm.pypi.watch-enabled", "false");
		return new SpringApplicationBuilder(WheelfarmApplication.class).initializers(new TestDatabaseInitializer())
			.properties(all)
			.run();
	}

	private static void publish(ConfigurableApplicationContext farm, String name, byte[] wheel, String path)
			throws IOException {
		JdbcClient jdbc = farm.getBean(JdbcClient.class);
		byte[] metadata = ("Metadata-Version: 2.1\nName: " + name + "\nVersion: 1.0\n")
			.getBytes(StandardCharsets.UTF_8);
		BlobStore blobs = farm.getBean(BlobStore.class);
		blobs.store(metadata, Sha256.digest(metadata));
		long project = new IndexFixtures(jdbc).optedIn(name);
		insertWheel(jdbc, blobs, project, path.substring(path.lastIndexOf('/') + 1), wheel, metadata);
	}

	/** An uploaded wheel's row, as the upload writes it, and its blob. */
	private static void insertWheel(JdbcClient jdbc, BlobStore blobs, long project, String filename, byte[] bytes,
			byte[] metadata) throws IOException {
		Sha256 sha256 = Sha256.digest(bytes);
		blobs.store(bytes, sha256);
		jdbc.sql("""
				INSERT INTO wheel (project_id, version, filename, sha256, size, metadata_sha256, origin, uploaded_by)
				VALUES (:project, :version, :filename, :sha256, :size, :metadata, 'upload', 'token')
				""")
			.param("project", project)
			.param("version", filename.split("-")[1])
			.param("filename", filename)
			.param("sha256", sha256.hex())
			.param("size", bytes.length)
			.param("metadata", Sha256.digest(metadata).hex())
			.update();
	}

	private static String url(ConfigurableApplicationContext farm, String path) {
		String port = farm.getEnvironment().getRequiredProperty("local.server.port");
		return "http://127.0.0.1:" + port + "/" + path;
	}

	/** One wrk measure: requests per second and p99 in milliseconds. */
	private static double[] wrk(String url, String duration) throws IOException, InterruptedException {
		Process wrk = new ProcessBuilder("wrk", "-t2", "-c" + CONNECTIONS, "-d" + duration, "--latency", url)
			.redirectErrorStream(true)
			.start();
		String output = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(wrk.waitFor()).as(output).isZero();
		assertThat(output).as("every answer a 200").doesNotContain("Non-2xx");
		Matcher requests = REQUESTS.matcher(output);
		Matcher p99 = P99.matcher(output);
		assertThat(requests.find() && p99.find()).as(output).isTrue();
		double scale = switch (p99.group(2)) {
			case "us" -> 0.001;
			case "s" -> 1000;
			default -> 1;
		};
		return new double[] { Double.parseDouble(requests.group(1)), Double.parseDouble(p99.group(1)) * scale };
	}

	private static Export export(StaticExporter exporter, ExportTarget target) throws IOException {
		Counted counted = new Counted(target);
		long start = System.nanoTime();
		exporter.export(counted);
		return new Export(counted.written, (System.nanoTime() - start) / 1e9);
	}

	private static long objects() {
		return s3.client()
			.listObjectsV2Paginator((list) -> list.bucket(EXPORT))
			.contents()
			.stream()
			.map(S3Object::key)
			.filter((key) -> !key.endsWith("/"))
			.count();
	}

	/** Counts the objects a target was actually given (pages whose bytes changed). */
	private static final class Counted implements ExportTarget {

		private final ExportTarget target;

		private int written;

		Counted(ExportTarget target) {
			this.target = target;
		}

		@Override
		public void begin() throws IOException {
			this.target.begin();
		}

		@Override
		public boolean hasFile(String path) throws IOException {
			return this.target.hasFile(path);
		}

		@Override
		public void writeFile(String path, InputStream content, long size) throws IOException {
			this.target.writeFile(path, content, size);
			this.written++;
		}

		@Override
		public boolean writePage(String path, byte[] bytes, PageKind kind) throws IOException {
			boolean changed = this.target.writePage(path, bytes, kind);
			this.written += changed ? 1 : 0;
			return changed;
		}

		@Override
		public Set<String> projects() throws IOException {
			return this.target.projects();
		}

		@Override
		public void deleteProject(String name) throws IOException {
			this.target.deleteProject(name);
		}

		@Override
		public Set<String> files() throws IOException {
			return this.target.files();
		}

		@Override
		public void deleteFile(String path) throws IOException {
			this.target.deleteFile(path);
		}

		@Override
		public Set<String> provenance() throws IOException {
			return this.target.provenance();
		}

		@Override
		public void deleteProvenance(String path) throws IOException {
			this.target.deleteProvenance(path);
		}

		@Override
		public String describe() {
			return this.target.describe();
		}

	}

	private record Export(int written, double seconds) {

		@Override
		public String toString() {
			return String.format("%d objects written in %.1f s (%.0f/s)", this.written, this.seconds,
					this.written / this.seconds);
		}

	}

	/** wrk's figures over the rounds, each the median. */
	private static final class Throughput {

		private final List<Double> requests = new ArrayList<>();

		private final List<Double> p99 = new ArrayList<>();

		void add(double[] measure) {
			this.requests.add(measure[0]);
			this.p99.add(measure[1]);
		}

		double requests() {
			return median(this.requests);
		}

		double p99() {
			return median(this.p99);
		}

		private static double median(List<Double> values) {
			List<Double> sorted = values.stream().sorted().toList();
			return sorted.get(sorted.size() / 2);
		}

	}

}

package dev.wheelfarm.artifacts;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.wheelfarm.database.DataDirectoryProperties;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.testsupport.FaultyProxy;
import dev.wheelfarm.testsupport.S3Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code copy-blobs-to-s3} as an operator runs it (the same entry point, the same
 * {@code --wheelfarm.…} settings) against a real s3proxy: a first copy, a second run that
 * only copies what the farm stored meanwhile, a run the bucket breaks off and the run
 * that resumes it, and local blobs whose bytes no longer match their name.
 */
class CopyBlobsToS3CommandTest {

	@TempDir
	static Path scratch;

	static S3Server s3;

	static FaultyProxy proxy;

	@BeforeAll
	static void start() throws IOException {
		s3 = S3Server.start(scratch.resolve("s3"));
		proxy = FaultyProxy.start(s3.endpoint());
	}

	@AfterAll
	static void stop() throws IOException {
		proxy.close();
		s3.close();
	}

	@Test
	void copiesEveryBlobVerifiedAndResumesAfterAnInterruption() throws IOException {
		Path dataDir = scratch.resolve("farm");
		LocalBlobStore local = new LocalBlobStore(new DataDirectoryProperties(dataDir));
		s3.createBucket("moved");
		List<Sha256> first = store(local, "a", 3);

		Run copied = run(dataDir, s3.endpoint(), "moved");
		assertThat(copied.exit()).as(copied.err()).isEqualTo(CopyBlobsToS3Command.OK);
		assertThat(copied.out()).contains("Copying 3 blobs").contains("3 copied").contains("Done");
		S3BlobStore bucket = bucket("moved");
		for (Sha256 blob : first) {
			assertThat(bucket.holds(blob, Files.size(local.path(blob)))).isTrue();
		}

		// The farm stored more while the operator prepared the switch; an object that
		// some
		// other tool wrote without its hash is written again.
		List<Sha256> more = store(local, "b", 2);
		s3.client()
			.putObject((request) -> request.bucket("moved").key(bucket.key(more.get(0))),
					RequestBody.fromBytes("b0".getBytes()));
		Run again = run(dataDir, s3.endpoint(), "moved");
		assertThat(again.exit()).as(again.err()).isEqualTo(CopyBlobsToS3Command.OK);
		assertThat(again.out()).contains("2 copied").contains("3 already in the bucket");

		// The bucket fails half-way (here: from the start, for every request): the run
		// says so and exits 1; the next one picks up what is missing.
		List<Sha256> late = store(local, "c", 2);
		proxy.fail(FaultyProxy.Fault.UNAVAILABLE);
		Run broken = run(dataDir, proxy.endpoint(), "moved");
		assertThat(broken.exit()).isEqualTo(CopyBlobsToS3Command.USAGE);
		assertThat(broken.err()).contains("wheelfarm.blobs.s3.bucket").contains("503");
		proxy.heal();
		Run resumed = run(dataDir, proxy.endpoint(), "moved");
		assertThat(resumed.exit()).as(resumed.err()).isEqualTo(CopyBlobsToS3Command.OK);
		assertThat(resumed.out()).contains("2 copied").contains("5 already in the bucket");
		for (Sha256 blob : late) {
			assertThat(bucket.holds(blob, Files.size(local.path(blob)))).isTrue();
		}
	}

	@Test
	void aRunTheBucketBreaksOffMidwayExitsOneAndTheNextRunResumes() throws IOException {
		Path dataDir = scratch.resolve("interrupted");
		LocalBlobStore local = new LocalBlobStore(new DataDirectoryProperties(dataDir));
		s3.createBucket("interrupted");
		List<Sha256> blobs = store(local, "i", 4);
		// The first blobs made it before the interruption (a previous run, killed).
		bucket("interrupted").store(local.path(blobs.get(0)), blobs.get(0));
		// The bucket answers its checks and reads, and refuses every write: the run
		// reports each blob and exits 1, leaving nothing half-written.
		proxy.fail(FaultyProxy.Fault.REFUSE_WRITES);
		Run broken = run(dataDir, proxy.endpoint(), "interrupted");
		assertThat(broken.exit()).as(broken.out() + broken.err()).isEqualTo(CopyBlobsToS3Command.FAILED);
		assertThat(broken.err()).contains("not copied").contains("run the command again to resume");
		proxy.heal();
		Run resumed = run(dataDir, proxy.endpoint(), "interrupted");
		assertThat(resumed.exit()).as(resumed.err()).isEqualTo(CopyBlobsToS3Command.OK);
		assertThat(resumed.out()).contains("3 copied").contains("1 already in the bucket");
		for (Sha256 blob : blobs) {
			assertThat(bucket("interrupted").holds(blob, Files.size(local.path(blob)))).isTrue();
		}
	}

	@Test
	void aLocalBlobWhoseBytesChangedIsReportedAndNotCopied() throws IOException {
		Path dataDir = scratch.resolve("corrupt");
		LocalBlobStore local = new LocalBlobStore(new DataDirectoryProperties(dataDir));
		s3.createBucket("corrupt");
		List<Sha256> blobs = store(local, "x", 2);
		Files.writeString(local.path(blobs.get(1)), "bit rot");
		Run run = run(dataDir, s3.endpoint(), "corrupt");
		assertThat(run.exit()).isEqualTo(CopyBlobsToS3Command.CORRUPT);
		assertThat(run.err()).contains(blobs.get(1).hex()).contains("corrupt");
		assertThat(bucket("corrupt").contains(blobs.get(1))).isFalse();
		assertThat(bucket("corrupt").contains(blobs.get(0))).isTrue();
	}

	@Test
	void aMissingBucketOrUnknownArgumentIsAUsageError() {
		Run noBucket = run(scratch.resolve("none"), s3.endpoint(), "does-not-exist");
		assertThat(noBucket.exit()).isEqualTo(CopyBlobsToS3Command.USAGE);
		assertThat(noBucket.err()).contains("does not exist");
		Run unknown = invoke("--bucket=x");
		assertThat(unknown.exit()).isEqualTo(CopyBlobsToS3Command.USAGE);
		assertThat(unknown.err()).contains("unknown argument: --bucket=x");
	}

	private static List<Sha256> store(LocalBlobStore local, String prefix, int count) throws IOException {
		List<Sha256> stored = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			byte[] bytes = (prefix + i).getBytes(StandardCharsets.UTF_8);
			Sha256 sha256 = Sha256.digest(bytes);
			local.store(bytes, sha256);
			stored.add(sha256);
		}
		return stored;
	}

	private static S3BlobStore bucket(String name) {
		return new S3BlobStore(s3.client(),
				S3BlobStoreTest.properties(s3.endpoint(), name, "", java.time.Duration.ofSeconds(30)));
	}

	private static Run run(Path dataDir, URI endpoint, String bucket) {
		List<String> args = new ArrayList<>(List.of("--wheelfarm.data-dir=" + dataDir));
		S3Server.farmProperties(endpoint, bucket).forEach((name, value) -> args.add("--" + name + "=" + value));
		return invoke(args.toArray(String[]::new));
	}

	private static Run invoke(String... args) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		ByteArrayOutputStream err = new ByteArrayOutputStream();
		int exit = CopyBlobsToS3Command.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
				new PrintStream(err, true, StandardCharsets.UTF_8));
		return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
	}

	record Run(int exit, String out, String err) {

	}

}

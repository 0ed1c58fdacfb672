package dev.wheelfarm.artifacts;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import dev.wheelfarm.database.DataDirectoryProperties;
import dev.wheelfarm.shared.Sha256;
import software.amazon.awssdk.services.s3.S3Client;

import org.springframework.beans.BeansException;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.NestedExceptionUtils;

/**
 * {@code java -jar wheelfarm.jar copy-blobs-to-s3 [--wheelfarm.…=…]}: copies the local
 * blob store ({@code <data-dir>/files/sha256/}) into the bucket the
 * {@code wheelfarm.blobs.s3.*} settings name, before a farm is switched to
 * {@code wheelfarm.blobs.store=s3}. Every blob's bytes are hashed before they are sent;
 * one whose bytes no longer match its name is reported and not copied. Objects already in
 * the bucket with the right size and hash are skipped, so the command can be run again
 * after an interruption, or once more right before the switch to copy what the farm
 * stored meanwhile. It starts no web server and no database.
 *
 * <p>
 * Exit codes: {@value #OK} every local blob is in the bucket; {@value #FAILED} some could
 * not be copied (the bucket failed: run it again, it resumes); {@value #USAGE} bad
 * arguments or settings, or the bucket cannot be used; {@value #CORRUPT} some local blobs
 * do not match their hash (not copied: restore them from a backup or let the farm rebuild
 * them).
 */
public final class CopyBlobsToS3Command {

	/** The first argument that selects this command instead of the farm. */
	public static final String NAME = "copy-blobs-to-s3";

	public static final int OK = 0;

	public static final int FAILED = 1;

	public static final int USAGE = 2;

	public static final int CORRUPT = 3;

	/** A progress line every this many blobs. */
	static final int PROGRESS_EVERY = 100;

	static final String USAGE_TEXT = """
			Usage: java -jar wheelfarm.jar copy-blobs-to-s3 [--wheelfarm.<property>=<value> ...]
			Copies the local blob store (<wheelfarm.data-dir>/files/sha256/) into the bucket of the
			wheelfarm.blobs.s3.* settings (bucket, endpoint, region, prefix, path-style-access,
			access-key-id and secret-access-key, or the AWS default credentials). Verifies every
			hash, skips what the bucket already holds, and can be run again to resume.
			Exit codes: 0 done, 1 some blobs failed (run again), 2 bad settings, 3 corrupt local blobs.
			""";

	private CopyBlobsToS3Command() {
	}

	/**
	 * Runs the command.
	 * @param args the arguments after {@value #NAME}
	 * @return the exit code
	 */
	public static int run(String[] args, PrintStream out, PrintStream err) {
		List<String> springArgs = new ArrayList<>();
		for (String arg : args) {
			if ("--help".equals(arg) || "-h".equals(arg)) {
				out.print(USAGE_TEXT);
				return OK;
			}
			if (!arg.startsWith("--wheelfarm.") || !arg.contains("=")) {
				err.println(NAME + ": unknown argument: " + arg);
				err.print(USAGE_TEXT);
				return USAGE;
			}
			springArgs.add(arg);
		}
		Settings settings;
		try {
			settings = settings(springArgs.toArray(String[]::new));
		}
		catch (BeansException ex) {
			// Binding failures come wrapped a few times; the innermost names the
			// property.
			err.println(NAME + ": the settings are not usable: "
					+ NestedExceptionUtils.getMostSpecificCause(ex).getMessage());
			return USAGE;
		}
		if (settings.blobs().s3().bucket() == null) {
			err.println(NAME + ": name the bucket: --wheelfarm.blobs.s3.bucket=<name>");
			return USAGE;
		}
		try (S3Client client = BlobStoreConfiguration.s3Client(settings.blobs().s3())) {
			S3BlobStore bucket = new S3BlobStore(client, settings.blobs());
			try {
				bucket.verifyReachable();
			}
			catch (IllegalStateException ex) {
				err.println(NAME + ": " + ex.getMessage());
				return USAGE;
			}
			return copy(new LocalBlobStore(settings.dataDirectory()), bucket, out, err);
		}
	}

	private static int copy(LocalBlobStore local, S3BlobStore bucket, PrintStream out, PrintStream err) {
		List<Sha256> blobs;
		try {
			// Everything stored up to now; what the farm stores later is for the next
			// run.
			blobs = new ArrayList<>(local.storedBefore(Instant.now().plusSeconds(1)));
		}
		catch (IOException ex) {
			err.println(NAME + ": cannot read " + local.describe() + ": " + ex.getMessage());
			return FAILED;
		}
		blobs.sort(Comparator.comparing(Sha256::hex));
		out.println("Copying " + blobs.size() + " blobs from " + local.describe() + " to " + bucket.describe());
		Tally tally = new Tally();
		for (Sha256 blob : blobs) {
			copyOne(local.path(blob), blob, bucket, tally, err);
			if (tally.done() % PROGRESS_EVERY == 0 || tally.done() == blobs.size()) {
				out.println(tally.done() + "/" + blobs.size() + ": " + tally);
			}
		}
		if (tally.corrupt > 0) {
			err.println(NAME + ": " + tally.corrupt + " local blobs do not match their hash and were not copied"
					+ " (listed above); restore them from a backup before switching to the bucket");
			return CORRUPT;
		}
		if (tally.failed > 0) {
			err.println(NAME + ": " + tally.failed + " blobs could not be copied; run the command again to resume");
			return FAILED;
		}
		out.println("Done: every local blob is in " + bucket.describe() + ".");
		return OK;
	}

	private static void copyOne(Path file, Sha256 blob, S3BlobStore bucket, Tally tally, PrintStream err) {
		try {
			long size = Files.size(file);
			if (bucket.holds(blob, size)) {
				tally.skipped++;
				return;
			}
			bucket.store(file, blob);
			tally.copied++;
			tally.bytes += size;
		}
		catch (BlobHashMismatchException ex) {
			err.println(NAME + ": " + file + " is corrupt, not copied: " + ex.getMessage());
			tally.corrupt++;
		}
		catch (IOException ex) {
			err.println(NAME + ": " + blob.hex() + " not copied: " + ex.getMessage());
			tally.failed++;
		}
	}

	/** The data directory and the blob settings, bound as the farm binds them. */
	private static Settings settings(String[] springArgs) {
		SpringApplicationBuilder builder = new SpringApplicationBuilder(SettingsConfiguration.class)
			.web(WebApplicationType.NONE)
			.bannerMode(Banner.Mode.OFF)
			.logStartupInfo(false)
			// A command's output is its messages, not the framework's start-up log.
			.properties(Map.of("logging.level.root", "OFF", "spring.main.register-shutdown-hook", "false"));
		try (ConfigurableApplicationContext context = builder.run(springArgs)) {
			return new Settings(context.getBean(DataDirectoryProperties.class), context.getBean(BlobsProperties.class));
		}
	}

	private record Settings(DataDirectoryProperties dataDirectory, BlobsProperties blobs) {

	}

	/** Only the settings: no database, no web server, no schedules. */
	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties({ DataDirectoryProperties.class, BlobsProperties.class })
	static class SettingsConfiguration {

	}

	/** What one run did so far. */
	private static final class Tally {

		int copied;

		int skipped;

		int corrupt;

		int failed;

		long bytes;

		int done() {
			return this.copied + this.skipped + this.corrupt + this.failed;
		}

		@Override
		public String toString() {
			return this.copied + " copied (" + this.bytes + " bytes), " + this.skipped + " already in the bucket, "
					+ this.corrupt + " corrupt, " + this.failed + " failed";
		}

	}

}

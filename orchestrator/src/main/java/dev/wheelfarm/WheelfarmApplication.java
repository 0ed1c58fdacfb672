package dev.wheelfarm;

import java.time.Clock;
import java.util.Arrays;

import dev.wheelfarm.artifacts.CopyBlobsToS3Command;
import dev.wheelfarm.database.DataDirectoryLocking;
import dev.wheelfarm.database.EmbeddedPostgresEarlyStart;
import dev.wheelfarm.dispatch.install.InstallWorkflowCommand;
import dev.wheelfarm.provenance.VerifyAttestationCommand;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.boot.micrometer.metrics.autoconfigure.logging.logback.LogbackMetricsAutoConfiguration;
import org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * The Wheelfarm orchestrator: one process that watches PyPI, keeps the build ledger,
 * dispatches builds and serves the supplementary index.
 */
// Excluded here rather than with spring.autoconfigure.exclude, which an operator's own
// value of that property would replace:
// - UserDetailsService: nobody logs in (SecurityConfiguration), so no generated user and
// no password in the log;
// - Logback metrics: its binder puts a filter in front of every logger level check, and
// Jetty checks isDebugEnabled() dozens of times per request (docs/benchmarks.md,
// "Index").
@SpringBootApplication(exclude = { UserDetailsServiceAutoConfiguration.class, LogbackMetricsAutoConfiguration.class })
@ConfigurationPropertiesScan
public class WheelfarmApplication {

	/**
	 * Runs the farm, or with {@code install-workflow} as the first argument installs the
	 * build workflow into the GitHub build repository and exits (see
	 * {@link InstallWorkflowCommand}) without starting the farm; likewise
	 * {@code copy-blobs-to-s3} copies the local blob store into a bucket
	 * ({@link CopyBlobsToS3Command}), and {@code verify-attestation} checks a file's PEP
	 * 740 attestation ({@link VerifyAttestationCommand}).
	 */
	public static void main(String[] args) {
		if (args.length > 0 && InstallWorkflowCommand.NAME.equals(args[0])) {
			System.exit(InstallWorkflowCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
		}
		if (args.length > 0 && CopyBlobsToS3Command.NAME.equals(args[0])) {
			System.exit(CopyBlobsToS3Command.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
		}
		if (args.length > 0 && VerifyAttestationCommand.NAME.equals(args[0])) {
			System.exit(VerifyAttestationCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
		}
		application().run(args);
	}

	/**
	 * The application as {@link #main} runs it: the data directory is locked first (a
	 * second farm on it stops at once), then the embedded PostgreSQL, when it is the one
	 * to use, starts while the context is still being set up.
	 */
	public static SpringApplication application() {
		SpringApplication application = new SpringApplication(WheelfarmApplication.class);
		application.addInitializers(new DataDirectoryLocking(), new EmbeddedPostgresEarlyStart());
		return application;
	}

	/**
	 * The farm's one clock. The ledger hands its time to SQL as a parameter rather than
	 * using the database's {@code now()}, so that tests move leases, backoffs and run
	 * limits by replacing this bean instead of sleeping. Instances sharing a database
	 * must keep their clocks in step (NTP): a lease is read against each one's clock.
	 */
	@Bean
	Clock clock() {
		return Clock.systemUTC();
	}

}

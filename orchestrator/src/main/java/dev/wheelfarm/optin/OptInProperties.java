package dev.wheelfarm.optin;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * How the farm reads maintainers' repositories.
 *
 * @param allowFileUrls accept {@code file://} repositories (tests and single-machine
 * setups); off by default because a public farm must not read its own disk for strangers
 * @param resyncEnabled whether the re-sync job runs on a schedule
 * @param resyncInterval the pause between two re-syncs of all registered repositories
 * @param maxConfigBytes the largest config file read; larger blobs are not even fetched
 * @param fetchTimeout the socket timeout of one ls-remote or fetch, and the limit of one
 * repository read as a whole
 * @param cacheDir where fetched repositories are kept between reads; empty means
 * {@code optin-cache} under {@code wheelfarm.data-dir}
 * @param allowedInternalHosts hosts (or {@code host:port}) the farm may read repositories
 * from although they resolve to internal addresses (loopback, private, link-local…); any
 * other such host is refused
 * @param registrationsPerClient how many registrations one client may send per window
 * @param registrationWindow the window of the per-client registration limit
 */
@ConfigurationProperties("wheelfarm.optin")
public record OptInProperties(@DefaultValue("false") boolean allowFileUrls, @DefaultValue("true") boolean resyncEnabled,
		@DefaultValue("1h") Duration resyncInterval, @DefaultValue("256KB") DataSize maxConfigBytes,
		@DefaultValue("30s") Duration fetchTimeout, Path cacheDir, @DefaultValue List<String> allowedInternalHosts,
		@DefaultValue("10") int registrationsPerClient, @DefaultValue("1h") Duration registrationWindow) {

	public OptInProperties {
		require(positive(resyncInterval), "wheelfarm.optin.resync-interval must be positive");
		require(positive(fetchTimeout) && fetchTimeout.toSeconds() >= 1,
				"wheelfarm.optin.fetch-timeout must be at least 1s");
		require(maxConfigBytes != null && maxConfigBytes.toBytes() >= 1024
				&& maxConfigBytes.toBytes() <= DataSize.ofMegabytes(16).toBytes(),
				"wheelfarm.optin.max-config-bytes must be between 1KB and 16MB");
		allowedInternalHosts = List.copyOf(allowedInternalHosts);
		allowedInternalHosts.forEach(AllowedHost::parse);
		require(registrationsPerClient >= 1, "wheelfarm.optin.registrations-per-client must be at least 1");
		require(positive(registrationWindow), "wheelfarm.optin.registration-window must be positive");
	}

	/** The cache directory, resolved against the data directory when not set. */
	Path cacheDirUnder(Path dataDir) {
		return ((this.cacheDir != null) ? this.cacheDir : dataDir.resolve("optin-cache")).toAbsolutePath().normalize();
	}

	private static boolean positive(Duration duration) {
		return duration != null && !duration.isNegative() && !duration.isZero();
	}

	private static void require(boolean condition, String message) {
		if (!condition) {
			throw new IllegalArgumentException(message);
		}
	}

}

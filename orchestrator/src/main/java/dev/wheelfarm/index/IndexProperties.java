package dev.wheelfarm.index;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the index is served and exported.
 *
 * @param baseUrl where the farm's {@code /files/} are published, e.g. a CDN in front of
 * the static export; empty (the default) writes relative links ({@code ../../files/…}),
 * which are right behind any proxy without trusting {@code X-Forwarded-*}
 * @param exportDir where the static export is written; empty: no export to a directory
 * @param exportBucket the S3-compatible bucket the static export is written to, for a CDN
 * in front of it (reached with the endpoint and credentials of
 * {@code wheelfarm.blobs.s3.*}); empty: no export to a bucket
 * @param exportPrefix put before every key of the export in the bucket, e.g.
 * {@code index/}
 * @param exportInterval how often the static export is brought up to date
 * @param pageCacheTtl how long a rendered page is served before it is rendered again;
 * keep it well under the PyPI watch cycle so yanks and deletions show within one cycle
 * @param pageMaxAge the {@code Cache-Control: max-age} of index pages
 */
@ConfigurationProperties("wheelfarm.index")
public record IndexProperties(@DefaultValue("") String baseUrl, Path exportDir,
		@DefaultValue("1m") Duration exportInterval, @DefaultValue("5s") Duration pageCacheTtl,
		@DefaultValue("60s") Duration pageMaxAge, @DefaultValue("") String exportBucket,
		@DefaultValue("") String exportPrefix) {

	private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

	/** The settings without an export to a bucket. */
	public IndexProperties(String baseUrl, Path exportDir, Duration exportInterval, Duration pageCacheTtl,
			Duration pageMaxAge) {
		this(baseUrl, exportDir, exportInterval, pageCacheTtl, pageMaxAge, "", "");
	}

	@ConstructorBinding
	public IndexProperties {
		baseUrl = (baseUrl == null) ? "" : baseUrl.strip();
		if (!baseUrl.isEmpty()) {
			URI uri = URI.create(baseUrl);
			if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
					|| uri.getQuery() != null || uri.getFragment() != null) {
				throw new IllegalArgumentException(
						"wheelfarm.index.base-url must be an http(s) URL without query or fragment, not " + baseUrl);
			}
			baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
		}
		if (exportDir != null) {
			exportDir = exportDir.toAbsolutePath().normalize();
		}
		exportBucket = (exportBucket == null) ? "" : exportBucket.strip();
		exportPrefix = (exportPrefix == null) ? "" : exportPrefix.strip();
		if (!exportBucket.isEmpty() && !BUCKET.matcher(exportBucket).matches()) {
			throw new IllegalArgumentException(
					"wheelfarm.index.export-bucket must be an S3 bucket name (3-63 of a-z 0-9 . -), not "
							+ exportBucket);
		}
		if (!exportPrefix.isEmpty() && (exportPrefix.startsWith("/") || !exportPrefix.endsWith("/")
				|| exportPrefix.contains("//") || exportPrefix.contains(".."))) {
			throw new IllegalArgumentException(
					"wheelfarm.index.export-prefix must be empty or a relative path ending in /, like index/, not "
							+ exportPrefix);
		}
		require(exportInterval, "wheelfarm.index.export-interval", false);
		require(pageCacheTtl, "wheelfarm.index.page-cache-ttl", true);
		require(pageMaxAge, "wheelfarm.index.page-max-age", true);
	}

	/** Whether the static export is written anywhere. */
	public boolean exports() {
		return this.exportDir != null || !this.exportBucket.isEmpty();
	}

	private static void require(Duration duration, String property, boolean zeroAllowed) {
		if (duration == null || duration.isNegative() || (!zeroAllowed && duration.isZero())) {
			throw new IllegalArgumentException(property + " must be " + (zeroAllowed ? "zero or more" : "positive"));
		}
	}

}

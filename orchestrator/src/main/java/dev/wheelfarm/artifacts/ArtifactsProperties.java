package dev.wheelfarm.artifacts;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The limits a wheel must stay within before the farm reads it: a build job is untrusted
 * code, and a zip bomb must be refused before it fills the disk or the heap.
 *
 * @param maxWheelSize the largest wheel file accepted (PyPI's default upload limit is 100
 * MB)
 * @param maxUncompressedSize the most bytes all members of one wheel may expand to,
 * counted as they are read, not as the zip claims
 * @param maxEntries the most members one wheel may have
 * @param maxMetadataSize the largest {@code METADATA} or {@code RECORD} file accepted
 */
@ConfigurationProperties("wheelfarm.artifacts")
public record ArtifactsProperties(@DefaultValue("100MB") DataSize maxWheelSize,
		@DefaultValue("1GB") DataSize maxUncompressedSize, @DefaultValue("20000") int maxEntries,
		@DefaultValue("4MB") DataSize maxMetadataSize) {

	public ArtifactsProperties {
		require(maxWheelSize != null && maxWheelSize.toBytes() > 0, "wheelfarm.artifacts.max-wheel-size");
		require(maxUncompressedSize != null && maxUncompressedSize.toBytes() > 0,
				"wheelfarm.artifacts.max-uncompressed-size");
		require(maxEntries > 0, "wheelfarm.artifacts.max-entries");
		require(maxMetadataSize != null && maxMetadataSize.toBytes() > 0, "wheelfarm.artifacts.max-metadata-size");
	}

	private static void require(boolean condition, String property) {
		if (!condition) {
			throw new IllegalArgumentException(property + " must be positive");
		}
	}

}

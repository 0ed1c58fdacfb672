package dev.wheelfarm.index;

import java.time.Instant;

/**
 * One file of a project page, ours or PyPI's.
 *
 * @param filename the file's name
 * @param url where to download it: relative (ours, unless a base URL is configured) or
 * absolute (PyPI's)
 * @param sha256 the hash of its bytes
 * @param requiresPython its {@code Requires-Python}, or {@code null}
 * @param coreMetadataSha256 the hash of {@code <url>.metadata} (PEP 658), or {@code null}
 * when the index does not serve one
 * @param yanked whether the file (or its release) is yanked (PEP 592)
 * @param yankedReason why, or {@code null}
 * @param size its size in bytes
 * @param uploadTime when it was published, or {@code null}
 * @param hosted whether the farm serves the bytes (a built or uploaded file), not PyPI
 * @param provenance where its PEP 740 provenance object is, or {@code null} when it has
 * no verified attestation
 */
record IndexFile(String filename, String url, String sha256, String requiresPython, String coreMetadataSha256,
		boolean yanked, String yankedReason, long size, Instant uploadTime, boolean hosted, String provenance) {

	/** A file as the renderers see it: hosted by the farm when it has core metadata. */
	IndexFile(String filename, String url, String sha256, String requiresPython, String coreMetadataSha256,
			boolean yanked, String yankedReason, long size, Instant uploadTime) {
		this(filename, url, sha256, requiresPython, coreMetadataSha256, yanked, yankedReason, size, uploadTime,
				coreMetadataSha256 != null, null);
	}

}

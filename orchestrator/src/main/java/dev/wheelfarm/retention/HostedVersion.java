package dev.wheelfarm.retention;

import java.time.Instant;

/**
 * A version of which the farm hosts files, as retention sees it.
 *
 * @param version the version as the files' rows spell it (it may not parse as PEP 440)
 * @param storedAt when its newest file was stored: the age rule counts from here, so a
 * version that gains a file is young again
 */
public record HostedVersion(String version, Instant storedAt) {

}

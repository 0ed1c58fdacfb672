package dev.wheelfarm.optin;

/**
 * A read of a maintainer's repository left this project opted in, with the settings now
 * in {@code project.settings} (changed or not). Published after the read is stored, on
 * every sync: listeners compare what they need themselves, so a lost event costs no more
 * than the time to the next re-sync.
 *
 * @param project the normalized project name
 */
public record ProjectOptedIn(String project) {

}

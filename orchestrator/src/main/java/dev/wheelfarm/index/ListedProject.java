package dev.wheelfarm.index;

/**
 * One entry of {@code /simple/}.
 *
 * @param link the link to the project's page without its trailing slash (relative: the
 * normalized name)
 * @param displayName the name as its authors spell it
 */
record ListedProject(String link, String displayName) {

}

package dev.wheelfarm.shared;

import java.util.Comparator;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The optional build tag of a wheel file name, a tie breaker between wheels of the same
 * version: "sort the initial digits as a number, and the remainder lexicographically"
 * (packaging.python.org "Binary distribution format").
 *
 * @param number the leading digits
 * @param suffix the rest, possibly empty
 */
public record BuildTag(long number, String suffix) implements Comparable<BuildTag> {

	private static final Pattern PATTERN = Pattern.compile("([0-9]+)([A-Za-z0-9_.]*)");

	private static final Comparator<BuildTag> ORDER = Comparator.comparingLong(BuildTag::number)
		.thenComparing(BuildTag::suffix);

	public BuildTag {
		Objects.requireNonNull(suffix, "suffix");
		if (number < 0) {
			throw new IllegalArgumentException("Build number must not be negative: " + number);
		}
	}

	/**
	 * Parses a build tag such as {@code 1} or {@code 20240101abc}.
	 * @throws IllegalArgumentException if it does not start with a digit
	 */
	public static BuildTag parse(String text) {
		Matcher m = PATTERN.matcher(text);
		if (!m.matches()) {
			throw new IllegalArgumentException("build tag " + Quoting.quote(text)
					+ " must start with a digit and contain only letters, digits, '_' and '.'");
		}
		try {
			return new BuildTag(Long.parseLong(m.group(1)), m.group(2));
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException("build tag " + Quoting.quote(text) + " has a number that is too large");
		}
	}

	@Override
	public int compareTo(BuildTag other) {
		return ORDER.compare(this, other);
	}

	@Override
	public String toString() {
		return this.number + this.suffix;
	}

}

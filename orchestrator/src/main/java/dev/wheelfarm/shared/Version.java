package dev.wheelfarm.shared;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PEP 440 version (packaging.python.org "Version specifiers"), immutable.
 * <p>
 * Parsing applies every normalization rule of the spec, {@link #toString()} gives the
 * normalized form, and ordering and equality follow the spec's ordering:
 * {@code 1.0 == 1.0.0}, {@code 1.0.dev0 < 1.0a1 < 1.0b1 < 1.0rc1 < 1.0 < 1.0+local <
 * 1.0.post1}.
 */
public final class Version implements Comparable<Version> {

	/**
	 * Longer strings are refused before matching. Real versions are far shorter; the
	 * limit keeps the regular expression's recursion and the messages bounded.
	 */
	public static final int MAX_LENGTH = 256;

	// The pattern of the spec's appendix ("Appendix: Parsing version strings with regular
	// expressions"), which accepts every spelling the normalization rules allow.
	private static final Pattern PATTERN = Pattern.compile("""
			v?
			(?:
			    (?:(?<epoch>[0-9]+)!)?
			    (?<release>[0-9]+(?:\\.[0-9]+)*)
			    (?<pre>
			        [-_.]?
			        (?<preL>alpha|a|beta|b|preview|pre|c|rc)
			        [-_.]?
			        (?<preN>[0-9]+)?
			    )?
			    (?<post>
			        (?:-(?<postN1>[0-9]+))
			        |
			        (?:
			            [-_.]?
			            (?<postL>post|rev|r)
			            [-_.]?
			            (?<postN2>[0-9]+)?
			        )
			    )?
			    (?<dev>
			        [-_.]?
			        (?<devL>dev)
			        [-_.]?
			        (?<devN>[0-9]+)?
			    )?
			)
			(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?
			""", Pattern.CASE_INSENSITIVE | Pattern.COMMENTS);

	private static final Pattern LOCAL_SEPARATORS = Pattern.compile("[-_.]");

	private final long epoch;

	private final long[] release;

	private final PreRelease pre;

	private final Long post;

	private final Long dev;

	private final List<String> local;

	private Version(long epoch, long[] release, PreRelease pre, Long post, Long dev, List<String> local) {
		this.epoch = epoch;
		this.release = release;
		this.pre = pre;
		this.post = post;
		this.dev = dev;
		this.local = local;
	}

	/**
	 * Parses a PEP 440 version in any of the spellings the spec normalizes.
	 * @param text the version, e.g. {@code  V1.0-RC.1 }
	 * @return the version, e.g. {@code 1.0rc1}
	 * @throws InvalidVersionException if the text is not a PEP 440 version
	 */
	public static Version parse(String text) {
		if (text == null) {
			throw new InvalidVersionException("Version must not be null");
		}
		String stripped = text.strip();
		if (stripped.isEmpty()) {
			throw new InvalidVersionException("Invalid version " + Quoting.quote(text) + ": it is empty");
		}
		if (stripped.length() > MAX_LENGTH) {
			throw new InvalidVersionException(
					"Invalid version " + Quoting.quote(text) + ": it is longer than " + MAX_LENGTH + " characters");
		}
		Matcher m = PATTERN.matcher(stripped);
		if (!m.matches()) {
			throw new InvalidVersionException(
					"Invalid version " + Quoting.quote(text) + ": it is not a PEP 440 version (expected a form like "
							+ "'1.0', '2!1.0', '1.0a1', '1.0.post1', '1.0.dev1' or '1.0+local')");
		}
		long epoch = (m.group("epoch") != null) ? number(m.group("epoch"), text) : 0;
		String[] parts = m.group("release").split("\\.");
		long[] release = new long[parts.length];
		for (int i = 0; i < parts.length; i++) {
			release[i] = number(parts[i], text);
		}
		PreRelease pre = null;
		if (m.group("pre") != null) {
			pre = new PreRelease(Phase.ofLabel(m.group("preL")), optionalNumber(m.group("preN"), text));
		}
		Long post = null;
		if (m.group("post") != null) {
			post = (m.group("postN1") != null) ? number(m.group("postN1"), text)
					: optionalNumber(m.group("postN2"), text);
		}
		Long dev = (m.group("dev") != null) ? optionalNumber(m.group("devN"), text) : null;
		List<String> local = (m.group("local") != null) ? normalizeLocal(m.group("local")) : List.of();
		return new Version(epoch, release, pre, post, dev, local);
	}

	/**
	 * Parses a version that may be a legacy (non PEP 440) one, as found in old PyPI
	 * releases; the caller keeps the raw string when this is empty.
	 */
	public static Optional<Version> tryParse(String text) {
		try {
			return Optional.of(parse(text));
		}
		catch (InvalidVersionException ex) {
			return Optional.empty();
		}
	}

	private static long optionalNumber(String digits, String text) {
		return (digits != null) ? number(digits, text) : 0;
	}

	private static long number(String digits, String text) {
		try {
			return Long.parseLong(digits);
		}
		catch (NumberFormatException ex) {
			throw new InvalidVersionException("Invalid version " + Quoting.quote(text) + ": the number "
					+ Quoting.quote(digits) + " is too large (at most " + Long.MAX_VALUE + ")");
		}
	}

	private static List<String> normalizeLocal(String local) {
		List<String> segments = new ArrayList<>();
		for (String segment : LOCAL_SEPARATORS.split(local)) {
			segments.add(isNumeric(segment) ? stripLeadingZeros(segment) : segment.toLowerCase(Locale.ROOT));
		}
		return Collections.unmodifiableList(segments);
	}

	private static boolean isNumeric(String segment) {
		for (int i = 0; i < segment.length(); i++) {
			char c = segment.charAt(i);
			if (c < '0' || c > '9') {
				return false;
			}
		}
		return true;
	}

	// Numeric local segments can be longer than a long ("1.0+20231015123456789012"), so
	// they stay strings and are compared by length first.
	private static String stripLeadingZeros(String digits) {
		int i = 0;
		while (i < digits.length() - 1 && digits.charAt(i) == '0') {
			i++;
		}
		return digits.substring(i);
	}

	/** The epoch, {@code 0} unless written as {@code N!}. */
	public long epoch() {
		return this.epoch;
	}

	/** The release segment as written (trailing zeros kept): {@code [1, 0]} for 1.0. */
	public List<Long> release() {
		List<Long> result = new ArrayList<>(this.release.length);
		for (long n : this.release) {
			result.add(n);
		}
		return Collections.unmodifiableList(result);
	}

	/** The first release number ({@code 3} in 3.12.1). */
	public long major() {
		return releasePart(0);
	}

	/** The second release number, {@code 0} if absent ({@code 12} in 3.12.1). */
	public long minor() {
		return releasePart(1);
	}

	/** The third release number, {@code 0} if absent ({@code 1} in 3.12.1). */
	public long micro() {
		return releasePart(2);
	}

	private long releasePart(int index) {
		return (index < this.release.length) ? this.release[index] : 0;
	}

	/** The pre-release part ({@code a1}, {@code b2}, {@code rc3}), if any. */
	public Optional<PreRelease> pre() {
		return Optional.ofNullable(this.pre);
	}

	/** The post-release number, if any. */
	public OptionalLong post() {
		return (this.post != null) ? OptionalLong.of(this.post) : OptionalLong.empty();
	}

	/** The development release number, if any. */
	public OptionalLong dev() {
		return (this.dev != null) ? OptionalLong.of(this.dev) : OptionalLong.empty();
	}

	/** The normalized local version label (after {@code +}), if any. */
	public Optional<String> local() {
		return hasLocal() ? Optional.of(String.join(".", this.local)) : Optional.empty();
	}

	/** A pre-release in the spec's sense: a pre-release or a development release. */
	public boolean isPrerelease() {
		return this.pre != null || this.dev != null;
	}

	public boolean isDevrelease() {
		return this.dev != null;
	}

	public boolean isPostrelease() {
		return this.post != null;
	}

	public boolean hasLocal() {
		return !this.local.isEmpty();
	}

	/** This version without its local label: what PyPI accepts and specifiers match. */
	public Version publicVersion() {
		return hasLocal() ? new Version(this.epoch, this.release, this.pre, this.post, this.dev, List.of()) : this;
	}

	/** Epoch and release only: {@code 1!2.0} for {@code 1!2.0rc1.post2.dev3+x}. */
	public Version baseVersion() {
		return new Version(this.epoch, this.release, null, null, null, List.of());
	}

	/**
	 * Whether the release segments agree on the first {@code length} numbers, padding
	 * either with zeros; used by prefix matching ({@code ==1.1.*}).
	 */
	boolean releaseStartsWith(Version prefix, int length) {
		for (int i = 0; i < length; i++) {
			if (releasePart(i) != prefix.releasePart(i)) {
				return false;
			}
		}
		return true;
	}

	int releaseLength() {
		return this.release.length;
	}

	@Override
	public int compareTo(Version other) {
		int result = Long.compare(this.epoch, other.epoch);
		if (result == 0) {
			result = compareRelease(other);
		}
		if (result == 0) {
			result = Integer.compare(preRank(), other.preRank());
		}
		if (result == 0 && this.pre != null) {
			result = Long.compare(this.pre.number(), other.pre.number());
		}
		if (result == 0) {
			// No post release sorts before any post release.
			result = Long.compare(orElse(this.post, -1), orElse(other.post, -1));
		}
		if (result == 0) {
			// No dev release sorts after any dev release.
			result = Long.compare(orElse(this.dev, Long.MAX_VALUE), orElse(other.dev, Long.MAX_VALUE));
			if (result == 0 && (this.dev == null) != (other.dev == null)) {
				result = (this.dev == null) ? 1 : -1;
			}
		}
		if (result == 0) {
			result = compareLocal(this.local, other.local);
		}
		return result;
	}

	private int compareRelease(Version other) {
		int length = Math.max(this.release.length, other.release.length);
		for (int i = 0; i < length; i++) {
			int result = Long.compare(releasePart(i), other.releasePart(i));
			if (result != 0) {
				return result;
			}
		}
		return 0;
	}

	// A bare dev release (1.0.dev1) sorts before every pre-release of the same release; a
	// release without pre-release sorts after all of them.
	private int preRank() {
		if (this.pre != null) {
			return this.pre.phase().ordinal();
		}
		return (this.post == null && this.dev != null) ? -1 : Phase.values().length;
	}

	private static long orElse(Long value, long fallback) {
		return (value != null) ? value : fallback;
	}

	// PEP 440 "Local version identifiers": segment by segment, numbers above strings,
	// and a longer label wins when the shorter one is its prefix.
	private static int compareLocal(List<String> a, List<String> b) {
		int length = Math.min(a.size(), b.size());
		for (int i = 0; i < length; i++) {
			int result = compareLocalSegment(a.get(i), b.get(i));
			if (result != 0) {
				return result;
			}
		}
		return Integer.compare(a.size(), b.size());
	}

	private static int compareLocalSegment(String a, String b) {
		boolean aNumeric = isNumeric(a);
		boolean bNumeric = isNumeric(b);
		if (aNumeric && bNumeric) {
			int result = Integer.compare(a.length(), b.length());
			return (result != 0) ? result : a.compareTo(b);
		}
		if (aNumeric != bNumeric) {
			return aNumeric ? 1 : -1;
		}
		return a.compareTo(b);
	}

	/**
	 * Equal when the spec orders them equal: {@code 1.0}, {@code 1.0.0} and {@code v1.0}.
	 */
	@Override
	public boolean equals(Object obj) {
		return obj instanceof Version other && compareTo(other) == 0;
	}

	@Override
	public int hashCode() {
		int significant = this.release.length;
		while (significant > 1 && this.release[significant - 1] == 0) {
			significant--;
		}
		return Objects.hash(this.epoch, Arrays.hashCode(Arrays.copyOf(this.release, significant)), this.pre, this.post,
				this.dev, this.local);
	}

	/** The normalized form, e.g. {@code 1!2.0rc1.post2.dev3+ubuntu.1}. */
	@Override
	public String toString() {
		StringBuilder text = new StringBuilder();
		if (this.epoch != 0) {
			text.append(this.epoch).append('!');
		}
		for (int i = 0; i < this.release.length; i++) {
			text.append((i > 0) ? "." : "").append(this.release[i]);
		}
		if (this.pre != null) {
			text.append(this.pre);
		}
		if (this.post != null) {
			text.append(".post").append(this.post);
		}
		if (this.dev != null) {
			text.append(".dev").append(this.dev);
		}
		if (hasLocal()) {
			text.append('+').append(String.join(".", this.local));
		}
		return text.toString();
	}

	/** The pre-release phases in their order. */
	public enum Phase {

		ALPHA("a"), BETA("b"), RELEASE_CANDIDATE("rc");

		private final String symbol;

		Phase(String symbol) {
			this.symbol = symbol;
		}

		/** The normalized spelling: {@code a}, {@code b} or {@code rc}. */
		public String symbol() {
			return this.symbol;
		}

		static Phase ofLabel(String label) {
			return switch (label.toLowerCase(Locale.ROOT)) {
				case "a", "alpha" -> ALPHA;
				case "b", "beta" -> BETA;
				case "c", "rc", "pre", "preview" -> RELEASE_CANDIDATE;
				default -> throw new IllegalArgumentException("Unknown pre-release label " + Quoting.quote(label));
			};
		}

	}

	/**
	 * A pre-release part such as {@code rc1}.
	 *
	 * @param phase alpha, beta or release candidate
	 * @param number the number, {@code 0} when the version omitted it
	 */
	public record PreRelease(Phase phase, long number) {

		public PreRelease {
			Objects.requireNonNull(phase, "phase");
		}

		@Override
		public String toString() {
			return this.phase.symbol() + this.number;
		}

	}

}

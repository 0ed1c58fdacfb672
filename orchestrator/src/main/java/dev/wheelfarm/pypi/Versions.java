package dev.wheelfarm.pypi;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Just enough PEP 440 for the maintainer's settings (minimum version, pre-releases, skip
 * list). A stand-in for {@code shared.Version} until the packaging core lands here;
 * legacy strings parse to empty and are never "at least" anything.
 */
final class Versions {

	// The PEP 440 appendix regex, without local versions (PyPI refuses them).
	private static final Pattern PEP440 = Pattern.compile("""
			^v?(?:(?<epoch>[0-9]+)!)?(?<release>[0-9]+(?:\\.[0-9]+)*)\
			(?:[-_.]?(?<pre>a|b|c|rc|alpha|beta|pre|preview)[-_.]?(?<prenum>[0-9]+)?)?\
			(?:-(?<postimplicit>[0-9]+)|[-_.]?(?<postkw>post|rev|r)[-_.]?(?<postnum>[0-9]+)?)?\
			(?:[-_.]?(?<dev>dev)[-_.]?(?<devnum>[0-9]+)?)?$""", Pattern.CASE_INSENSITIVE);

	private Versions() {
	}

	/** A parsed version: comparable by PEP 440 order. */
	record Parsed(BigInteger epoch, List<BigInteger> release, int preKind, BigInteger pre, BigInteger post,
			BigInteger dev) implements Comparable<Parsed> {

		boolean isPrerelease() {
			return this.preKind >= 0 || this.dev != null;
		}

		@Override
		public int compareTo(Parsed other) {
			int c = this.epoch.compareTo(other.epoch);
			if (c != 0) {
				return c;
			}
			int length = Math.max(this.release.size(), other.release.size());
			for (int i = 0; i < length; i++) {
				BigInteger a = (i < this.release.size()) ? this.release.get(i) : BigInteger.ZERO;
				BigInteger b = (i < other.release.size()) ? other.release.get(i) : BigInteger.ZERO;
				c = a.compareTo(b);
				if (c != 0) {
					return c;
				}
			}
			c = Long.compare(preRank(), other.preRank());
			if (c == 0 && this.preKind >= 0) {
				c = this.pre.compareTo(other.pre);
			}
			if (c != 0) {
				return c;
			}
			c = compareOptional(this.post, other.post, -1);
			if (c != 0) {
				return c;
			}
			// A dev release sorts before the same version without one.
			return compareOptional(this.dev, other.dev, 1);
		}

		// .devN of a final release sorts before its pre-releases: 1.0.dev1 < 1.0a1 < 1.0.
		private long preRank() {
			if (this.preKind >= 0) {
				return this.preKind;
			}
			return (this.post == null && this.dev != null) ? -1 : 3;
		}

		private static int compareOptional(BigInteger a, BigInteger b, int missing) {
			if (a == null && b == null) {
				return 0;
			}
			if (a == null) {
				return missing;
			}
			if (b == null) {
				return -missing;
			}
			return a.compareTo(b);
		}

	}

	static Optional<Parsed> parse(String raw) {
		Matcher m = PEP440.matcher(raw.strip());
		if (!m.matches()) {
			return Optional.empty();
		}
		List<BigInteger> release = new ArrayList<>();
		for (String part : m.group("release").split("\\.")) {
			release.add(new BigInteger(part));
		}
		int preKind = -1;
		BigInteger pre = null;
		if (m.group("pre") != null) {
			preKind = switch (m.group("pre").toLowerCase(Locale.ROOT)) {
				case "a", "alpha" -> 0;
				case "b", "beta" -> 1;
				default -> 2;
			};
			pre = number(m.group("prenum"));
		}
		BigInteger post = null;
		if (m.group("postimplicit") != null) {
			post = new BigInteger(m.group("postimplicit"));
		}
		else if (m.group("postkw") != null) {
			post = number(m.group("postnum"));
		}
		BigInteger dev = (m.group("dev") != null) ? number(m.group("devnum")) : null;
		BigInteger epoch = (m.group("epoch") != null) ? new BigInteger(m.group("epoch")) : BigInteger.ZERO;
		return Optional.of(new Parsed(epoch, List.copyOf(release), preKind, pre, post, dev));
	}

	private static BigInteger number(String digits) {
		return (digits != null) ? new BigInteger(digits) : BigInteger.ZERO;
	}

}

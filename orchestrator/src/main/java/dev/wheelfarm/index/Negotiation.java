package dev.wheelfarm.index;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Picks a representation from an {@code Accept} header (RFC 9110 §12.5.1, as PEP 691
 * asks): each offer gets the quality of the most specific range that matches it, the
 * highest quality above zero wins, and ties go to the server's order
 * ({@link SimpleMediaType}). A missing header means {@code *}{@code /*}; a header naming
 * nothing we serve gets 406.
 */
final class Negotiation {

	private static final int MAX_RANGES = 64;

	private static final Pattern QVALUE = Pattern.compile("(0(\\.[0-9]{0,3})?|1(\\.0{0,3})?)");

	/**
	 * Clients send the same few headers over and over (pip's, uv's, a browser's): each is
	 * parsed once. Bounded, so made-up headers cannot grow it; when full it starts again.
	 */
	private static final int REMEMBERED = 256;

	private static final Map<String, Optional<SimpleMediaType>> chosen = new ConcurrentHashMap<>();

	private static final Map<String, Boolean> gzipAccepted = new ConcurrentHashMap<>();

	private Negotiation() {
	}

	/**
	 * @param accept the {@code Accept} header, or {@code null}
	 * @param format PEP 691's optional {@code ?format=} parameter, which wins over
	 * {@code Accept}, or {@code null}
	 * @return the representation to send, or empty for 406
	 */
	static Optional<SimpleMediaType> choose(String accept, String format) {
		if (format != null) {
			return byName(format.strip());
		}
		String key = (accept != null) ? accept : "";
		Optional<SimpleMediaType> known = chosen.get(key);
		if (known != null) {
			return known;
		}
		Optional<SimpleMediaType> choice = negotiate(accept);
		remember(chosen, key, choice);
		return choice;
	}

	private static Optional<SimpleMediaType> negotiate(String accept) {
		List<Range> ranges = parse((accept == null || accept.isBlank()) ? "*/*" : accept);
		SimpleMediaType best = null;
		double bestQuality = 0;
		for (SimpleMediaType offer : SimpleMediaType.values()) {
			double quality = quality(offer, ranges);
			if (quality > bestQuality) {
				best = offer;
				bestQuality = quality;
			}
		}
		return Optional.ofNullable(best);
	}

	private static Optional<SimpleMediaType> byName(String name) {
		String lower = name.toLowerCase(Locale.ROOT);
		for (SimpleMediaType type : SimpleMediaType.values()) {
			if (type.names().contains(lower)) {
				return Optional.of(type);
			}
		}
		return Optional.empty();
	}

	private static double quality(SimpleMediaType offer, List<Range> ranges) {
		int bestSpecificity = -1;
		double quality = 0;
		for (String name : offer.names()) {
			int slash = name.indexOf('/');
			String type = name.substring(0, slash);
			String subtype = name.substring(slash + 1);
			for (Range range : ranges) {
				int specificity = range.specificity(type, subtype);
				if (specificity > bestSpecificity) {
					bestSpecificity = specificity;
					quality = range.quality();
				}
			}
		}
		return quality;
	}

	private static List<Range> parse(String header) {
		List<Range> ranges = new ArrayList<>();
		for (String part : header.split(",", MAX_RANGES + 1)) {
			if (ranges.size() == MAX_RANGES) {
				break;
			}
			String[] pieces = part.split(";");
			String mediaRange = pieces[0].strip().toLowerCase(Locale.ROOT);
			int slash = mediaRange.indexOf('/');
			if (slash <= 0 || slash == mediaRange.length() - 1) {
				continue;
			}
			double quality = 1;
			for (int i = 1; i < pieces.length; i++) {
				String parameter = pieces[i].strip();
				if (parameter.length() > 2 && (parameter.startsWith("q=") || parameter.startsWith("Q="))) {
					quality = parseQuality(parameter.substring(2));
				}
			}
			ranges.add(new Range(mediaRange.substring(0, slash), mediaRange.substring(slash + 1), quality));
		}
		return ranges;
	}

	/**
	 * Whether {@code Accept-Encoding} (RFC 9110 §12.5.3) lets us send gzip: a
	 * {@code gzip} or {@code *} coding with a quality above 0. pip and uv both ask for
	 * it.
	 */
	static boolean acceptsGzip(String acceptEncoding) {
		if (acceptEncoding == null) {
			return false;
		}
		Boolean known = gzipAccepted.get(acceptEncoding);
		if (known != null) {
			return known;
		}
		boolean accepted = gzipIn(acceptEncoding);
		remember(gzipAccepted, acceptEncoding, accepted);
		return accepted;
	}

	private static <V> void remember(Map<String, V> answers, String header, V answer) {
		if (header.length() > 1024) {
			return;
		}
		if (answers.size() >= REMEMBERED) {
			answers.clear();
		}
		answers.put(header, answer);
	}

	private static boolean gzipIn(String acceptEncoding) {
		double gzip = -1;
		double any = -1;
		String[] parts = acceptEncoding.split(",", MAX_RANGES + 1);
		for (int i = 0; i < Math.min(parts.length, MAX_RANGES); i++) {
			String[] pieces = parts[i].split(";");
			String coding = pieces[0].strip().toLowerCase(Locale.ROOT);
			double quality = 1;
			for (int j = 1; j < pieces.length; j++) {
				String parameter = pieces[j].strip();
				if (parameter.length() > 2 && (parameter.startsWith("q=") || parameter.startsWith("Q="))) {
					quality = parseQuality(parameter.substring(2));
				}
			}
			if (coding.equals("gzip") || coding.equals("x-gzip")) {
				gzip = quality;
			}
			else if (coding.equals("*")) {
				any = quality;
			}
		}
		return (gzip >= 0) ? gzip > 0 : any > 0;
	}

	// RFC 9110 qvalue: 0 to 1 with at most three decimals; anything else counts as 0.
	private static double parseQuality(String text) {
		if (!QVALUE.matcher(text).matches()) {
			return 0;
		}
		return Double.parseDouble(text);
	}

	private record Range(String type, String subtype, double quality) {

		/** -1 when the range does not match; higher is more specific. */
		int specificity(String offerType, String offerSubtype) {
			if (this.type.equals("*")) {
				return this.subtype.equals("*") ? 0 : -1;
			}
			if (!this.type.equals(offerType)) {
				return -1;
			}
			if (this.subtype.equals("*")) {
				return 1;
			}
			return this.subtype.equals(offerSubtype) ? 2 : -1;
		}

	}

}

package dev.wheelfarm.index;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.util.MimeTypeUtils;

/**
 * Picks a representation from an {@code Accept} header (RFC 9110 §12.5.1, as PEP 691
 * asks): each offer gets the quality of the most specific range that matches it, the
 * highest quality above zero wins, and ties go to the server's order
 * ({@link SimpleMediaType}). A missing header means {@code *}{@code /*}; a header naming
 * nothing we serve gets 406. The ranges are read by Spring's {@link MediaType}.
 */
public final class Negotiation {

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
	public static Optional<SimpleMediaType> choose(String accept, String format) {
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
		List<MediaType> ranges = parse((accept == null || accept.isBlank()) ? "*/*" : accept);
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

	/**
	 * The quality of the most specific range that includes one of the offer's names (the
	 * first such range on a tie), or 0 when none does.
	 */
	private static double quality(SimpleMediaType offer, List<MediaType> ranges) {
		int bestSpecificity = -1;
		double quality = 0;
		for (MediaType name : offer.mediaTypes()) {
			for (MediaType range : ranges) {
				int specificity = specificity(range);
				if (specificity > bestSpecificity && range.includes(name)) {
					bestSpecificity = specificity;
					quality = range.getQualityValue();
				}
			}
		}
		return quality;
	}

	/**
	 * {@code *}{@code /*} 0, {@code type/*} 1, {@code type/subtype} 2 (RFC 9110 §12.5.1).
	 */
	private static int specificity(MediaType range) {
		if (range.isWildcardType()) {
			return 0;
		}
		return range.isWildcardSubtype() ? 1 : 2;
	}

	private static List<MediaType> parse(String header) {
		List<MediaType> ranges = new ArrayList<>();
		for (String range : MimeTypeUtils.tokenize(header)) {
			if (ranges.size() == MAX_RANGES) {
				break;
			}
			try {
				ranges.add(MediaType.parseMediaType(range));
			}
			catch (InvalidMediaTypeException ex) {
				refused(range).ifPresent(ranges::add);
			}
		}
		return ranges;
	}

	/**
	 * A range whose parameters cannot be read (a quality like {@code q=banana} or
	 * {@code q=2}) refuses its type, quality 0, rather than allowing it: the client meant
	 * to lower it. A range that is no media type at all ({@code nonsense}) is left out.
	 */
	private static Optional<MediaType> refused(String range) {
		int semicolon = range.indexOf(';');
		if (semicolon < 0) {
			return Optional.empty();
		}
		try {
			MediaType type = MediaType.parseMediaType(range.substring(0, semicolon));
			return Optional.of(new MediaType(type.getType(), type.getSubtype(), 0.0));
		}
		catch (InvalidMediaTypeException ex) {
			return Optional.empty();
		}
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

}

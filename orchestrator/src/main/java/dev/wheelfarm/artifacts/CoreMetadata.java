package dev.wheelfarm.artifacts;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the header block of a core metadata file (a wheel's {@code METADATA}, an sdist's
 * {@code PKG-INFO}): RFC 822-style {@code Key: value} lines up to the first empty line.
 */
final class CoreMetadata {

	private CoreMetadata() {
	}

	/**
	 * The first value of each header, keys lower-cased.
	 * @throws CharacterCodingException if the file is not UTF-8 (the core metadata
	 * specification requires it)
	 */
	static Map<String, String> headers(byte[] metadata) throws CharacterCodingException {
		String text = StandardCharsets.UTF_8.newDecoder()
			.onMalformedInput(CodingErrorAction.REPORT)
			.decode(ByteBuffer.wrap(metadata))
			.toString();
		Map<String, String> headers = new HashMap<>();
		for (String line : text.split("\r?\n", -1)) {
			if (line.isEmpty()) {
				break;
			}
			int colon = line.indexOf(':');
			if (colon > 0 && !Character.isWhitespace(line.charAt(0))) {
				headers.putIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
						line.substring(colon + 1).trim());
			}
		}
		return headers;
	}

}

package dev.wheelfarm.shared;

/**
 * Quotes untrusted input for exception messages: the input may come from PyPI, an upload
 * or a URL, so it is escaped (no control characters or line breaks reach a log) and
 * truncated (a megabyte-long "version" does not become a megabyte-long message).
 */
public final class Quoting {

	static final int MAX_QUOTED_LENGTH = 80;

	private Quoting() {
	}

	public static String quote(String input) {
		if (input == null) {
			return "null";
		}
		StringBuilder quoted = new StringBuilder("'");
		int limit = Math.min(input.length(), MAX_QUOTED_LENGTH);
		for (int i = 0; i < limit; i++) {
			char c = input.charAt(i);
			switch (c) {
				case '\'' -> quoted.append("\\'");
				case '\\' -> quoted.append("\\\\");
				case '\n' -> quoted.append("\\n");
				case '\r' -> quoted.append("\\r");
				case '\t' -> quoted.append("\\t");
				default -> {
					if (c < 0x20 || c == 0x7f || Character.isISOControl(c) || Character.isSurrogate(c)
							|| Character.getType(c) == Character.FORMAT) {
						quoted.append(String.format("\\u%04x", (int) c));
					}
					else {
						quoted.append(c);
					}
				}
			}
		}
		quoted.append('\'');
		if (input.length() > limit) {
			quoted.append("... (").append(input.length()).append(" characters)");
		}
		return quoted.toString();
	}

}

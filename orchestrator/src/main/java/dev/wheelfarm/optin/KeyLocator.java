package dev.wheelfarm.optin;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds where each key of a TOML document is written. The TOML parser hands back a tree
 * without positions, yet a maintainer needs "line 7, column 13" for a value of the wrong
 * type; TOML is line-oriented enough that table headers and {@code key = value} lines
 * give that position for every key a config can hold.
 */
final class KeyLocator {

	private static final String SIMPLE_KEY = "(?:[A-Za-z0-9_-]+|\"(?:[^\"\\\\]|\\\\.)*\"|'[^']*')";

	private static final Pattern KEY_VALUE = Pattern
		.compile("^\\s*(" + SIMPLE_KEY + "(?:\\s*\\.\\s*" + SIMPLE_KEY + ")*)\\s*=\\s*");

	private static final Pattern HEADER = Pattern
		.compile("^\\s*\\[\\[?\\s*(" + SIMPLE_KEY + "(?:\\s*\\.\\s*" + SIMPLE_KEY + ")*)\\s*\\]\\]?\\s*(?:#.*)?$");

	private final Map<String, ConfigProblem.Location> locations = new HashMap<>();

	private KeyLocator() {
	}

	static KeyLocator of(String text) {
		KeyLocator locator = new KeyLocator();
		String table = "";
		String openString = null;
		String[] lines = text.split("\r?\n", -1);
		for (int i = 0; i < lines.length; i++) {
			String line = lines[i];
			if (openString != null) {
				// Inside a multi-line string: nothing here is a key.
				if (line.contains(openString)) {
					openString = null;
				}
				continue;
			}
			Matcher header = HEADER.matcher(line);
			if (header.matches()) {
				table = dotted(header.group(1));
				locator.locations.putIfAbsent(table, new ConfigProblem.Location(i + 1, header.start(1) + 1));
				continue;
			}
			Matcher keyValue = KEY_VALUE.matcher(line);
			if (keyValue.lookingAt()) {
				String key = dotted(keyValue.group(1));
				String path = table.isEmpty() ? key : table + "." + key;
				locator.locations.putIfAbsent(path, new ConfigProblem.Location(i + 1, keyValue.end() + 1));
				String rest = line.substring(keyValue.end());
				for (String delimiter : List.of("\"\"\"", "'''")) {
					if (rest.startsWith(delimiter) && rest.indexOf(delimiter, 3) < 0) {
						openString = delimiter;
					}
				}
			}
		}
		return locator;
	}

	/**
	 * Where the value of a key is written, or where its nearest written parent is, or
	 * {@link ConfigProblem.Location#UNKNOWN}.
	 */
	ConfigProblem.Location find(String path) {
		String candidate = path;
		while (!candidate.isEmpty()) {
			ConfigProblem.Location location = this.locations.get(candidate);
			if (location != null) {
				return location;
			}
			int dot = candidate.lastIndexOf('.');
			candidate = (dot < 0) ? "" : candidate.substring(0, dot);
		}
		return ConfigProblem.Location.UNKNOWN;
	}

	private static String dotted(String key) {
		List<String> parts = new ArrayList<>();
		StringBuilder part = new StringBuilder();
		char quote = 0;
		for (char c : key.toCharArray()) {
			if (quote != 0) {
				if (c == quote) {
					quote = 0;
				}
				else {
					part.append(c);
				}
			}
			else if (c == '"' || c == '\'') {
				quote = c;
			}
			else if (c == '.') {
				parts.add(part.toString().strip());
				part.setLength(0);
			}
			else if (!Character.isWhitespace(c)) {
				part.append(c);
			}
		}
		parts.add(part.toString().strip());
		return String.join(".", parts);
	}

}

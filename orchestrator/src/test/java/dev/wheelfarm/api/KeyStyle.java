package dev.wheelfarm.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import tools.jackson.databind.JsonNode;

/**
 * The API's one key style (docs/api.md): snake_case, no camelCase, no kebab-case. Below
 * the keys that echo another format's document as it was written (a maintainer's
 * {@code [tool.wheelfarm]} table and the cibuildwheel options in it), keys keep that
 * format's spelling and are not checked.
 */
final class KeyStyle {

	static final Pattern SNAKE_CASE = Pattern.compile("[a-z][a-z0-9]*(_[a-z0-9]+)*");

	static final Set<String> ECHOED = Set.of("config", "settings", "environment", "cibuildwheel");

	private KeyStyle() {
	}

	/** Each key not in snake_case, as a JSON pointer. */
	static List<String> offences(JsonNode document) {
		List<String> offences = new ArrayList<>();
		walk(document, "", offences);
		return offences;
	}

	private static void walk(JsonNode node, String at, List<String> offences) {
		if (node == null) {
			return;
		}
		if (node.isArray()) {
			for (int i = 0; i < node.size(); i++) {
				walk(node.get(i), at + "/" + i, offences);
			}
		}
		else if (node.isObject()) {
			for (Map.Entry<String, JsonNode> field : node.properties()) {
				String key = field.getKey();
				if (!SNAKE_CASE.matcher(key).matches()) {
					offences.add(at + "/" + key);
				}
				if (!ECHOED.contains(key)) {
					walk(field.getValue(), at + "/" + key, offences);
				}
			}
		}
	}

}

package dev.wheelfarm.builds;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import dev.wheelfarm.shared.Sha256;

/**
 * Everything a build's outcome depends on besides the sdist: the worker template's
 * content hash, the cibuildwheel pin, the maintainer's effective config. A change of any
 * part is a new fingerprint, hence a new ledger row, which is how a permanent failure
 * gets another try.
 *
 * @param hex the sha256 of the parts, in lowercase hex
 */
public record RecipeFingerprint(String hex) {

	public RecipeFingerprint {
		if (hex == null || !hex.matches("[0-9a-f]{64}")) {
			throw new IllegalArgumentException("a recipe fingerprint is 64 lowercase hex digits");
		}
	}

	/**
	 * The fingerprint of named parts. Order does not matter; each name and value is
	 * written with its length so that no two different sets of parts can produce the same
	 * input.
	 */
	public static RecipeFingerprint of(Map<String, String> parts) {
		SortedMap<String, String> sorted = new TreeMap<>(parts);
		StringBuilder canonical = new StringBuilder();
		sorted.forEach((name, value) -> canonical.append(name.length())
			.append(':')
			.append(name)
			.append(value.length())
			.append(':')
			.append(value)
			.append('\n'));
		return new RecipeFingerprint(Sha256.digest(canonical.toString().getBytes(StandardCharsets.UTF_8)).hex());
	}

}

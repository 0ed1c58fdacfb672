package dev.wheelfarm.web;

/**
 * A code a program compares, and the words a person reads for it: how the JSON API
 * answers a state or an outcome (docs/api.md).
 *
 * @param code lower case with hyphens ({@code failed}, {@code opted-in})
 * @param message the same for a person
 */
@ApiJson
public record Coded(String code, String message) {

	/** {@code PENDING} → {@code pending}, {@code OPTED_IN} → {@code opted-in}. */
	public static String code(String constant) {
		return (constant != null) ? constant.toLowerCase(java.util.Locale.ROOT).replace('_', '-') : null;
	}

}

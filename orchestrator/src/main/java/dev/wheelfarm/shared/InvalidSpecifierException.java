package dev.wheelfarm.shared;

/**
 * A version specifier (such as a {@code requires-python} value) that does not follow the
 * packaging.python.org "Version specifiers" grammar.
 */
public class InvalidSpecifierException extends IllegalArgumentException {

	public InvalidSpecifierException(String message) {
		super(message);
	}

	public InvalidSpecifierException(String message, Throwable cause) {
		super(message, cause);
	}

}

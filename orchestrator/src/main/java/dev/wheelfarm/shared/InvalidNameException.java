package dev.wheelfarm.shared;

/**
 * A project name that is not a valid Python package name (packaging.python.org, "Core
 * metadata", Name field).
 */
public class InvalidNameException extends IllegalArgumentException {

	public InvalidNameException(String message) {
		super(message);
	}

}

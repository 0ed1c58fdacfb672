package dev.wheelfarm.shared;

/**
 * A file name that is not recognisable as a source distribution, neither in the PEP 625
 * form nor in one of the legacy forms found on PyPI.
 */
public class InvalidSdistFilenameException extends IllegalArgumentException {

	public InvalidSdistFilenameException(String message) {
		super(message);
	}

	public InvalidSdistFilenameException(String message, Throwable cause) {
		super(message, cause);
	}

}

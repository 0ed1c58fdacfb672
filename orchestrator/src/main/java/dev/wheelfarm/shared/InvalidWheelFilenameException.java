package dev.wheelfarm.shared;

/**
 * A file name that does not follow the wheel file name convention (PEP 427,
 * packaging.python.org "Binary distribution format").
 */
public class InvalidWheelFilenameException extends IllegalArgumentException {

	public InvalidWheelFilenameException(String message) {
		super(message);
	}

	public InvalidWheelFilenameException(String message, Throwable cause) {
		super(message, cause);
	}

}

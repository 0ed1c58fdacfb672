package dev.wheelfarm.artifacts;

/**
 * A wheel failed a check and is not stored. The message names the wheel and the check,
 * because it is what the maintainer reads on the build's page.
 */
public class WheelRejectedException extends Exception {

	private static final long serialVersionUID = 1L;

	public WheelRejectedException(String message) {
		super(message);
	}

	public WheelRejectedException(String message, Throwable cause) {
		super(message, cause);
	}

}

package dev.wheelfarm.pypi;

/**
 * A PyPI page could not be read or could not be trusted. The message is what the operator
 * sees against the project, so it says what was wrong in plain words.
 */
public class PypiReadException extends RuntimeException {

	private final boolean transientFault;

	PypiReadException(String message, boolean transientFault) {
		super(message);
		this.transientFault = transientFault;
	}

	PypiReadException(String message, boolean transientFault, Throwable cause) {
		super(message, cause);
		this.transientFault = transientFault;
	}

	/**
	 * Whether trying again later may help (429, 5xx, timeouts), as opposed to a bad page.
	 */
	public boolean isTransient() {
		return this.transientFault;
	}

}

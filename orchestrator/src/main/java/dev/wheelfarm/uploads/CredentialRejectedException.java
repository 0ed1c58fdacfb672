package dev.wheelfarm.uploads;

/**
 * A credential does not allow writing the project. The message is for the uploader: it
 * says which check failed, never what the secret was.
 */
public class CredentialRejectedException extends Exception {

	private static final long serialVersionUID = 1L;

	CredentialRejectedException(String message) {
		super(message);
	}

	CredentialRejectedException(String message, Throwable cause) {
		super(message, cause);
	}

}

package dev.wheelfarm.optin;

/**
 * A repository could not be read (it does not exist, it timed out, it refused us). The
 * message is stored and shown to the maintainer.
 */
class RepositoryReadException extends Exception {

	RepositoryReadException(String message, Throwable cause) {
		super(message, cause);
	}

	RepositoryReadException(String message) {
		super(message);
	}

}

package dev.wheelfarm.uploads;

import org.springframework.http.HttpStatus;

/**
 * An upload is refused and nothing was changed. The message is what twine shows the
 * uploader (with {@code --verbose}); a duplicate says "File already exists", the words
 * twine's {@code --skip-existing} looks for.
 */
class UploadRefusedException extends Exception {

	private static final long serialVersionUID = 1L;

	private final HttpStatus status;

	UploadRefusedException(HttpStatus status, String message) {
		super(message);
		this.status = status;
	}

	HttpStatus status() {
		return this.status;
	}

}

package dev.wheelfarm.dispatch.github;

import java.io.IOException;

/** GitHub answered one of our direct calls with an error status. */
class GitHubHttpException extends IOException {

	private static final long serialVersionUID = 1L;

	private final int status;

	GitHubHttpException(String message, int status) {
		super(message);
		this.status = status;
	}

	int status() {
		return this.status;
	}

}

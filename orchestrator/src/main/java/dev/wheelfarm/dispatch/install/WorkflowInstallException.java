package dev.wheelfarm.dispatch.install;

/** Installing the workflow into the build repository failed; nothing was half-pushed. */
public class WorkflowInstallException extends RuntimeException {

	public WorkflowInstallException(String message, Throwable cause) {
		super(message, cause);
	}

}

package dev.wheelfarm.stages;

/**
 * A credential does not allow changing a project's stages. The message is for the caller:
 * it says which check failed, never what the secret was.
 */
public class StageAccessRefusedException extends Exception {

	private static final long serialVersionUID = 1L;

	public StageAccessRefusedException(String message, Throwable cause) {
		super(message, cause);
	}

}

package dev.wheelfarm.stages;

import dev.wheelfarm.shared.ProjectName;

/**
 * Who may open, list, publish or discard a project's stages: whoever holds the project's
 * upload credential. The uploads feature answers, because it owns the credentials; asking
 * through this interface keeps stages free of uploads, which stores files into stages.
 */
public interface StageKeyholders {

	/**
	 * The project the request's credential may change the stages of.
	 * @param authorization the request's {@code Authorization} header, or null
	 * @param project the project whose stages are asked for
	 * @return the project's id
	 * @throws StageAccessRefusedException if the credential does not allow it; its
	 * message says which check failed, never what the secret was
	 */
	long authorize(String authorization, ProjectName project) throws StageAccessRefusedException;

}

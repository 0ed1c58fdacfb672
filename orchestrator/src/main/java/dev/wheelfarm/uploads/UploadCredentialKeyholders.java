package dev.wheelfarm.uploads;

import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.stages.StageAccessRefusedException;
import dev.wheelfarm.stages.StageKeyholders;

import org.springframework.stereotype.Component;

/**
 * A project's stages open to the same credential as its uploads: the upload token (Basic
 * {@code __token__:<secret>} or Bearer) or a GitHub Actions OIDC token of its repository.
 */
@Component
class UploadCredentialKeyholders implements StageKeyholders {

	private final ProjectCredentials credentials;

	UploadCredentialKeyholders(ProjectCredentials credentials) {
		this.credentials = credentials;
	}

	@Override
	public long authorize(String authorization, ProjectName project) throws StageAccessRefusedException {
		try {
			return this.credentials.authorize(AuthorizationHeader.secret(authorization), project).projectId();
		}
		catch (CredentialRejectedException ex) {
			throw new StageAccessRefusedException(ex.getMessage(), ex);
		}
	}

}

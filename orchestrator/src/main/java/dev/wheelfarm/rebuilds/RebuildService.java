package dev.wheelfarm.rebuilds;

import dev.wheelfarm.builds.BuildLedger;
import dev.wheelfarm.builds.RebuildOutcome;
import dev.wheelfarm.builds.RebuildRequester;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.uploads.CredentialRejectedException;
import dev.wheelfarm.uploads.ProjectCredentials;
import dev.wheelfarm.uploads.Uploader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Service;

/**
 * Checks who asks (the upload credentials: the project's token or an OIDC token of its
 * opted-in repository) and hands the request to the ledger, which decides and records it
 * in one transaction.
 */
@Service
class RebuildService {

	private static final Logger logger = LoggerFactory.getLogger(RebuildService.class);

	private final ProjectCredentials credentials;

	private final BuildLedger ledger;

	RebuildService(ProjectCredentials credentials, BuildLedger ledger) {
		this.credentials = credentials;
		this.ledger = ledger;
	}

	/**
	 * Asks for a rebuild of {@code project}'s {@code version} with {@code secret}.
	 * @throws CredentialRejectedException if the secret proves nothing for this project
	 */
	Answer rebuild(ProjectName project, String version, String secret, String note) throws CredentialRejectedException {
		Uploader maintainer = this.credentials.authorize(secret, project);
		RebuildRequester requester = requester(maintainer, note);
		RebuildOutcome outcome = this.ledger.requestRebuild(project.value(), version, requester);
		if (outcome instanceof RebuildOutcome.Queued queued) {
			logger.info("Build {} of {} {} queued again: {}", queued.buildId(), project, version, requester.describe());
		}
		return new Answer(outcome, requester);
	}

	private static RebuildRequester requester(Uploader maintainer, String note) {
		Uploader.Workflow workflow = maintainer.workflow();
		if (workflow != null) {
			return RebuildRequester.oidc(workflow.repository(), workflow.workflowRef(), workflow.ref(),
					workflow.runId(), note);
		}
		return RebuildRequester.token(maintainer.tokenSha256(), note);
	}

	/**
	 * The ledger's decision and who it was made for.
	 *
	 * @param outcome what became of the request
	 * @param requester who asked, as the timeline names them
	 */
	record Answer(RebuildOutcome outcome, RebuildRequester requester) {

	}

}

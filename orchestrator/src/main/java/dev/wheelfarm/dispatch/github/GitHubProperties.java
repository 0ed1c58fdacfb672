package dev.wheelfarm.dispatch.github;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where and how the GitHub Actions engine builds. Bound whichever builder is selected, so
 * only the form of each value is checked here; {@link #requireUsable()} checks that the
 * engine has what it needs once {@code wheelfarm.engine=github} selects it. How long a
 * run may take is not the engine's own setting: {@code wheelfarm.dispatch.run-timeout}
 * limits runs of every engine.
 *
 * @param apiUrl the REST API root (GitHub Enterprise Server: {@code https://host/api/v3})
 * @param repository the farm's build repository, {@code owner/name}
 * @param workflow the worker workflow's file name in that repository
 * @param ref the branch or tag the workflow runs from
 * @param token a fine-grained or classic token; or else the GitHub App below
 * @param appId the GitHub App's id
 * @param privateKey the GitHub App's private key (a PEM file)
 * @param installationId the App's installation on the build repository's owner
 * @param webhookSecret the secret GitHub signs {@code workflow_run} deliveries with;
 * none: the webhook endpoint answers 404 and runs are only polled
 * @param pollInterval the first wait between two reads of a run when no webhook is
 * configured; doubled while the run does not change, up to eight times this
 * @param webhookPollInterval the wait between two reads of a run when webhooks are
 * configured: only a fallback for lost deliveries
 * @param requestTimeout the longest wait for GitHub's answer to one call
 * @param gitUrl where repositories are cloned and pushed over HTTPS, the root that
 * {@code owner/name.git} is appended to ({@code https://github.com/}; GitHub Enterprise
 * Server: {@code https://host/})
 * @param bundleCheckInterval how long a look at the workflow bundle installed in the
 * build repository stands before the next dispatch round looks again (one API call)
 */
@ConfigurationProperties("wheelfarm.github")
public record GitHubProperties(@DefaultValue("https://api.github.com") URI apiUrl, String repository,
		@DefaultValue("wheelfarm-build.yml") String workflow, @DefaultValue("main") String ref, String token,
		String appId, Path privateKey, Long installationId, String webhookSecret,
		@DefaultValue("1m") Duration pollInterval, @DefaultValue("10m") Duration webhookPollInterval,
		@DefaultValue("30s") Duration requestTimeout, @DefaultValue("https://github.com/") URI gitUrl,
		@DefaultValue("5m") Duration bundleCheckInterval) {

	private static final Pattern REPOSITORY = Pattern.compile("[A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}");

	private static final Pattern WORKFLOW = Pattern.compile("[A-Za-z0-9._-]{1,200}\\.ya?ml");

	private static final String MASK = "******";

	public GitHubProperties {
		require(apiUrl != null && ("https".equals(apiUrl.getScheme()) || "http".equals(apiUrl.getScheme()))
				&& apiUrl.getHost() != null, "wheelfarm.github.api-url must be an http(s) URL, not " + apiUrl);
		require(repository == null || REPOSITORY.matcher(repository).matches(),
				"wheelfarm.github.repository must be owner/name, not " + repository);
		require(workflow != null && WORKFLOW.matcher(workflow).matches(),
				"wheelfarm.github.workflow must be a workflow file name such as wheelfarm-build.yml, not " + workflow);
		require(ref != null && !ref.isBlank() && !ref.contains(".."), "wheelfarm.github.ref must name a branch or tag");
		boolean anyApp = appId != null || privateKey != null || installationId != null;
		boolean fullApp = appId != null && privateKey != null && installationId != null;
		require(!anyApp || fullApp, "wheelfarm.github.app-id, wheelfarm.github.private-key and "
				+ "wheelfarm.github.installation-id go together: set all three or none");
		require(!(anyApp && hasText(token)),
				"set either wheelfarm.github.token or the GitHub App (wheelfarm.github.app-id …), not both");
		require(appId == null || appId.matches("[0-9]{1,20}"), "wheelfarm.github.app-id must be a number");
		require(installationId == null || installationId > 0, "wheelfarm.github.installation-id must be positive");
		require(webhookSecret == null || webhookSecret.isEmpty() || webhookSecret.length() >= 16,
				"wheelfarm.github.webhook-secret must be at least 16 characters");
		require(positive(pollInterval), "wheelfarm.github.poll-interval must be positive");
		require(positive(webhookPollInterval), "wheelfarm.github.webhook-poll-interval must be positive");
		require(positive(requestTimeout), "wheelfarm.github.request-timeout must be positive");
		require(gitUrl != null && ("https".equals(gitUrl.getScheme()) || "http".equals(gitUrl.getScheme()))
				&& gitUrl.getHost() != null && gitUrl.getUserInfo() == null && gitUrl.getQuery() == null,
				"wheelfarm.github.git-url must be an http(s) URL without credentials, not " + gitUrl);
		require(positive(bundleCheckInterval), "wheelfarm.github.bundle-check-interval must be positive");
	}

	/**
	 * The git URL of {@code repository} ({@code owner/name}) under {@link #gitUrl()}.
	 */
	public String gitUrlOf(String repository) {
		require(repository != null && REPOSITORY.matcher(repository).matches(),
				"a repository is owner/name, not " + repository);
		String root = this.gitUrl.toString();
		return (root.endsWith("/") ? root : root + "/") + repository + ".git";
	}

	/**
	 * Checks what the engine cannot run without, once the GitHub builder is selected.
	 * @throws IllegalStateException naming the missing property
	 */
	public GitHubProperties requireUsable() {
		if (this.repository == null) {
			throw new IllegalStateException(
					"wheelfarm.engine=github needs wheelfarm.github.repository (owner/name of the build repository)");
		}
		if (!hasText(this.token) && !usesApp()) {
			throw new IllegalStateException("wheelfarm.engine=github needs wheelfarm.github.token, or "
					+ "wheelfarm.github.app-id, wheelfarm.github.private-key and wheelfarm.github.installation-id");
		}
		return this;
	}

	/** Whether the engine authenticates as a GitHub App installation. */
	public boolean usesApp() {
		return this.appId != null;
	}

	/** Whether GitHub's deliveries are accepted (and polling is only the fallback). */
	public boolean webhooksEnabled() {
		return hasText(this.webhookSecret);
	}

	/** The owner part of {@link #repository()}. */
	public String owner() {
		return this.repository.substring(0, this.repository.indexOf('/'));
	}

	/** The name part of {@link #repository()}. */
	public String repositoryName() {
		return this.repository.substring(this.repository.indexOf('/') + 1);
	}

	// Secrets stay out of logs and failure messages, whoever prints this record.
	@Override
	public String toString() {
		return "GitHubProperties[apiUrl=" + this.apiUrl + ", repository=" + this.repository + ", workflow="
				+ this.workflow + ", ref=" + this.ref + ", token=" + mask(this.token) + ", appId=" + this.appId
				+ ", privateKey=" + this.privateKey + ", installationId=" + this.installationId + ", webhookSecret="
				+ mask(this.webhookSecret) + ", pollInterval=" + this.pollInterval + ", webhookPollInterval="
				+ this.webhookPollInterval + ", requestTimeout=" + this.requestTimeout + ", gitUrl=" + this.gitUrl
				+ ", bundleCheckInterval=" + this.bundleCheckInterval + "]";
	}

	private static String mask(String secret) {
		return (secret != null) ? MASK : null;
	}

	private static boolean hasText(String value) {
		return value != null && !value.isBlank();
	}

	private static boolean positive(Duration duration) {
		return duration != null && !duration.isNegative() && !duration.isZero();
	}

	private static void require(boolean condition, String message) {
		if (!condition) {
			throw new IllegalArgumentException(message);
		}
	}

}

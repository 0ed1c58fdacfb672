package dev.wheelfarm.e2e;

import java.net.URI;

import dev.wheelfarm.dispatch.github.GitHubStandIn;

import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * The world of a whole-farm test on the GitHub Actions engine: a {@link Farm} and the
 * GitHub stand-in whose runs build, sign (with the stand-in's Sigstore, whose trusted
 * root the farm verifies with) and deliver webhooks to the farm. A test class holds one
 * (static), hands {@link #properties} to Spring and {@link #at} the port.
 */
final class GitHubFarm implements AutoCloseable {

	final Farm farm;

	final GitHubStandIn gitHub;

	private final String webhookSecret;

	private GitHubFarm(Farm farm, GitHubStandIn gitHub, String webhookSecret) {
		this.farm = farm;
		this.gitHub = gitHub;
		this.webhookSecret = webhookSecret;
	}

	/**
	 * @param webhookSecret the secret the class's {@code wheelfarm.github.webhook-secret}
	 * names
	 */
	static GitHubFarm start(String webhookSecret) {
		Farm farm = Farm.start();
		return new GitHubFarm(farm, GitHubStandIn.running(farm.scratch.resolve("github")), webhookSecret);
	}

	/** PyPI, the GitHub API and the Sigstore trusted root, all the stand-ins'. */
	void properties(DynamicPropertyRegistry registry) {
		this.farm.properties(registry);
		registry.add("wheelfarm.github.api-url", this.gitHub::apiUrl);
		registry.add("wheelfarm.provenance.trusted-root", this.gitHub::trustedRoot);
	}

	/** The farm runs on {@code port}; the build repository's webhook points there. */
	void at(int port) {
		this.farm.at(port);
		this.gitHub.deliverWebhooksTo(URI.create(this.farm.url("/api/github/webhook")), this.webhookSecret);
	}

	@Override
	public void close() {
		this.gitHub.close();
		this.farm.close();
	}

}

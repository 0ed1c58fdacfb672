package dev.wheelfarm.dispatch.github;

import java.io.IOException;
import java.net.http.HttpClient;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import org.kohsuke.github.GitHub;
import org.kohsuke.github.GitHubBuilder;
import org.kohsuke.github.authorization.AppInstallationAuthorizationProvider;
import org.kohsuke.github.authorization.AuthorizationProvider;
import org.kohsuke.github.authorization.ImmutableAuthorizationProvider;
import org.kohsuke.github.extras.authorization.JWTTokenProvider;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;

import dev.wheelfarm.dispatch.DispatchProperties;
import dev.wheelfarm.dispatch.install.WorkflowBundle;

/**
 * The GitHub Actions engine, created only when {@code wheelfarm.engine=github}: the
 * embedded default (local engine) needs no token and makes no GitHub call.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "wheelfarm.engine", havingValue = "github")
class GitHubEngineConfiguration {

	@Bean
	GitHubEngine gitHubEngine(GitHubProperties properties, DispatchProperties dispatch, JsonMapper json,
			MeterRegistry meters) {
		return create(properties.requireUsable(), dispatch.runTimeout(), json, Clock.systemUTC(),
				GitHubEngine.Sleeper.real(), meters);
	}

	/**
	 * {@code buildRepository} on {@code /actuator/health}: OUT_OF_SERVICE, with the
	 * command that fixes it, while the build repository holds another bundle.
	 */
	@Bean
	HealthIndicator buildRepositoryHealthIndicator(GitHubEngine engine) {
		return new BuildRepositoryHealth(engine.bundleCheck());
	}

	/** Looks at the build repository once the farm is up, so the log says at once. */
	@EventListener(ApplicationReadyEvent.class)
	void checkBundleAtStart(ApplicationReadyEvent event) {
		event.getApplicationContext().getBean(GitHubEngine.class).bundleCheck().current();
	}

	/** The engine and its clients over one HTTP client and one set of credentials. */
	static GitHubEngine create(GitHubProperties properties, Duration runTimeout, JsonMapper json, Clock clock,
			GitHubEngine.Sleeper sleeper, MeterRegistry meters) {
		RateBudget budget = new RateBudget(clock);
		GitHubMetrics metrics = new GitHubMetrics(meters, budget);
		HttpClient http = HttpClient.newBuilder()
			.connectTimeout(properties.requestTimeout())
			// hub4j follows redirects itself (dropping credentials across hosts); the
			// dispatch call has none to follow.
			.followRedirects(HttpClient.Redirect.NEVER)
			.build();
		GitHubBuilder builder = new GitHubBuilder().withEndpoint(properties.apiUrl().toString())
			.withConnector(new TimeoutConnector(http, properties.requestTimeout(), metrics))
			.withRateLimitHandler(FailFastLimitHandlers.rateLimit(clock))
			.withAbuseLimitHandler(FailFastLimitHandlers.secondaryLimit(clock));
		AuthorizationProvider authorization = authorization(properties, builder);
		try {
			GitHub github = builder.withAuthorizationProvider(authorization).build();
			WorkflowDispatchClient dispatcher = new WorkflowDispatchClient(http, authorization, properties, json,
					budget, clock, metrics);
			ResultArtifacts artifacts = new ResultArtifacts(http, authorization, properties, json, budget, clock,
					metrics);
			InstalledBundleCheck bundleCheck = new InstalledBundleCheck(github, properties,
					WorkflowBundle.fromClasspath(), budget, clock);
			return new GitHubEngine(github, dispatcher, artifacts, bundleCheck, properties, runTimeout, budget, clock,
					sleeper);
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not set up the GitHub client for " + properties.apiUrl(), ex);
		}
	}

	/**
	 * A token as it is; a GitHub App as hub4j's JWT (signed with the App's private key)
	 * exchanged for an installation token, which hub4j renews before it expires.
	 */
	static AuthorizationProvider authorization(GitHubProperties properties, GitHubBuilder builder) {
		if (!properties.usesApp()) {
			return ImmutableAuthorizationProvider.fromOauthToken(properties.token());
		}
		JWTTokenProvider jwt;
		try {
			jwt = new JWTTokenProvider(properties.appId(), properties.privateKey());
		}
		catch (IOException | GeneralSecurityException | IllegalArgumentException ex) {
			throw new IllegalStateException("wheelfarm.github.private-key: cannot read a private key from "
					+ properties.privateKey() + " (" + ex.getClass().getSimpleName() + ")", ex);
		}
		long installation = properties.installationId();
		return new AppInstallationAuthorizationProvider((app) -> app.getInstallationById(installation), jwt);
	}

}

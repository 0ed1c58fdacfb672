package dev.wheelfarm.dispatch.github;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;

import dev.wheelfarm.dispatch.BuildEngine;
import dev.wheelfarm.dispatch.DispatchProperties;
import dev.wheelfarm.testsupport.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The default farm (local builder, no webhook secret) has no GitHub engine and no open
 * webhook; {@code wheelfarm.engine=github} creates the engine or refuses to start naming
 * what is missing.
 */
@IntegrationTest
class GitHubEngineSelectionTest {

	private final ApplicationContextRunner github = new ApplicationContextRunner()
		.withUserConfiguration(GitHubEngineConfiguration.class, Properties.class)
		.withBean(JsonMapper.class, () -> JsonMapper.builder().build())
		.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
		.withPropertyValues("wheelfarm.engine=github");

	@Autowired
	ApplicationContext context;

	@LocalServerPort
	int port;

	@Test
	void theDefaultFarmHasNoGitHubEngineAndNoWebhook() throws Exception {
		assertThat(this.context.getBeansOfType(GitHubEngine.class)).isEmpty();
		HttpResponse<Void> response = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + GitHubWebhookController.PATH))
				.header("X-GitHub-Event", "workflow_run")
				.POST(HttpRequest.BodyPublishers.ofString("{}"))
				.build(), HttpResponse.BodyHandlers.discarding());
		assertThat(response.statusCode()).isEqualTo(404);
	}

	@Test
	void selectingGitHubCreatesTheEngine() {
		this.github.withPropertyValues("wheelfarm.github.repository=farm-org/builds", "wheelfarm.github.token=ghp_x")
			.run((context) -> assertThat(context).getBean(BuildEngine.class)
				.extracting(BuildEngine::name)
				.isEqualTo("github"));
	}

	@Test
	void selectingGitHubWithoutARepositoryRefusesToStart() {
		this.github.withPropertyValues("wheelfarm.github.token=ghp_x")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("wheelfarm.github.repository"));
	}

	@EnableConfigurationProperties({ GitHubProperties.class, DispatchProperties.class })
	static class Properties {

	}

}

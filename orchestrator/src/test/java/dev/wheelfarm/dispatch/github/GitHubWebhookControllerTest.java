package dev.wheelfarm.dispatch.github;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

import dev.wheelfarm.testsupport.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The webhook over real HTTP into the whole application, with a listener of our own
 * collecting what it publishes.
 */
@IntegrationTest
@TestPropertySource(properties = { "wheelfarm.github.webhook-secret=" + GitHubWebhookControllerTest.SECRET,
		"wheelfarm.github.repository=octo-org/octo-repo" })
class GitHubWebhookControllerTest {

	static final String SECRET = "a-test-webhook-secret-0123456789";

	private static final WebhookSignature SIGNER = new WebhookSignature(SECRET);

	private static final byte[] COMPLETED = Fixtures
		.bytes("webhooks/octokit-webhooks/workflow_run/completed.payload.json");

	@LocalServerPort
	int port;

	@Autowired
	CollectedEvents events;

	@Autowired
	JdbcClient jdbc;

	private final HttpClient http = HttpClient.newHttpClient();

	@BeforeEach
	void clear() {
		this.events.received.clear();
	}

	@Test
	void aWrongSignatureIsRefusedAndChangesNothing() throws Exception {
		String delivery = UUID.randomUUID().toString();
		int deliveries = countDeliveries();
		assertThat(post(COMPLETED, "workflow_run", delivery, "sha256=" + "0".repeat(64))).isEqualTo(401);
		assertThat(post(COMPLETED, "workflow_run", delivery, null)).isEqualTo(401);
		assertThat(post(COMPLETED, "workflow_run", delivery,
				new WebhookSignature("another-secret-0123456789").sign(COMPLETED)))
			.isEqualTo(401);
		assertThat(this.events.received).isEmpty();
		assertThat(countDeliveries()).isEqualTo(deliveries);
	}

	@Test
	void aSignedWorkflowRunIsPublishedOnceAndItsRedeliveryIgnored() throws Exception {
		String delivery = UUID.randomUUID().toString();
		assertThat(post(COMPLETED, "workflow_run", delivery, SIGNER.sign(COMPLETED))).isEqualTo(202);
		assertThat(post(COMPLETED, "workflow_run", delivery, SIGNER.sign(COMPLETED))).isEqualTo(204);
		assertThat(this.events.received)
			.containsExactly(new WorkflowRunChanged(289782451L, null, "completed", "success"));
	}

	@Test
	void theRequestIdIsReadFromTheRunName() throws Exception {
		byte[] titled = new String(COMPLETED, StandardCharsets.UTF_8)
			.replace("\"display_title\": \"ci(action): update actions/setup-node digest to 8c91899\"",
					"\"display_title\": \"wheelfarm wf-12-3: demo 1.0\"")
			.getBytes(StandardCharsets.UTF_8);
		assertThat(post(titled, "workflow_run", UUID.randomUUID().toString(), SIGNER.sign(titled))).isEqualTo(202);
		assertThat(this.events.received).singleElement()
			.satisfies((event) -> assertThat(event.requestId()).isEqualTo("wf-12-3"));
	}

	@Test
	void otherEventsAndOtherRepositoriesAreIgnored() throws Exception {
		byte[] job = Fixtures.bytes("webhooks/octokit-webhooks/workflow_job/queued.payload.json");
		assertThat(post(job, "workflow_job", UUID.randomUUID().toString(), SIGNER.sign(job))).isEqualTo(204);
		byte[] elsewhere = Fixtures.bytes("webhooks/hub4j/workflow_run.json");
		assertThat(post(elsewhere, "workflow_run", UUID.randomUUID().toString(), SIGNER.sign(elsewhere)))
			.isEqualTo(204);
		assertThat(this.events.received).isEmpty();
	}

	@Test
	void anOversizedBodyIsRefusedBeforeAnythingElse() throws Exception {
		byte[] huge = new byte[GitHubWebhookController.MAX_BODY_BYTES + 1];
		assertThat(post(huge, "workflow_run", UUID.randomUUID().toString(), SIGNER.sign(huge))).isEqualTo(413);
		assertThat(this.events.received).isEmpty();
	}

	private int countDeliveries() {
		return this.jdbc.sql("SELECT count(*) FROM github_delivery").query(Integer.class).single();
	}

	private int post(byte[] body, String event, String delivery, String signature) throws Exception {
		HttpRequest.Builder request = HttpRequest
			.newBuilder(URI.create("http://127.0.0.1:" + this.port + GitHubWebhookController.PATH))
			.header("Content-Type", "application/json")
			.header("X-GitHub-Event", event)
			.header("X-GitHub-Delivery", delivery)
			.POST(HttpRequest.BodyPublishers.ofByteArray(body));
		if (signature != null) {
			request.header("X-Hub-Signature-256", signature);
		}
		return this.http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
	}

	/** What the dispatcher would hear, kept for the test to read. */
	static class CollectedEvents {

		final List<WorkflowRunChanged> received = new CopyOnWriteArrayList<>();

		@EventListener
		void on(WorkflowRunChanged event) {
			this.received.add(event);
		}

	}

	@TestConfiguration
	static class Listener {

		@Bean
		CollectedEvents collectedEvents() {
			return new CollectedEvents();
		}

	}

}

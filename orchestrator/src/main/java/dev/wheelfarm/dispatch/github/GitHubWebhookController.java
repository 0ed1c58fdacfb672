package dev.wheelfarm.dispatch.github;

import java.io.IOException;
import java.io.InputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.wheelfarm.web.ProblemType;
import dev.wheelfarm.web.Problems;
import jakarta.servlet.http.HttpServletRequest;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * Receives GitHub's {@code workflow_run} deliveries for the build repository and turns
 * each (once) into a {@link WorkflowRunChanged} hint.
 *
 * <p>
 * Always mounted, whichever builder runs, but answers 404 until
 * {@code wheelfarm.github.webhook-secret} is set: an unsigned endpoint must not exist,
 * and a 404 tells an operator testing the hook exactly what is missing. Nothing in a
 * delivery is trusted beyond the run id it names; listeners re-read the run from the API.
 */
@RestController
class GitHubWebhookController {

	static final String PATH = "/api/github/webhook";

	static final ProblemType DISABLED = new ProblemType("webhook-disabled", HttpStatus.NOT_FOUND,
			"Webhook not configured");

	static final ProblemType BAD_SIGNATURE = new ProblemType("webhook-bad-signature", HttpStatus.UNAUTHORIZED,
			"Delivery not signed with the secret");

	/** {@code workflow_run} payloads are about 25 KB; a megabyte leaves ample room. */
	static final int MAX_BODY_BYTES = 1024 * 1024;

	private static final Pattern REQUEST_ID = Pattern
		.compile("(?<![A-Za-z0-9-])wf-[0-9]{1,18}-[0-9]{1,9}(?![A-Za-z0-9-])");

	private static final Pattern DELIVERY_ID = Pattern.compile("[A-Za-z0-9-]{1,100}");

	private final GitHubProperties properties;

	private final GitHubDeliveries deliveries;

	private final ApplicationEventPublisher events;

	private final JsonMapper json;

	private final WebhookSignature signature;

	GitHubWebhookController(GitHubProperties properties, GitHubDeliveries deliveries, ApplicationEventPublisher events,
			JsonMapper json) {
		this.properties = properties;
		this.deliveries = deliveries;
		this.events = events;
		this.json = json;
		this.signature = properties.webhooksEnabled() ? new WebhookSignature(properties.webhookSecret()) : null;
	}

	@PostMapping(PATH)
	ResponseEntity<?> receive(HttpServletRequest request,
			@RequestHeader(name = "X-Hub-Signature-256", required = false) String signatureHeader,
			@RequestHeader(name = "X-GitHub-Event", required = false) String event,
			@RequestHeader(name = "X-GitHub-Delivery", required = false) String delivery) throws IOException {
		if (this.signature == null) {
			return DISABLED
				.answer("This farm has no webhook secret (wheelfarm.github.webhook-secret): runs are polled.");
		}
		if (request.getContentLengthLong() > MAX_BODY_BYTES) {
			return tooLarge();
		}
		byte[] body;
		try (InputStream in = request.getInputStream()) {
			body = in.readNBytes(MAX_BODY_BYTES + 1);
		}
		if (body.length > MAX_BODY_BYTES) {
			return tooLarge();
		}
		if (!this.signature.verify(body, signatureHeader)) {
			return BAD_SIGNATURE.answer("X-Hub-Signature-256 is missing or does not sign this body with the secret.");
		}
		if (!"workflow_run".equals(event)) {
			// ping, workflow_job and the rest: signed, but nothing the farm acts on.
			return ResponseEntity.noContent().build();
		}
		if (delivery == null || !DELIVERY_ID.matcher(delivery).matches()) {
			return Problems.INVALID_REQUEST.answer("X-GitHub-Delivery is missing or not a delivery id.");
		}
		WorkflowRunChanged change;
		try {
			change = parse(this.json.readTree(body));
		}
		catch (JacksonException ex) {
			return Problems.INVALID_REQUEST.answer("The body is not JSON.");
		}
		if (change == null) {
			// Another repository's runs (an App installed more widely) or no run at all.
			return ResponseEntity.noContent().build();
		}
		if (!this.deliveries.recordFirst(delivery, event, change.runId())) {
			return ResponseEntity.noContent().build();
		}
		this.events.publishEvent(change);
		return ResponseEntity.accepted().build();
	}

	private static ResponseEntity<?> tooLarge() {
		return Problems.CONTENT_TOO_LARGE.answer("A delivery has at most " + MAX_BODY_BYTES + " bytes.");
	}

	private WorkflowRunChanged parse(JsonNode payload) {
		JsonNode run = payload.path("workflow_run");
		if (!run.path("id").canConvertToLong() || run.path("id").asLong() <= 0) {
			return null;
		}
		String repository = payload.path("repository").path("full_name").asString(null);
		if (this.properties.repository() != null && !this.properties.repository().equalsIgnoreCase(repository)) {
			return null;
		}
		return new WorkflowRunChanged(run.path("id").asLong(), requestId(run.path("display_title").asString(null)),
				text(run.path("status")), text(run.path("conclusion")));
	}

	private static String requestId(String title) {
		if (title == null) {
			return null;
		}
		Matcher matcher = REQUEST_ID.matcher(title);
		return matcher.find() ? matcher.group() : null;
	}

	private static String text(JsonNode node) {
		return node.isString() ? node.asString() : null;
	}

}

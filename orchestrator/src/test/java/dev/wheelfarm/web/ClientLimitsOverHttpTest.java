package dev.wheelfarm.web;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import dev.wheelfarm.testsupport.IntegrationTest;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The per-client limits over real HTTP, behind
 * {@code server.forward-headers-strategy=framework} as the operator guide recommends,
 * with no trusted proxy configured: the socket peer is the client, whatever
 * {@code X-Forwarded-For} says.
 */
@IntegrationTest
@TestPropertySource(properties = { "wheelfarm.dispatch.enabled=false", "wheelfarm.optin.resync-enabled=false",
		"server.forward-headers-strategy=framework", "wheelfarm.requests.per-client=2", "wheelfarm.requests.window=1h",
		"wheelfarm.optin.registrations-per-client=2", "wheelfarm.optin.registration-window=1h" })
class ClientLimitsOverHttpTest {

	@LocalServerPort
	int port;

	private final HttpClient http = HttpClient.newHttpClient();

	@Test
	void aSpoofedForwardedForFromAnUntrustedPeerDoesNotResetTheLimit() throws Exception {
		assertThat(request("203.0.113.1").statusCode()).isEqualTo(404);
		assertThat(request("203.0.113.2").statusCode()).isEqualTo(404);
		HttpResponse<String> third = request("203.0.113.3");
		assertThat(third.statusCode()).isEqualTo(429);
		assertThat(third.headers().firstValue("Retry-After"))
			.hasValueSatisfying((seconds) -> assertThat(Long.parseLong(seconds)).isBetween(3000L, 3600L));
		assertThat(request(null).statusCode()).isEqualTo(429);
	}

	@Test
	void registrationsHaveAPerClientLimitWithRetryAfter() throws Exception {
		// Refused registrations count too: each one costs the farm a DNS lookup.
		assertThat(register("https://a.invalid/x.git", "198.51.100.1").statusCode()).isEqualTo(400);
		assertThat(register("https://b.invalid/x.git", "198.51.100.2").statusCode()).isEqualTo(400);
		HttpResponse<String> third = register("https://c.invalid/x.git", "198.51.100.3");
		assertThat(third.statusCode()).isEqualTo(429);
		assertThat(third.headers().firstValue("Content-Type"))
			.hasValueSatisfying((type) -> assertThat(type).startsWith("application/problem+json"));
		assertThat(third.headers().firstValue("Retry-After"))
			.hasValueSatisfying((seconds) -> assertThat(Long.parseLong(seconds)).isBetween(3000L, 3600L));
		assertThat(third.body()).contains("Too many registrations from your address");
	}

	private HttpResponse<String> request(String forwardedFor) throws IOException, InterruptedException {
		HttpRequest.Builder request = HttpRequest
			.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/api/requests"))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString("{\"project\":\"nobody\",\"version\":\"1.0\"}"));
		if (forwardedFor != null) {
			request.header("X-Forwarded-For", forwardedFor);
		}
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	private HttpResponse<String> register(String repository, String forwardedFor)
			throws IOException, InterruptedException {
		return this.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/api/opt-ins"))
			.header("Content-Type", "application/json")
			.header("X-Forwarded-For", forwardedFor)
			.POST(HttpRequest.BodyPublishers.ofString("{\"repository\": \"" + repository + "\"}"))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

}

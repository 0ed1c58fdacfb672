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
 * Behind a proxy the operator named as trusted (here 127.0.0.1, the test's own address),
 * {@code X-Forwarded-For} names the client: the rightmost entry that is not a trusted
 * proxy, so a client cannot pick its own address by sending the header to the proxy.
 */
@IntegrationTest
@TestPropertySource(properties = { "wheelfarm.dispatch.enabled=false", "wheelfarm.optin.resync-enabled=false",
		"server.forward-headers-strategy=framework", "wheelfarm.web.trusted-proxies=127.0.0.1,10.0.0.0/8",
		"wheelfarm.requests.per-client=1", "wheelfarm.requests.window=1h" })
class TrustedProxyTest {

	@LocalServerPort
	int port;

	private final HttpClient http = HttpClient.newHttpClient();

	@Test
	void theHeaderOfATrustedProxyNamesTheClient() throws Exception {
		assertThat(request("203.0.113.10").statusCode()).isEqualTo(404);
		assertThat(request("203.0.113.10").statusCode()).as("the same client again").isEqualTo(429);
		assertThat(request("203.0.113.11").statusCode()).as("another client behind the proxy").isEqualTo(404);
		// A client that sends its own X-Forwarded-For to the proxy: the proxy appends the
		// address it saw, and that is the one counted (10.1.2.3 is a trusted hop).
		assertThat(request("198.51.100.99, 203.0.113.10, 10.1.2.3").statusCode())
			.as("a made-up leftmost entry does not make a new client")
			.isEqualTo(429);
		assertThat(request(null).statusCode()).as("the proxy itself, without the header").isEqualTo(404);
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

}

package dev.wheelfarm.optin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import dev.wheelfarm.testsupport.IntegrationTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A registration cannot make the farm connect to its own network: loopback hosts and
 * names that resolve nowhere are refused before anything is stored or connected, and a
 * redirect from an allowed internal host to one that is not allowed is not followed. Only
 * 127.0.0.1 is ever contacted; the private ranges are covered by
 * {@link InternalAddressesTest} on address literals.
 */
@IntegrationTest
@TestPropertySource(properties = { "wheelfarm.dispatch.enabled=false", "wheelfarm.optin.resync-enabled=false",
		"wheelfarm.optin.fetch-timeout=2s", "wheelfarm.pypi.max-retries=0" })
class RegistrationAddressTest {

	private static final HttpServer redirecting = server();

	private static final HttpServer target = server();

	private static final AtomicInteger targetHits = new AtomicInteger();

	static {
		target.createContext("/", (exchange) -> {
			targetHits.incrementAndGet();
			exchange.sendResponseHeaders(404, -1);
			exchange.close();
		});
		target.start();
		redirecting.createContext("/", (exchange) -> {
			String where = "http://127.0.0.1:" + target.getAddress().getPort() + exchange.getRequestURI();
			exchange.getResponseHeaders().set("Location", where);
			exchange.sendResponseHeaders(302, -1);
			exchange.close();
		});
		redirecting.start();
	}

	@LocalServerPort
	int port;

	@Autowired
	OptInService service;

	@Autowired
	OptInRepository rows;

	private final HttpClient http = HttpClient.newHttpClient();

	@DynamicPropertySource
	static void allowOnlyTheRedirectingServer(DynamicPropertyRegistry registry) {
		// One internal host:port is allowed; its redirect target (another port on the
		// same address) is not.
		registry.add("wheelfarm.optin.allowed-internal-hosts", () -> "127.0.0.1:" + redirecting.getAddress().getPort());
	}

	@AfterAll
	static void stop() {
		redirecting.stop(0);
		target.stop(0);
	}

	@Test
	void loopbackRepositoriesAreRefusedWithoutAConnectionAndNothingIsStored() throws Exception {
		try (ServerSocketChannel listening = ServerSocketChannel.open()) {
			listening.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
			listening.configureBlocking(false);
			int listeningPort = ((InetSocketAddress) listening.getLocalAddress()).getPort();
			for (String url : new String[] { "https://127.0.0.1:" + listeningPort + "/x.git",
					"https://localhost:" + listeningPort + "/x.git", "https://[::1]:" + listeningPort + "/x.git",
					"https://127.1.2.3/x.git", "https://0.0.0.0:" + listeningPort + "/x.git" }) {
				HttpResponse<String> answer = register(url);
				assertThat(answer.statusCode()).as(url).isEqualTo(400);
				assertThat(answer.headers().firstValue("Content-Type")).as(url)
					.hasValueSatisfying((type) -> assertThat(type).startsWith("application/problem+json"));
				assertThat(answer.body()).as(url).contains("internal address");
				assertThat(status(url).statusCode()).as("%s is not stored", url).isEqualTo(404);
			}
			assertThat(listening.accept()).as("the farm never connected to the listening port").isNull();
		}
	}

	@Test
	void aNameThatResolvesNowhereIsACleanRefusal() throws Exception {
		HttpResponse<String> answer = register("https://repo.internal.invalid/owner/project.git");
		assertThat(answer.statusCode()).isEqualTo(400);
		assertThat(answer.body()).contains("cannot resolve repo.internal.invalid");
		assertThat(status("https://repo.internal.invalid/owner/project.git").statusCode()).isEqualTo(404);
	}

	@Test
	void aRedirectFromAnAllowedHostToAnInternalOneIsNotFollowed() {
		long id = this.rows.register("http://127.0.0.1:" + redirecting.getAddress().getPort() + "/owner/x.git");
		this.service.sync(id);
		String error = this.rows.repository(id).orElseThrow().configError();
		assertThat(targetHits).as("the redirect target was never contacted").hasValue(0);
		assertThat(error).contains("127.0.0.1:" + target.getAddress().getPort())
			.contains("internal address")
			.doesNotContainIgnoringCase("connection refused");
	}

	private HttpResponse<String> register(String repository) throws IOException, InterruptedException {
		return this.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/api/opt-ins"))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString("{\"repository\": \"" + repository + "\"}"))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	private HttpResponse<String> status(String repository) throws IOException, InterruptedException {
		return this.http.send(
				HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/api/opt-ins?repository="
						+ URLEncoder.encode(repository, StandardCharsets.UTF_8)))
					.build(),
				HttpResponse.BodyHandlers.ofString());
	}

	private static HttpServer server() {
		try {
			return HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}

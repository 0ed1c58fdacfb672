package dev.wheelfarm.optin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLSocketFactory;

import org.eclipse.jgit.transport.http.HttpConnection;
import org.junit.jupiter.api.Test;

import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatNoException;

class AddressGuardTest {

	@Test
	void theAddressATlsConnectionReachedIsCheckedBeforeTlsStarts() throws IOException {
		// A name that resolved to a public address when checked but connected to loopback
		// (DNS rebinding) looks, at this point, like any socket connected to 127.0.0.1.
		AddressGuard guard = guard(List.of());
		try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
				Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()));
			AddressGuard.ConnectedAddressCheck check = new AddressGuard.ConnectedAddressCheck(
					(SSLSocketFactory) SSLSocketFactory.getDefault(), guard, "repo.example.org", 443);
			assertThatExceptionOfType(AddressRefusedException.class)
				.isThrownBy(() -> check.createSocket(socket, "repo.example.org", 443, true))
				.withMessageContaining("repo.example.org:443 resolves to 127.0.0.1, an internal address (loopback)");
			assertThat(socket.isClosed()).as("the connection is dropped before a byte is sent").isTrue();
		}
	}

	@Test
	void aTlsConnectionThatReachesAnInternalAddressSendsNothing() throws Exception {
		// As if DNS had answered a public address at the check and 127.0.0.1 at connect.
		AddressGuard rebound = new AddressGuard(properties(List.of())) {
			@Override
			void checkTarget(String scheme, String host, int port) {
			}
		};
		try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			CompletableFuture<Integer> received = CompletableFuture.supplyAsync(() -> {
				try (Socket accepted = server.accept()) {
					return accepted.getInputStream().readAllBytes().length;
				}
				catch (IOException ex) {
					throw new UncheckedIOException(ex);
				}
			});
			HttpConnection connection = rebound.connectionFactory()
				.create(new URL("https://127.0.0.1:" + server.getLocalPort() + "/x.git/info/refs"), Proxy.NO_PROXY);
			connection.setConnectTimeout(5000);
			connection.setReadTimeout(5000);
			assertThatExceptionOfType(AddressRefusedException.class).isThrownBy(connection::getResponseCode)
				.withMessageContaining("an internal address (loopback)");
			assertThat(received.get(30, TimeUnit.SECONDS)).as("not even a TLS hello was sent").isZero();
		}
	}

	@Test
	void anAllowedHostIsAllowedByNameAndPortOnly() {
		AddressGuard guard = guard(List.of("localhost", "127.0.0.1:8443", "[::1]:9418"));
		assertThatNoException().isThrownBy(() -> guard.checkTarget("https", "localhost", 443));
		assertThatNoException().isThrownBy(() -> guard.checkTarget("http", "LOCALHOST", 80));
		assertThatNoException().isThrownBy(() -> guard.checkTarget("https", "127.0.0.1", 8443));
		assertThatNoException().isThrownBy(() -> guard.checkTarget("https", "[::1]", 9418));
		assertThatExceptionOfType(AddressRefusedException.class)
			.isThrownBy(() -> guard.checkTarget("https", "127.0.0.1", 443))
			.withMessageContaining("internal address (loopback)");
		assertThatExceptionOfType(AddressRefusedException.class)
			.isThrownBy(() -> guard.checkTarget("https", "[::1]", 443))
			.withMessageContaining("[::1]:443 resolves to");
	}

	@Test
	void plainHttpGoesToAllowedHostsOnly() {
		assertThatExceptionOfType(AddressRefusedException.class)
			.isThrownBy(() -> guard(List.of()).checkTarget("http", "93.184.215.14", 80))
			.withMessageContaining("over https only");
	}

	@Test
	void allowedHostEntriesAreParsed() {
		assertThat(AllowedHost.parse(" Git.Internal ")).isEqualTo(new AllowedHost("git.internal", -1));
		assertThat(AllowedHost.parse("10.0.0.7:8443")).isEqualTo(new AllowedHost("10.0.0.7", 8443));
		assertThat(AllowedHost.parse("[FD00::7]:443")).isEqualTo(new AllowedHost("fd00::7", 443));
		assertThat(AllowedHost.parse("fd00::7")).isEqualTo(new AllowedHost("fd00::7", -1));
		for (String bad : new String[] { "", "git.internal:0", "git.internal:99999", "[fd00::7", "a b", "h:x" }) {
			assertThatExceptionOfType(IllegalArgumentException.class).as(bad).isThrownBy(() -> AllowedHost.parse(bad));
		}
	}

	private static AddressGuard guard(List<String> allowed) {
		return new AddressGuard(properties(allowed));
	}

	private static OptInProperties properties(List<String> allowed) {
		return new OptInProperties(false, false, Duration.ofHours(1), DataSize.ofKilobytes(256), Duration.ofSeconds(5),
				null, allowed, 10, Duration.ofHours(1));
	}

}

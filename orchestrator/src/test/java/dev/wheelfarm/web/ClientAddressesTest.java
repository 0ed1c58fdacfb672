package dev.wheelfarm.web;

import java.util.List;

import jakarta.servlet.http.HttpServletRequestWrapper;
import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockHttpServletRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class ClientAddressesTest {

	private final ClientAddresses behindProxies = new ClientAddresses(
			new ClientAddressProperties(List.of("10.0.0.0/8", "fd00::/8")));

	@Test
	void withoutTrustedProxiesTheHeaderIsIgnored() {
		ClientAddresses direct = new ClientAddresses(new ClientAddressProperties(List.of()));
		assertThat(direct.of(request("10.1.1.1", "203.0.113.5"))).isEqualTo("10.1.1.1");
	}

	@Test
	void theRightmostUntrustedEntryIsTheClient() {
		assertThat(this.behindProxies.of(request("10.0.0.1", "198.51.100.1, 203.0.113.5, 10.2.2.2")))
			.isEqualTo("203.0.113.5");
		assertThat(this.behindProxies.of(request("10.0.0.1", null))).isEqualTo("10.0.0.1");
		assertThat(this.behindProxies.of(request("203.0.113.9", "198.51.100.1"))).as("an untrusted peer")
			.isEqualTo("203.0.113.9");
	}

	@Test
	void severalHeadersAreOneListAndIpv6IsCanonical() {
		MockHttpServletRequest request = request("fd00::1", "198.51.100.1");
		request.addHeader("X-Forwarded-For", "[2001:DB8:0:0::7], fd00::2");
		assertThat(this.behindProxies.of(request)).isEqualTo("2001:db8:0:0:0:0:0:7");
	}

	@Test
	void anEntryThatIsNotAnAddressStopsAtTheLastTrustedHop() {
		assertThat(this.behindProxies.of(request("10.0.0.1", "203.0.113.5, unknown, 10.3.3.3"))).isEqualTo("10.3.3.3");
		assertThat(this.behindProxies.of(request("10.0.0.1", "evil.example"))).isEqualTo("10.0.0.1");
	}

	@Test
	void theContainersRequestIsReadThroughWrappers() {
		// What ForwardedHeaderFilter hands on: the leftmost entry as remote address.
		HttpServletRequestWrapper wrapped = new HttpServletRequestWrapper(request("203.0.113.9", "198.51.100.1")) {
			@Override
			public String getRemoteAddr() {
				return "198.51.100.1";
			}
		};
		assertThat(this.behindProxies.of(wrapped)).isEqualTo("203.0.113.9");
	}

	@Test
	void hostNamesAreNotProxies() {
		assertThatExceptionOfType(IllegalArgumentException.class)
			.isThrownBy(() -> new ClientAddressProperties(List.of("proxy.internal")))
			.withMessageContaining("wheelfarm.web.trusted-proxies");
	}

	private static MockHttpServletRequest request(String peer, String forwardedFor) {
		MockHttpServletRequest request = new MockHttpServletRequest("POST", "/api/requests");
		request.setRemoteAddr(peer);
		if (forwardedFor != null) {
			request.addHeader("X-Forwarded-For", forwardedFor);
		}
		return request;
	}

}

package dev.wheelfarm.web;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.security.web.util.matcher.IpAddressMatcher;
import org.springframework.stereotype.Component;

/**
 * The address of the client a request comes from, as far as the farm can know it: the
 * socket peer, unless that peer is a proxy the operator trusts
 * ({@code wheelfarm.web.trusted-proxies}); then {@code X-Forwarded-For} is read from the
 * right, skipping trusted proxies, and the first entry that is not one is the client.
 * Entries left of it were written by the client itself and are never believed.
 */
@Component
public class ClientAddresses {

	private static final Pattern IPV4 = Pattern
		.compile("(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");

	private final List<IpAddressMatcher> trustedProxies;

	public ClientAddresses(ClientAddressProperties properties) {
		this.trustedProxies = properties.trustedProxies()
			.stream()
			.map((proxy) -> new IpAddressMatcher(proxy.strip()))
			.toList();
	}

	/**
	 * The client's address.
	 * @param request the request, however wrapped
	 * @return an IP address in its canonical text form
	 */
	public String of(HttpServletRequest request) {
		// With server.forward-headers-strategy=framework, Spring's ForwardedHeaderFilter
		// wraps the request: its getRemoteAddr() is the leftmost X-Forwarded-For entry,
		// whoever sent it, and the header itself is hidden. The container's request
		// underneath still has the socket peer and the header as they arrived.
		HttpServletRequest received = received(request);
		String peer = canonical(received.getRemoteAddr()).orElse(received.getRemoteAddr());
		if (!trusted(peer)) {
			return peer;
		}
		List<String> hops = forwardedFor(received);
		String client = peer;
		for (int i = hops.size() - 1; i >= 0; i--) {
			Optional<String> hop = canonical(hops.get(i));
			if (hop.isEmpty()) {
				// Not an address: the hop that wrote it is the last one we can vouch for.
				return client;
			}
			client = hop.get();
			if (!trusted(client)) {
				return client;
			}
		}
		return client;
	}

	private boolean trusted(String address) {
		return this.trustedProxies.stream().anyMatch((proxy) -> proxy.matches(address));
	}

	private static HttpServletRequest received(HttpServletRequest request) {
		ServletRequest current = request;
		HttpServletRequest innermost = request;
		while (current instanceof ServletRequestWrapper wrapper) {
			current = wrapper.getRequest();
			if (current instanceof HttpServletRequest http) {
				innermost = http;
			}
		}
		return innermost;
	}

	private static List<String> forwardedFor(HttpServletRequest request) {
		List<String> hops = new ArrayList<>();
		for (String header : Collections.list(request.getHeaders("X-Forwarded-For"))) {
			for (String hop : header.split(",")) {
				if (!hop.isBlank()) {
					hops.add(hop.strip());
				}
			}
		}
		return hops;
	}

	/**
	 * An IP literal in canonical form, or empty for anything else. Never a DNS lookup: a
	 * name is not an address.
	 */
	static Optional<String> canonical(String text) {
		if (text == null || text.isEmpty() || text.length() > 64) {
			return Optional.empty();
		}
		try {
			if (IPV4.matcher(text).matches()) {
				return Optional.of(InetAddress.getByName(text).getHostAddress());
			}
			String bare = (text.startsWith("[") && text.endsWith("]")) ? text.substring(1, text.length() - 1) : text;
			if (!bare.contains(":")) {
				return Optional.empty();
			}
			// The URI parser checks IPv6 syntax; after it, getByName parses a literal.
			URI uri = new URI("http://[" + bare + "]/");
			String host = uri.getHost();
			if (host == null || !host.startsWith("[") || !"/".equals(uri.getRawPath())) {
				return Optional.empty();
			}
			return Optional.of(InetAddress.getByName(host).getHostAddress());
		}
		catch (URISyntaxException | UnknownHostException ex) {
			return Optional.empty();
		}
	}

}

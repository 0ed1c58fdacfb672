package dev.wheelfarm.optin;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;

import org.springframework.security.web.util.matcher.IpAddressMatcher;

/**
 * Which addresses belong to someone's own network rather than the internet: the farm
 * never connects to them for a stranger's registration. A pure function of the address
 * (no lookup, no connection), so every range is tested on literals.
 */
final class InternalAddresses {

	/**
	 * Ranges the JDK's {@code is…Address} methods do not cover, from the IANA special
	 * purpose registries (RFC 6890 and its updates), with what each is.
	 */
	private static final List<Range> RANGES = List.of(new Range("0.0.0.0/8", "unspecified"),
			new Range("100.64.0.0/10", "carrier-grade NAT (RFC 6598)"),
			new Range("192.0.0.0/24", "IETF protocol assignment"), new Range("192.0.2.0/24", "documentation"),
			new Range("198.18.0.0/15", "benchmarking"), new Range("198.51.100.0/24", "documentation"),
			new Range("203.0.113.0/24", "documentation"), new Range("240.0.0.0/4", "reserved or broadcast"),
			new Range("fc00::/7", "unique-local (RFC 4193)"), new Range("100::/64", "discard-only"),
			new Range("2001:db8::/32", "documentation"));

	private InternalAddresses() {
	}

	/**
	 * What kind of internal address this is.
	 * @param address an address
	 * @return empty for an address on the internet, otherwise a word for the maintainer
	 * (e.g. {@code loopback}, {@code private (RFC 1918)})
	 */
	static Optional<String> kind(InetAddress address) {
		if (address.isLoopbackAddress()) {
			return Optional.of("loopback");
		}
		if (address.isAnyLocalAddress()) {
			return Optional.of("unspecified");
		}
		Optional<InetAddress> embedded = embeddedIpv4(address);
		if (embedded.isPresent()) {
			return kind(embedded.get());
		}
		if (address.isLinkLocalAddress()) {
			return Optional.of("link-local");
		}
		if (address.isSiteLocalAddress()) {
			return Optional.of((address instanceof Inet6Address) ? "site-local" : "private (RFC 1918)");
		}
		if (address.isMulticastAddress()) {
			return Optional.of("multicast");
		}
		String text = address.getHostAddress();
		return RANGES.stream().filter((range) -> range.matcher.matches(text)).map(Range::kind).findFirst();
	}

	/**
	 * The IPv4 address an IPv6 address carries, when a router would deliver it to that
	 * IPv4 address: IPv4-compatible ({@code ::a.b.c.d}), NAT64 ({@code 64:ff9b::/96}) and
	 * 6to4 ({@code 2002::/16}). IPv4-mapped addresses are IPv4 in Java already.
	 */
	private static Optional<InetAddress> embeddedIpv4(InetAddress address) {
		if (!(address instanceof Inet6Address)) {
			return Optional.empty();
		}
		byte[] bytes = address.getAddress();
		byte[] ipv4 = null;
		if (allZero(bytes, 0, 12)) {
			ipv4 = new byte[] { bytes[12], bytes[13], bytes[14], bytes[15] };
		}
		else if (bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == (byte) 0xff && bytes[3] == (byte) 0x9b
				&& allZero(bytes, 4, 12)) {
			ipv4 = new byte[] { bytes[12], bytes[13], bytes[14], bytes[15] };
		}
		else if (bytes[0] == 0x20 && bytes[1] == 0x02) {
			ipv4 = new byte[] { bytes[2], bytes[3], bytes[4], bytes[5] };
		}
		if (ipv4 == null) {
			return Optional.empty();
		}
		try {
			return Optional.of(InetAddress.getByAddress(ipv4));
		}
		catch (UnknownHostException ex) {
			// Four bytes are always a valid IPv4 address.
			throw new IllegalStateException(ex);
		}
	}

	private static boolean allZero(byte[] bytes, int from, int to) {
		for (int i = from; i < to; i++) {
			if (bytes[i] != 0) {
				return false;
			}
		}
		return true;
	}

	private record Range(IpAddressMatcher matcher, String kind) {

		Range(String cidr, String kind) {
			this(new IpAddressMatcher(cidr), kind);
		}

	}

}

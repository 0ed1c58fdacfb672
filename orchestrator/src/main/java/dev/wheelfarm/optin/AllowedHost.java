package dev.wheelfarm.optin;

import java.util.Locale;

/**
 * One entry of {@code wheelfarm.optin.allowed-internal-hosts}: a host name or address as
 * written in repository URLs, optionally with a port ({@code git.internal},
 * {@code 10.0.0.7:8443}, {@code [fd00::7]:443}). It allows connections to that host (on
 * that port only, when one is given) whatever its addresses are.
 *
 * @param host the host, lowercased, IPv6 addresses without brackets
 * @param port the port, or -1 for any
 */
record AllowedHost(String host, int port) {

	static AllowedHost parse(String entry) {
		String text = (entry != null) ? entry.strip().toLowerCase(Locale.ROOT) : "";
		String host = text;
		int port = -1;
		if (text.startsWith("[")) {
			int close = text.indexOf(']');
			if (close < 0) {
				throw invalid(entry);
			}
			host = text.substring(1, close);
			String rest = text.substring(close + 1);
			if (!rest.isEmpty()) {
				if (!rest.startsWith(":")) {
					throw invalid(entry);
				}
				port = port(rest.substring(1), entry);
			}
		}
		else if (text.indexOf(':') >= 0 && text.indexOf(':') == text.lastIndexOf(':')) {
			host = text.substring(0, text.indexOf(':'));
			port = port(text.substring(text.indexOf(':') + 1), entry);
		}
		if (host.isEmpty() || !host.matches("[a-z0-9._:%-]+")) {
			throw invalid(entry);
		}
		return new AllowedHost(host, port);
	}

	/**
	 * Whether a connection's target is this entry.
	 * @param targetHost the host as in the URL (brackets allowed)
	 * @param targetPort the port, default ports resolved
	 */
	boolean matches(String targetHost, int targetPort) {
		return this.host.equals(normalize(targetHost)) && (this.port < 0 || this.port == targetPort);
	}

	static String normalize(String host) {
		String lower = host.toLowerCase(Locale.ROOT);
		return (lower.startsWith("[") && lower.endsWith("]")) ? lower.substring(1, lower.length() - 1) : lower;
	}

	@Override
	public String toString() {
		String shown = (this.host.indexOf(':') >= 0) ? "[" + this.host + "]" : this.host;
		return (this.port < 0) ? shown : shown + ":" + this.port;
	}

	private static int port(String text, String entry) {
		if (!text.matches("[0-9]{1,5}") || Integer.parseInt(text) < 1 || Integer.parseInt(text) > 65535) {
			throw invalid(entry);
		}
		return Integer.parseInt(text);
	}

	private static IllegalArgumentException invalid(String entry) {
		return new IllegalArgumentException("wheelfarm.optin.allowed-internal-hosts: '" + entry
				+ "' is not a host or host:port (IPv6 addresses in brackets: [fd00::7]:443)");
	}

}

package dev.wheelfarm.web;

import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.security.web.util.matcher.IpAddressMatcher;

/**
 * Who the farm believes about a client's address.
 *
 * @param trustedProxies the reverse proxies (addresses or CIDR blocks, e.g.
 * {@code 10.0.0.5} or {@code 10.0.0.0/8}) whose {@code X-Forwarded-For} is read; empty
 * (the default) means the header is ignored and the socket peer is the client
 */
@ConfigurationProperties("wheelfarm.web")
public record ClientAddressProperties(@DefaultValue List<String> trustedProxies) {

	public ClientAddressProperties {
		trustedProxies = List.copyOf(trustedProxies);
		for (String proxy : trustedProxies) {
			try {
				new IpAddressMatcher(proxy.strip());
			}
			catch (IllegalArgumentException ex) {
				throw new IllegalArgumentException("wheelfarm.web.trusted-proxies: '" + proxy
						+ "' is not an IP address or CIDR block (host names are not accepted)", ex);
			}
		}
	}

}

package dev.wheelfarm.optin;

import java.net.InetAddress;
import java.net.UnknownHostException;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The classifier on address literals only: parsing a literal makes no lookup and no
 * connection, so every private and link-local range is covered without sending a packet.
 */
class InternalAddressesTest {

	@ParameterizedTest
	@CsvSource(delimiter = '|', textBlock = """
			127.0.0.1          | loopback
			127.255.0.9        | loopback
			::1                | loopback
			0.0.0.0            | unspecified
			::                 | unspecified
			0.1.2.3            | unspecified
			10.0.0.1           | private (RFC 1918)
			172.16.5.4         | private (RFC 1918)
			172.31.255.255     | private (RFC 1918)
			192.168.1.1        | private (RFC 1918)
			169.254.169.254    | link-local
			fe80::1            | link-local
			fc00::1            | unique-local (RFC 4193)
			fd12:3456::1       | unique-local (RFC 4193)
			fec0::1            | site-local
			100.64.0.1         | carrier-grade NAT (RFC 6598)
			100.127.255.254    | carrier-grade NAT (RFC 6598)
			224.0.0.1          | multicast
			239.255.255.250    | multicast
			ff02::1            | multicast
			255.255.255.255    | reserved or broadcast
			240.0.0.1          | reserved or broadcast
			192.0.0.8          | IETF protocol assignment
			192.0.2.1          | documentation
			198.51.100.1       | documentation
			203.0.113.1        | documentation
			2001:db8::1        | documentation
			198.18.0.1         | benchmarking
			100::1             | discard-only
			::ffff:10.0.0.1    | private (RFC 1918)
			::ffff:127.0.0.1   | loopback
			::10.0.0.1         | private (RFC 1918)
			64:ff9b::a9fe:a9fe | link-local
			2002:c0a8:0101::1  | private (RFC 1918)
			2002:7f00:1::      | loopback
			""")
	void internalAddressesAreNamed(String literal, String kind) throws UnknownHostException {
		assertThat(InternalAddresses.kind(InetAddress.getByName(literal))).as(literal).contains(kind);
	}

	@ParameterizedTest
	@ValueSource(strings = { "93.184.215.14", "140.82.112.3", "1.1.1.1", "172.32.0.1", "172.15.255.255", "100.128.0.1",
			"192.169.0.1", "2606:4700:4700::1111", "2a01:4f8::1", "64:ff9b::8.8.8.8" })
	void publicAddressesPass(String literal) throws UnknownHostException {
		assertThat(InternalAddresses.kind(InetAddress.getByName(literal))).as(literal).isEmpty();
	}

}

package dev.wheelfarm.index;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The negotiation matrix of PEP 691 with the headers real clients send. */
class NegotiationTest {

	@ParameterizedTest(name = "{0} -> {1}")
	@CsvSource(delimiter = '|', nullValues = "NONE", textBlock = """
			# pip 23.2.1's exact header (standards.md)
			application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01 | JSON_V1
			# uv's header
			application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01 | JSON_V1
			# an old pip (< 22.2) or a browser
			text/html | TEXT_HTML
			text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8 | TEXT_HTML
			application/vnd.pypi.simple.v1+html | HTML_V1
			application/vnd.pypi.simple.latest+json | JSON_V1
			application/vnd.pypi.simple.latest+html | HTML_V1
			*/* | JSON_V1
			application/* | JSON_V1
			NONE | JSON_V1
			'' | JSON_V1
			# the client prefers HTML
			application/vnd.pypi.simple.v1+json;q=0.5, text/html | TEXT_HTML
			# a more specific range with q=0 excludes what the wildcard allowed
			*/*, application/vnd.pypi.simple.v1+json;q=0 | HTML_V1
			# nothing we serve
			application/json | NONE
			application/vnd.pypi.simple.v2+json | NONE
			nonsense | NONE
			text/plain, image/* | NONE
			application/vnd.pypi.simple.v1+json;q=0 | NONE
			application/vnd.pypi.simple.v1+json;q=banana | NONE
			# a quality that cannot be read refuses its type rather than allowing it
			*/*, application/vnd.pypi.simple.v1+json;q=2 | HTML_V1
			*/*, application/vnd.pypi.simple.v1+json;q=banana | HTML_V1
			# tie between equally specific ranges: the server's order (JSON first)
			application/vnd.pypi.simple.v1+html, application/vnd.pypi.simple.v1+json | JSON_V1
			""")
	void acceptHeaders(String accept, String expected) {
		assertThat(Negotiation.choose(accept, null).map(Enum::name).orElse(null)).isEqualTo(expected);
	}

	@ParameterizedTest(name = "?format={0} -> {1}")
	@CsvSource(delimiter = '|', nullValues = "NONE", textBlock = """
			application/vnd.pypi.simple.v1+json | JSON_V1
			application/vnd.pypi.simple.v1+html | HTML_V1
			text/html | TEXT_HTML
			application/json | NONE
			""")
	void theFormatParameterWinsOverAccept(String format, String expected) {
		assertThat(Negotiation.choose("text/html", format).map(Enum::name).orElse(null)).isEqualTo(expected);
	}

}

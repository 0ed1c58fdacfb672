package dev.wheelfarm.index;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * gzip as RFC 9110 negotiates it, and pages that decompress to exactly the plain bytes.
 */
class GzipPagesTest {

	@ParameterizedTest(name = "Accept-Encoding: {0} -> gzip {1}")
	@CsvSource(delimiter = '|', nullValues = "null",
			value = { "gzip, deflate|true", "gzip, deflate, br|true", "br;q=1.0, gzip;q=0.8, *;q=0.1|true",
					"identity|false", "gzip;q=0|false", "*|true", "*;q=0|false", "GZIP|true", "x-gzip|true",
					"deflate, *;q=0|false", "null|false", "''|false", "gzip;q=0.000|false", "gzip;q=nonsense|false" })
	void negotiation(String acceptEncoding, boolean gzip) {
		assertThat(Negotiation.acceptsGzip(acceptEncoding)).isEqualTo(gzip);
	}

	@Test
	void theCompressedPageIsThePageAndHasItsOwnTag() throws IOException {
		byte[] html = "<!DOCTYPE html><html><body>%s</body></html>".formatted("<a>x</a>".repeat(500))
			.getBytes(StandardCharsets.UTF_8);
		byte[] json = "{\"files\":[%s]}".formatted("{},".repeat(500) + "{}").getBytes(StandardCharsets.UTF_8);
		RenderedPage page = new RenderedPage(html, json);
		for (SimpleMediaType type : SimpleMediaType.values()) {
			byte[] plain = page.body(type);
			try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(page.gzippedBody(type)))) {
				assertThat(in.readAllBytes()).isEqualTo(plain);
			}
			assertThat(page.gzippedBody(type)).hasSizeLessThan(plain.length / 5);
			assertThat(page.gzippedEtag(type)).isNotEqualTo(page.etag(type)).startsWith("\"").endsWith("-gzip\"");
		}
		assertThat(new RenderedPage(html, json).gzippedBody(SimpleMediaType.values()[0]))
			.as("the same page compresses to the same bytes, so the export and ETags are stable")
			.isEqualTo(page.gzippedBody(SimpleMediaType.values()[0]));
	}

}

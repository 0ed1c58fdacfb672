package dev.wheelfarm.index;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The wire formats byte for byte against golden files reviewed against the spec: a change
 * here is a change every client sees.
 */
class RenderersGoldenTest {

	static final String OURS = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

	static final String METADATA = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

	static final String PYPI = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

	static final ProjectPage PAGE = new ProjectPage("demo-pkg", List.of("0.9", "1.0", "1.1"),
			List.of(new IndexFile("demo_pkg-0.9.tar.gz", "https://files.example/packages/demo_pkg-0.9.tar.gz", PYPI,
					">=3.8", null, true, "broken \"build\" <oops>", 2048, Instant.parse("2024-03-01T12:30:45.123456Z")),
					new IndexFile("demo_pkg-1.0-cp311-cp311-linux_x86_64.whl",
							"../../" + IndexUrls.filePath(OURS, "demo_pkg-1.0-cp311-cp311-linux_x86_64.whl"), OURS,
							">=3.8,<4", METADATA, false, null, 12345, Instant.parse("2026-11-02T08:00:00Z")),
					new IndexFile("demo_pkg-1.1.tar.gz", "https://files.example/packages/demo_pkg-1.1.tar.gz", PYPI,
							null, null, true, null, 4096, null)));

	static final List<ListedProject> PROJECTS = List.of(new ListedProject("demo-pkg", "Demo.Pkg"),
			new ListedProject("zope-interface", "zope.interface"));

	@Test
	void projectHtml() throws IOException {
		assertThat(text(new HtmlRenderer().project(PAGE))).isEqualTo(golden("project.html"));
	}

	@Test
	void projectJson() throws IOException {
		assertThat(text(new JsonRenderer().project(PAGE))).isEqualTo(golden("project.json"));
	}

	@Test
	void rootHtml() throws IOException {
		assertThat(text(new HtmlRenderer().root(PROJECTS))).isEqualTo(golden("root.html"));
	}

	@Test
	void rootJson() throws IOException {
		assertThat(text(new JsonRenderer().root(PROJECTS))).isEqualTo(golden("root.json"));
	}

	/**
	 * RFC 8259 §7: quotation mark, reverse solidus and U+0000 to U+001F must be escaped,
	 * nothing else need be. Text from PyPI (a yanked reason) can hold anything, so the
	 * page must stay valid JSON and say exactly what PyPI said.
	 */
	@Test
	void jsonEscapesWhatJsonRequiresAndNothingElse() {
		String reason = "say \"no\" \\ a/b\ttab\nline\u0001\u001f caf\u00e9 \ud83d\udc0d \u2028end";
		ProjectPage page = new ProjectPage("odd", List.of("1.0"), List.of(new IndexFile("odd-1.0.tar.gz",
				"https://files.example/packages/odd-1.0.tar.gz", PYPI, null, null, true, reason, 1, null)));

		byte[] json = new JsonRenderer().project(page);

		// Short escapes where JSON has them, six-character lower-case escapes for the
		// other control characters; "/" and non-ASCII text (UTF-8) as they are.
		assertThat(text(json)).contains("\"yanked\":\"say \\\"no\\\" \\\\ a/b\\ttab\\nline\\u0001\\u001f caf\u00e9 "
				+ "\ud83d\udc0d \u2028end\"");
		assertThat(JsonMapper.shared().readTree(json).get("files").get(0).get("yanked").asString()).isEqualTo(reason);
	}

	private static String text(byte[] bytes) {
		return new String(bytes, StandardCharsets.UTF_8);
	}

	private static String golden(String name) throws IOException {
		try (InputStream in = RenderersGoldenTest.class.getResourceAsStream("golden/" + name)) {
			assertThat(in).as("golden file " + name).isNotNull();
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
	}

}

package dev.wheelfarm.index;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * PEP 503 HTML with the attributes of PEP 592 ({@code data-yanked}), PEP 658/714
 * ({@code data-core-metadata}, plus the legacy {@code data-dist-info-metadata} that pip
 * 22.3–23.1 read) and PEP 629 ({@code pypi:repository-version}). The HTML form is frozen:
 * PEP 700's fields are JSON only.
 */
final class HtmlRenderer implements PageRenderer {

	@Override
	public byte[] root(List<ListedProject> projects) {
		StringBuilder html = head("Simple index");
		for (ListedProject project : projects) {
			html.append("    <a href=\"")
				.append(escape(project.link()))
				.append("/\">")
				.append(escape(project.displayName()))
				.append("</a><br>\n");
		}
		return tail(html);
	}

	@Override
	public byte[] project(ProjectPage page) {
		StringBuilder html = head("Links for " + page.name());
		html.append("    <h1>Links for ").append(escape(page.name())).append("</h1>\n");
		for (IndexFile file : page.files()) {
			html.append("    <a href=\"")
				.append(escape(file.url()))
				.append("#sha256=")
				.append(file.sha256())
				.append('"');
			if (file.requiresPython() != null) {
				html.append(" data-requires-python=\"").append(escape(file.requiresPython())).append('"');
			}
			if (file.coreMetadataSha256() != null) {
				html.append(" data-dist-info-metadata=\"sha256=").append(file.coreMetadataSha256()).append('"');
				html.append(" data-core-metadata=\"sha256=").append(file.coreMetadataSha256()).append('"');
			}
			if (file.provenance() != null) {
				html.append(" data-provenance=\"").append(escape(file.provenance())).append('"');
			}
			if (file.yanked()) {
				html.append(" data-yanked=\"")
					.append(escape((file.yankedReason() != null) ? file.yankedReason() : ""))
					.append('"');
			}
			html.append('>').append(escape(file.filename())).append("</a><br>\n");
		}
		return tail(html);
	}

	private static StringBuilder head(String title) {
		StringBuilder html = new StringBuilder(8192);
		html.append("<!DOCTYPE html>\n<html>\n  <head>\n")
			.append("    <meta name=\"pypi:repository-version\" content=\"")
			.append(SimpleMediaType.API_VERSION)
			.append("\">\n")
			.append("    <title>")
			.append(escape(title))
			.append("</title>\n  </head>\n  <body>\n");
		return html;
	}

	private static byte[] tail(StringBuilder html) {
		html.append("  </body>\n</html>\n");
		return html.toString().getBytes(StandardCharsets.UTF_8);
	}

	static String escape(String text) {
		StringBuilder escaped = new StringBuilder(text.length() + 16);
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			switch (c) {
				case '&' -> escaped.append("&amp;");
				case '<' -> escaped.append("&lt;");
				case '>' -> escaped.append("&gt;");
				case '"' -> escaped.append("&quot;");
				case '\'' -> escaped.append("&#39;");
				default -> escaped.append(c);
			}
		}
		return escaped.toString();
	}

}

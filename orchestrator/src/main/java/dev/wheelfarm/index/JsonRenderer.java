package dev.wheelfarm.index;

import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * PEP 691 JSON at API version 1.1 (PEP 700: {@code versions}, {@code size},
 * {@code upload-time}) with PEP 714's {@code core-metadata} (and not its legacy name).
 * Written by hand so that the key order and the bytes are stable: the page's ETag and the
 * golden files depend on it.
 */
final class JsonRenderer implements PageRenderer {

	// The Simple API's upload-time format: yyyy-mm-ddThh:mm:ss.ffffffZ, always UTC.
	static final DateTimeFormatter UPLOAD_TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
		.withZone(ZoneOffset.UTC);

	@Override
	public byte[] root(List<ListedProject> projects) {
		StringBuilder json = meta();
		json.append(",\"projects\":[");
		for (int i = 0; i < projects.size(); i++) {
			json.append((i > 0) ? ",{\"name\":" : "{\"name\":");
			string(json, projects.get(i).displayName()).append('}');
		}
		return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
	}

	@Override
	public byte[] project(ProjectPage page) {
		StringBuilder json = meta();
		json.append(",\"name\":");
		string(json, page.name());
		json.append(",\"versions\":[");
		for (int i = 0; i < page.versions().size(); i++) {
			if (i > 0) {
				json.append(',');
			}
			string(json, page.versions().get(i));
		}
		json.append("],\"files\":[");
		for (int i = 0; i < page.files().size(); i++) {
			if (i > 0) {
				json.append(',');
			}
			file(json, page.files().get(i));
		}
		return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
	}

	private static void file(StringBuilder json, IndexFile file) {
		json.append("{\"filename\":");
		string(json, file.filename());
		json.append(",\"url\":");
		string(json, file.url());
		json.append(",\"hashes\":{\"sha256\":\"").append(file.sha256()).append("\"}");
		if (file.requiresPython() != null) {
			json.append(",\"requires-python\":");
			string(json, file.requiresPython());
		}
		if (file.coreMetadataSha256() != null) {
			// Never the legacy "dist-info-metadata" key: pip 22.3-23.1 read its hash dict
			// as
			// a string and crash (the bug PEP 714 renamed the key for; Debian 12's venv
			// pip
			// is 23.0.1). pip >= 23.2 and uv read "core-metadata".
			json.append(",\"core-metadata\":{\"sha256\":\"").append(file.coreMetadataSha256()).append("\"}");
		}
		json.append(",\"yanked\":");
		if (!file.yanked()) {
			json.append("false");
		}
		else if (file.yankedReason() == null || file.yankedReason().isEmpty()) {
			json.append("true");
		}
		else {
			string(json, file.yankedReason());
		}
		json.append(",\"size\":").append(file.size());
		if (file.uploadTime() != null) {
			json.append(",\"upload-time\":\"").append(UPLOAD_TIME.format(file.uploadTime())).append('"');
		}
		json.append('}');
	}

	private static StringBuilder meta() {
		return new StringBuilder(16384).append("{\"meta\":{\"api-version\":\"")
			.append(SimpleMediaType.API_VERSION)
			.append("\"}");
	}

	static StringBuilder string(StringBuilder json, String text) {
		json.append('"');
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			switch (c) {
				case '"' -> json.append("\\\"");
				case '\\' -> json.append("\\\\");
				case '\n' -> json.append("\\n");
				case '\r' -> json.append("\\r");
				case '\t' -> json.append("\\t");
				default -> {
					if (c < 0x20 || c == '\u2028' || c == '\u2029') {
						json.append(String.format("\\u%04x", (int) c));
					}
					else {
						json.append(c);
					}
				}
			}
		}
		return json.append('"');
	}

}

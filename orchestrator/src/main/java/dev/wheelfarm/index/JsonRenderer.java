package dev.wheelfarm.index;

import java.io.ByteArrayOutputStream;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.function.Consumer;

import tools.jackson.core.JsonGenerator;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.json.JsonWriteFeature;

/**
 * PEP 691 JSON at API version 1.1 (PEP 700: {@code versions}, {@code size},
 * {@code upload-time}) with PEP 714's {@code core-metadata} (and not its legacy name).
 * Written with Jackson's streaming generator in a fixed key order, without a data-binding
 * step: the page's ETag and the golden files depend on the bytes.
 */
final class JsonRenderer implements PageRenderer {

	// The Simple API's upload-time format: yyyy-mm-ddThh:mm:ss.ffffffZ, always UTC.
	static final DateTimeFormatter UPLOAD_TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
		.withZone(ZoneOffset.UTC);

	/**
	 * Jackson 3 escapes {@code /} by default; URLs are clearer (and the pages stay byte
	 * for byte what they were) without it. Control characters keep their lower-case
	 * {@code \}{@code u00xx} escapes; RFC 8259 allows either case.
	 */
	private static final JsonFactory FACTORY = JsonFactory.builder()
		.disable(JsonWriteFeature.ESCAPE_FORWARD_SLASHES)
		.disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE)
		.build();

	@Override
	public byte[] root(List<ListedProject> projects) {
		return write((json) -> {
			json.writeArrayPropertyStart("projects");
			for (ListedProject project : projects) {
				json.writeStartObject();
				json.writeStringProperty("name", project.displayName());
				json.writeEndObject();
			}
			json.writeEndArray();
		});
	}

	@Override
	public byte[] project(ProjectPage page) {
		return write((json) -> {
			json.writeStringProperty("name", page.name());
			json.writeArrayPropertyStart("versions");
			for (String version : page.versions()) {
				json.writeString(version);
			}
			json.writeEndArray();
			json.writeArrayPropertyStart("files");
			for (IndexFile file : page.files()) {
				file(json, file);
			}
			json.writeEndArray();
		});
	}

	/** The page's object: {@code meta} first, then what {@code body} writes. */
	private static byte[] write(Consumer<JsonGenerator> body) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(16384);
		try (JsonGenerator json = FACTORY.createGenerator(out)) {
			json.writeStartObject();
			json.writeObjectPropertyStart("meta");
			json.writeStringProperty("api-version", SimpleMediaType.API_VERSION);
			json.writeEndObject();
			body.accept(json);
			json.writeEndObject();
		}
		return out.toByteArray();
	}

	private static void file(JsonGenerator json, IndexFile file) {
		json.writeStartObject();
		json.writeStringProperty("filename", file.filename());
		json.writeStringProperty("url", file.url());
		json.writeObjectPropertyStart("hashes");
		json.writeStringProperty("sha256", file.sha256());
		json.writeEndObject();
		if (file.requiresPython() != null) {
			json.writeStringProperty("requires-python", file.requiresPython());
		}
		if (file.coreMetadataSha256() != null) {
			// Never the legacy "dist-info-metadata" key: pip 22.3-23.1 read its hash dict
			// as a string and crash (the bug PEP 714 renamed the key for; Debian 12's
			// venv
			// pip is 23.0.1). pip >= 23.2 and uv read "core-metadata".
			json.writeObjectPropertyStart("core-metadata");
			json.writeStringProperty("sha256", file.coreMetadataSha256());
			json.writeEndObject();
		}
		// PEP 592: false, true, or the reason (which means true).
		json.writeName("yanked");
		if (!file.yanked()) {
			json.writeBoolean(false);
		}
		else if (file.yankedReason() == null || file.yankedReason().isEmpty()) {
			json.writeBoolean(true);
		}
		else {
			json.writeString(file.yankedReason());
		}
		json.writeNumberProperty("size", file.size());
		if (file.uploadTime() != null) {
			json.writeStringProperty("upload-time", UPLOAD_TIME.format(file.uploadTime()));
		}
		// PEP 740: only for a file with verified attestations, never null or empty.
		if (file.provenance() != null) {
			json.writeStringProperty("provenance", file.provenance());
		}
		json.writeEndObject();
	}

}

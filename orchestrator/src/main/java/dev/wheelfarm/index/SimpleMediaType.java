package dev.wheelfarm.index;

import java.util.List;

import org.springframework.http.MediaType;

/**
 * The representations of the Simple repository API the index serves, in the server's
 * order of preference (PEP 691: JSON first, the frozen HTML form after it).
 */
public enum SimpleMediaType {

	/** PEP 691 JSON, version 1. */
	JSON_V1("application/vnd.pypi.simple.v1+json", "application/vnd.pypi.simple.latest+json"),

	/** PEP 503 HTML under its PEP 691 name. */
	HTML_V1("application/vnd.pypi.simple.v1+html", "application/vnd.pypi.simple.latest+html"),

	/** PEP 503 HTML for clients that only know HTML. */
	TEXT_HTML("text/html", null);

	/**
	 * The version of the Simple API the pages speak: 1.3, since attested files carry PEP
	 * 740's {@code provenance} key (1.1 is PEP 700's fields, 1.2 PEP 708's optional
	 * {@code tracks}/{@code alternate-locations}, which the farm does not use).
	 */
	static final String API_VERSION = "1.3";

	private final String value;

	private final String latestAlias;

	private final List<MediaType> mediaTypes;

	SimpleMediaType(String value, String latestAlias) {
		this.value = value;
		this.latestAlias = latestAlias;
		this.mediaTypes = names().stream().map(MediaType::parseMediaType).toList();
	}

	/** The {@code Content-Type} sent with this representation. */
	public String contentType() {
		return (this == TEXT_HTML) ? "text/html;charset=utf-8" : this.value;
	}

	String value() {
		return this.value;
	}

	/** The names a client may ask for this representation by. */
	List<String> names() {
		return (this.latestAlias != null) ? List.of(this.value, this.latestAlias) : List.of(this.value);
	}

	/** {@link #names()} as media types, to match against {@code Accept}'s ranges. */
	List<MediaType> mediaTypes() {
		return this.mediaTypes;
	}

	public boolean isJson() {
		return this == JSON_V1;
	}

}

package dev.wheelfarm.provenance;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A file's PEP 740 provenance object, as PyPI's Integrity API serves it: its
 * attestations, grouped by the publisher that signed them. PEP-shaped, so it keeps the
 * PEP's spelling.
 *
 * @param version always 1
 * @param attestationBundles one bundle per publisher
 */
public record ProvenanceObject(int version,
		@JsonProperty("attestation_bundles") List<AttestationBundle> attestationBundles) {

	/** PyPI's media type for it. */
	public static final String MEDIA_TYPE = "application/vnd.pypi.integrity.v1+json";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	public ProvenanceObject {
		attestationBundles = List.copyOf(attestationBundles);
	}

	/** The object as served: compact JSON, UTF-8. */
	public byte[] toJson() {
		return JSON.writeValueAsBytes(this);
	}

	/**
	 * Attestations signed by one publisher.
	 *
	 * @param publisher PyPI's publisher object
	 * @param attestations PEP 740 attestation objects, as uploaded
	 */
	public record AttestationBundle(Publisher publisher, List<JsonNode> attestations) {

		public AttestationBundle {
			attestations = List.copyOf(attestations);
		}

	}

}

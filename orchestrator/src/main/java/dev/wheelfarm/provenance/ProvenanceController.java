package dev.wheelfarm.provenance;

import java.nio.charset.StandardCharsets;

import dev.wheelfarm.shared.InvalidNameException;
import dev.wheelfarm.shared.ProjectName;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /integrity/<project>/<version>/<filename>/provenance}: a file's PEP 740
 * provenance object at the path PyPI's Integrity API uses, where the index's
 * {@code provenance} links point.
 */
@RestController
class ProvenanceController {

	private static final MediaType INTEGRITY = MediaType.parseMediaType(ProvenanceObject.MEDIA_TYPE);

	private final Attestations attestations;

	ProvenanceController(Attestations attestations) {
		this.attestations = attestations;
	}

	// Whatever the Accept header says: the object has one representation, and pip, uv
	// and pypi-attestations send application/json or nothing.
	@GetMapping("/integrity/{project}/{version}/{filename}/provenance")
	ResponseEntity<byte[]> provenance(@PathVariable String project, @PathVariable String version,
			@PathVariable String filename) {
		String normalized;
		try {
			normalized = ProjectName.of(project).value();
		}
		catch (InvalidNameException ex) {
			return notFound(filename);
		}
		return this.attestations.provenance(normalized, version, filename)
			.map((provenance) -> ResponseEntity.ok().contentType(INTEGRITY).body(provenance.toJson()))
			.orElseGet(() -> notFound(filename));
	}

	// PyPI answers the same for a file without attestations and for no file at all.
	private static ResponseEntity<byte[]> notFound(String filename) {
		return ResponseEntity.status(HttpStatus.NOT_FOUND)
			.contentType(MediaType.TEXT_PLAIN)
			.body(("No provenance available for " + filename + "\n").getBytes(StandardCharsets.UTF_8));
	}

}

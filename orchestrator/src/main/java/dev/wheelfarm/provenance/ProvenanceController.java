package dev.wheelfarm.provenance;

import java.nio.charset.StandardCharsets;

import java.util.Optional;

import dev.wheelfarm.shared.InvalidNameException;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.stages.Stage;
import dev.wheelfarm.stages.Stages;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /integrity/<project>/<version>/<filename>/provenance}: a file's PEP 740
 * provenance object at the path PyPI's Integrity API uses, where the index's
 * {@code provenance} links point; and the same below a stage's URL, where its view's
 * links point, for as long as the stage is open.
 */
@RestController
class ProvenanceController {

	private static final MediaType INTEGRITY = MediaType.parseMediaType(ProvenanceObject.MEDIA_TYPE);

	// A stage's URL is a secret: no shared cache may keep what it served.
	private static final String STAGE_CACHE_CONTROL = "private, no-store";

	private final Attestations attestations;

	private final Stages stages;

	ProvenanceController(Attestations attestations, Stages stages) {
		this.attestations = attestations;
		this.stages = stages;
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

	/**
	 * A file's provenance object as a stage's view links it: the stage's own files' and
	 * the public ones'. Gone with the stage once it is published, discarded or expired.
	 */
	@GetMapping("/stage/{token}/integrity/{project}/{version}/{filename}/provenance")
	ResponseEntity<byte[]> stagedProvenance(@PathVariable String token, @PathVariable String project,
			@PathVariable String version, @PathVariable String filename) {
		Optional<Stage> stage = this.stages.byToken(token).filter(Stage::isOpen);
		Optional<ProvenanceObject> provenance;
		try {
			String normalized = ProjectName.of(project).value();
			provenance = stage
				.flatMap((open) -> this.attestations.stagedProvenance(normalized, version, filename, open.id()));
		}
		catch (InvalidNameException ex) {
			provenance = Optional.empty();
		}
		if (provenance.isEmpty()) {
			return ResponseEntity.status(HttpStatus.NOT_FOUND)
				.header(HttpHeaders.CACHE_CONTROL, STAGE_CACHE_CONTROL)
				.contentType(MediaType.TEXT_PLAIN)
				.body(notFoundText(filename));
		}
		return ResponseEntity.ok()
			.header(HttpHeaders.CACHE_CONTROL, STAGE_CACHE_CONTROL)
			.contentType(INTEGRITY)
			.body(provenance.get().toJson());
	}

	// PyPI answers the same for a file without attestations and for no file at all.
	private static ResponseEntity<byte[]> notFound(String filename) {
		return ResponseEntity.status(HttpStatus.NOT_FOUND)
			.contentType(MediaType.TEXT_PLAIN)
			.body(notFoundText(filename));
	}

	private static byte[] notFoundText(String filename) {
		return ("No provenance available for " + filename + "\n").getBytes(StandardCharsets.UTF_8);
	}

}

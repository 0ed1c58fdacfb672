package dev.wheelfarm.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import org.springframework.core.io.ClassPathResource;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/openapi.json}: the OpenAPI 3.1 description of {@code /api/*}. Written
 * by hand and checked against the code by {@code ApiGoldenTest} (an entry per mapping, a
 * mapping per entry, every golden answer valid against its schema), rather than generated
 * at run time: the controllers answer typed records and problem documents that a
 * generator cannot see through {@code ResponseEntity<?>}, and springdoc would add
 * swagger-core and its YAML stack to the jar for one document (docs/api.md).
 */
@RestController
class ApiDescription {

	private final byte[] description;

	ApiDescription() {
		try (InputStream in = new ClassPathResource("api/openapi.json").getInputStream()) {
			this.description = in.readAllBytes();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("api/openapi.json is not in the jar", ex);
		}
	}

	@GetMapping(path = "/api/openapi.json", produces = MediaType.APPLICATION_JSON_VALUE)
	ResponseEntity<byte[]> description() {
		return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(this.description);
	}

}

package dev.wheelfarm.records;

import java.net.URI;

import dev.wheelfarm.web.Problems;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/files/{filename}}: the public record of a file, for anyone who wants to
 * know where its bytes came from before installing them. Read-only and unauthenticated,
 * like the index itself; an unknown name is an {@code application/problem+json} 404.
 */
@RestController
class FileRecordsApi {

	/** The problem type of an unknown filename, a stable code for programs. */
	static final URI UNKNOWN_FILE = URI.create("urn:wheelfarm:problem:unknown-file");

	private final FileRecords records;

	FileRecordsApi(FileRecords records) {
		this.records = records;
	}

	@GetMapping(path = "/api/files/{filename}", produces = "application/json")
	ResponseEntity<?> file(@PathVariable String filename) {
		// A filename has no slash and is at most 255 characters (the wheel table's rule);
		// anything else cannot name a file here, so it is not looked up.
		if (filename.length() <= 255 && filename.indexOf('/') < 0 && filename.indexOf('\\') < 0) {
			var record = this.records.find(filename);
			if (record.isPresent()) {
				return ResponseEntity.ok(record.get());
			}
		}
		String shown = (filename.length() > 255) ? filename.substring(0, 255) + "…" : filename;
		ProblemDetail problem = Problems.detail(HttpStatus.NOT_FOUND, "Unknown file",
				shown + " is not a file this farm serves or has served.");
		problem.setType(UNKNOWN_FILE);
		return ResponseEntity.status(HttpStatus.NOT_FOUND)
			.contentType(org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON)
			.body(problem);
	}

}

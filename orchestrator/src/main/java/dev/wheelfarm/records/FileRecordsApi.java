package dev.wheelfarm.records;

import dev.wheelfarm.web.ProblemType;

import org.springframework.http.HttpStatus;
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

	/** The refusal of an unknown filename (docs/api.md lists every type). */
	static final ProblemType UNKNOWN_FILE = new ProblemType("unknown-file", HttpStatus.NOT_FOUND, "Unknown file");

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
		return UNKNOWN_FILE.answer(shown + " is not a file this farm serves or has served.");
	}

}

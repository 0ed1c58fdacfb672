package dev.wheelfarm.uploads;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * How every upload refusal is answered, whether the controller refuses the file or the
 * request never reached it (a broken body, one too large): plain text that
 * {@code twine --verbose} prints, {@code <status> <reason>}, and the reason in the status
 * line too ({@link ReasonPhrase}), where plain twine shows it.
 */
final class UploadRefusal {

	private static final MediaType TEXT = new MediaType(MediaType.TEXT_PLAIN, StandardCharsets.UTF_8);

	private UploadRefusal() {
	}

	static ResponseEntity<String> entity(HttpStatus status, String message) {
		return ResponseEntity.status(status)
			.contentType(TEXT)
			.header(ReasonPhrase.HEADER, ReasonPhrase.of(message))
			.body(body(status, message));
	}

	static void write(HttpServletResponse response, HttpStatus status, String message) throws IOException {
		response.resetBuffer();
		response.setStatus(status.value());
		response.setContentType(TEXT.toString());
		response.setHeader(ReasonPhrase.HEADER, ReasonPhrase.of(message));
		byte[] body = body(status, message).getBytes(StandardCharsets.UTF_8);
		response.setContentLength(body.length);
		response.getOutputStream().write(body);
	}

	private static String body(HttpStatus status, String message) {
		return status.value() + " " + message + "\n";
	}

}

package dev.wheelfarm.uploads;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.wheelfarm.stages.StagesApi;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * twine's upload endpoint (the "legacy" upload API PyPI still serves):
 * {@code POST /legacy/} publishes, {@code POST /legacy/?stage=true} puts the file into
 * the project's open stage, {@code POST /stage/<token>/legacy/} into that stage. Answers
 * are plain text, which {@code twine --verbose} prints.
 */
@RestController
class UploadController {

	private static final MediaType TEXT = new MediaType(MediaType.TEXT_PLAIN, StandardCharsets.UTF_8);

	private final UploadService uploads;

	UploadController(UploadService uploads) {
		this.uploads = uploads;
	}

	@PostMapping(path = { "/legacy", "/legacy/" }, consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
	ResponseEntity<String> upload(HttpServletRequest request,
			@RequestPart(name = "content", required = false) MultipartFile content,
			@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization) {
		boolean stage = "true".equalsIgnoreCase(request.getParameter("stage"));
		return handle(request, content, authorization, new UploadService.Target(null, stage));
	}

	@PostMapping(path = { "/stage/{token}/legacy", "/stage/{token}/legacy/" },
			consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
	ResponseEntity<String> uploadToStage(@PathVariable String token, HttpServletRequest request,
			@RequestPart(name = "content", required = false) MultipartFile content,
			@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization) {
		return handle(request, content, authorization, new UploadService.Target(token, true));
	}

	private ResponseEntity<String> handle(HttpServletRequest request, MultipartFile content, String authorization,
			UploadService.Target target) {
		Map<String, String> form = new LinkedHashMap<>();
		request.getParameterMap().forEach((key, values) -> form.put(key, (values.length > 0) ? values[0] : null));
		try {
			String secret = AuthorizationHeader.secret(authorization);
			UploadService.Result result = this.uploads.upload(form, content, secret, target);
			String where = (result.stage() != null) ? "staged; preview at " + StagesApi.indexUrl(result.stage())
					: "published";
			return ResponseEntity.ok()
				.contentType(TEXT)
				.body((result.repeated() ? "Already stored with the same bytes: " : "Stored: ") + result.filename()
						+ " (" + where + ")\n");
		}
		catch (CredentialRejectedException ex) {
			return refuse(HttpStatus.FORBIDDEN, ex.getMessage());
		}
		catch (UploadRefusedException ex) {
			return refuse(ex.status(), ex.getMessage());
		}
	}

	private static ResponseEntity<String> refuse(HttpStatus status, String message) {
		return UploadRefusal.entity(status, message);
	}

	/** Used by the answers to name URLs below this application. */
	static String base() {
		return ServletUriComponentsBuilder.fromCurrentContextPath().toUriString();
	}

}

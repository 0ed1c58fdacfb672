package dev.wheelfarm.index;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import dev.wheelfarm.shared.ProjectName;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /simple/} and {@code /simple/<name>/}: one handler per page that negotiates the
 * representation itself (PEP 691 §"Version + Format Selection"), because the answer to a
 * request with no acceptable type must be a 406 that still says {@code Vary: Accept}.
 */
@RestController
class SimpleIndexController {

	private static final String NOT_ACCEPTABLE = "The index serves application/vnd.pypi.simple.v1+json, "
			+ "application/vnd.pypi.simple.v1+html and text/html.\n";

	/**
	 * The representation depends on both: the media type and whether gzip is accepted.
	 */
	private static final String VARY = HttpHeaders.ACCEPT + ", " + HttpHeaders.ACCEPT_ENCODING;

	private final PageCache pages;

	private final String cacheControl;

	SimpleIndexController(PageCache pages, IndexProperties properties) {
		this.pages = pages;
		this.cacheControl = "public, max-age=" + properties.pageMaxAge().toSeconds();
	}

	@GetMapping("/simple")
	ResponseEntity<byte[]> rootWithoutSlash(HttpServletRequest request) {
		return redirect("/simple/", request);
	}

	@GetMapping("/simple/")
	ResponseEntity<byte[]> root(@RequestHeader(name = HttpHeaders.ACCEPT, required = false) String accept,
			@RequestParam(name = "format", required = false) String format,
			@RequestHeader(name = HttpHeaders.IF_NONE_MATCH, required = false) String ifNoneMatch,
			@RequestHeader(name = HttpHeaders.ACCEPT_ENCODING, required = false) String acceptEncoding) {
		Optional<SimpleMediaType> type = Negotiation.choose(accept, format);
		if (type.isEmpty()) {
			return notAcceptable();
		}
		return page(this.pages.root(), type.get(), ifNoneMatch, Negotiation.acceptsGzip(acceptEncoding));
	}

	@GetMapping("/simple/{name}")
	ResponseEntity<byte[]> projectWithoutSlash(@PathVariable String name, HttpServletRequest request) {
		if (!ProjectName.isValid(name)) {
			return notFound();
		}
		return redirect("/simple/" + ProjectName.of(name).value() + "/", request);
	}

	@GetMapping("/simple/{name}/")
	ResponseEntity<byte[]> project(@PathVariable String name,
			@RequestHeader(name = HttpHeaders.ACCEPT, required = false) String accept,
			@RequestParam(name = "format", required = false) String format,
			@RequestHeader(name = HttpHeaders.IF_NONE_MATCH, required = false) String ifNoneMatch,
			@RequestHeader(name = HttpHeaders.ACCEPT_ENCODING, required = false) String acceptEncoding,
			HttpServletRequest request) {
		if (!ProjectName.isValid(name)) {
			return notFound();
		}
		ProjectName project = ProjectName.of(name);
		if (!project.value().equals(name)) {
			// The Simple API's one URL per project: other spellings are sent to it.
			return redirect("/simple/" + project.value() + "/", request);
		}
		Optional<SimpleMediaType> type = Negotiation.choose(accept, format);
		if (type.isEmpty()) {
			return notAcceptable();
		}
		Optional<RenderedPage> page = this.pages.project(project);
		if (page.isEmpty()) {
			return notFound();
		}
		return page(page.get(), type.get(), ifNoneMatch, Negotiation.acceptsGzip(acceptEncoding));
	}

	private ResponseEntity<byte[]> page(RenderedPage page, SimpleMediaType type, String ifNoneMatch, boolean gzip) {
		String etag = gzip ? page.gzippedEtag(type) : page.etag(type);
		HttpStatus status = matches(ifNoneMatch, etag) ? HttpStatus.NOT_MODIFIED : HttpStatus.OK;
		ResponseEntity.BodyBuilder response = ResponseEntity.status(status)
			.header(HttpHeaders.VARY, VARY)
			.header(HttpHeaders.ETAG, etag)
			.header(HttpHeaders.CACHE_CONTROL, this.cacheControl)
			.header(HttpHeaders.CONTENT_TYPE, type.contentType());
		if (status == HttpStatus.NOT_MODIFIED) {
			return response.build();
		}
		if (gzip) {
			// Compressed once per rendering, not per request: the page cache holds both.
			return response.header(HttpHeaders.CONTENT_ENCODING, "gzip").body(page.gzippedBody(type));
		}
		return response.body(page.body(type));
	}

	/** RFC 9110 §13.1.2: weak comparison, a list of tags, or {@code *}. */
	static boolean matches(String ifNoneMatch, String etag) {
		if (ifNoneMatch == null) {
			return false;
		}
		for (String candidate : ifNoneMatch.split(",")) {
			String tag = candidate.strip();
			if (tag.equals("*")) {
				return true;
			}
			if (tag.startsWith("W/")) {
				tag = tag.substring(2);
			}
			if (tag.equals(etag)) {
				return true;
			}
		}
		return false;
	}

	private static ResponseEntity<byte[]> redirect(String path, HttpServletRequest request) {
		String query = request.getQueryString();
		String location = (query != null) ? path + "?" + query : path;
		return ResponseEntity.status(HttpStatus.MOVED_PERMANENTLY).header(HttpHeaders.LOCATION, location).build();
	}

	private static ResponseEntity<byte[]> notAcceptable() {
		return text(HttpStatus.NOT_ACCEPTABLE, NOT_ACCEPTABLE);
	}

	private static ResponseEntity<byte[]> notFound() {
		return text(HttpStatus.NOT_FOUND, "The farm does not host this project.\n");
	}

	private static ResponseEntity<byte[]> text(HttpStatus status, String body) {
		return ResponseEntity.status(status)
			.header(HttpHeaders.VARY, HttpHeaders.ACCEPT)
			.contentType(new MediaType(MediaType.TEXT_PLAIN, StandardCharsets.UTF_8))
			.body(body.getBytes(StandardCharsets.UTF_8));
	}

}

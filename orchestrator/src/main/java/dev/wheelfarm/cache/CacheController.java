package dev.wheelfarm.cache;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.wheelfarm.index.Negotiation;
import dev.wheelfarm.index.SimpleMediaType;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.web.ProblemType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.core.io.InputStreamResource;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.HtmlUtils;

/**
 * The cache's Simple API: {@code /cache/simple/}, {@code /cache/simple/<project>/} (PEP
 * 691 JSON or PEP 503 HTML by {@code Accept}) and the files they link to,
 * {@code /cache/files/<project>/<sha256>/<filename>} and its {@code .metadata}. A file is
 * found by the listing's hash and name, never by a path built from the request.
 */
@RestController
class CacheController {

	private static final Logger logger = LoggerFactory.getLogger(CacheController.class);

	private static final Pattern HEX = Pattern.compile("^[0-9a-f]{64}$");

	private static final JsonMapper JSON = JsonMapper.builder().build();

	// The cache's refusals (docs/api.md lists every type).
	private static final ProblemType UPSTREAM_UNAVAILABLE = new ProblemType("upstream-unavailable",
			HttpStatus.SERVICE_UNAVAILABLE, "PyPI cannot be reached now");

	private static final ProblemType UPSTREAM_REFUSED = new ProblemType("upstream-refused", HttpStatus.BAD_GATEWAY,
			"PyPI's answer was refused");

	private static final ProblemType CACHE_CLOSED = new ProblemType("cache-closed", HttpStatus.FORBIDDEN,
			"The PyPI cache is not open to others");

	private static final ProblemType NOT_CACHED = new ProblemType("not-in-cache", HttpStatus.NOT_FOUND,
			"No such project or file upstream");

	private static final ProblemType NOT_ACCEPTABLE = new ProblemType("not-acceptable", HttpStatus.NOT_ACCEPTABLE,
			"No acceptable representation");

	private static final MediaType WHEEL_TYPE = MediaType.parseMediaType("application/zip");

	private static final MediaType SDIST_TYPE = MediaType.parseMediaType("application/gzip");

	private static final MediaType METADATA_TYPE = new MediaType(MediaType.TEXT_PLAIN, StandardCharsets.UTF_8);

	private final ProjectPages pages;

	private final CachedFiles files;

	private final CacheAccess access;

	private final CacheProperties properties;

	CacheController(ProjectPages pages, CachedFiles files, CacheAccess access, CacheProperties properties) {
		this.pages = pages;
		this.files = files;
		this.access = access;
		this.properties = properties;
	}

	@GetMapping("/cache/simple")
	ResponseEntity<?> rootWithoutSlash() {
		return redirect("/cache/simple/");
	}

	@GetMapping("/cache/simple/")
	ResponseEntity<?> root(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization,
			@RequestHeader(name = HttpHeaders.ACCEPT, required = false) String accept,
			@RequestParam(name = "format", required = false) String format) {
		if (!this.access.allows(authorization)) {
			return refused();
		}
		Optional<SimpleMediaType> type = Negotiation.choose(accept, format);
		if (type.isEmpty()) {
			return notAcceptable();
		}
		List<String> projects = this.pages.projects();
		if (type.get().isJson()) {
			ObjectNode root = JSON.createObjectNode();
			root.putObject("meta").put("api-version", "1.1");
			projects.forEach((name) -> root.withArray("projects").addObject().put("name", name));
			if (projects.isEmpty()) {
				root.putArray("projects");
			}
			return page(type.get(), JSON.writeValueAsBytes(root));
		}
		StringBuilder html = new StringBuilder("<!DOCTYPE html>\n<html>\n<head>\n"
				+ "<meta name=\"pypi:repository-version\" content=\"1.1\">\n<title>Simple index</title>\n"
				+ "</head>\n<body>\n");
		for (String name : projects) {
			html.append("<a href=\"").append(name).append("/\">").append(HtmlUtils.htmlEscape(name)).append("</a>\n");
		}
		return page(type.get(), html.append("</body>\n</html>\n").toString().getBytes(StandardCharsets.UTF_8));
	}

	@GetMapping("/cache/simple/{project}")
	ResponseEntity<?> projectWithoutSlash(@PathVariable String project) {
		return ProjectName.isValid(project) ? redirect("/cache/simple/" + ProjectName.of(project).value() + "/")
				: notFound("not a project name");
	}

	@GetMapping("/cache/simple/{project}/")
	ResponseEntity<?> project(@PathVariable String project,
			@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization,
			@RequestHeader(name = HttpHeaders.ACCEPT, required = false) String accept,
			@RequestParam(name = "format", required = false) String format) {
		if (!this.access.allows(authorization)) {
			return refused();
		}
		if (!ProjectName.isValid(project)) {
			return notFound("not a project name");
		}
		ProjectName name = ProjectName.of(project);
		if (!name.value().equals(project)) {
			// PEP 503: other spellings of a name are redirected to the normalized one.
			return redirect("/cache/simple/" + name.value() + "/");
		}
		Optional<SimpleMediaType> type = Negotiation.choose(accept, format);
		if (type.isEmpty()) {
			return notAcceptable();
		}
		try {
			Optional<UpstreamPage> page = this.pages.page(name);
			if (page.isEmpty()) {
				return notFound("upstream has no project " + name);
			}
			byte[] body = type.get().isJson() ? page.get().json() : page.get().html().getBytes(StandardCharsets.UTF_8);
			return page(type.get(), body);
		}
		catch (UpstreamException ex) {
			return upstreamFailed(name.value(), ex);
		}
	}

	@GetMapping("/cache/files/{project}/{sha256}/{filename}")
	ResponseEntity<?> file(@PathVariable String project, @PathVariable String sha256, @PathVariable String filename,
			@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization)
			throws IOException {
		if (!this.access.allows(authorization)) {
			return refused();
		}
		if (!ProjectName.isValid(project) || !ProjectName.of(project).value().equals(project)
				|| !HEX.matcher(sha256).matches() || !UpstreamPage.servableName(filename)) {
			return notFound("no such file");
		}
		Optional<CachedFiles.Served> served;
		try {
			served = this.files.file(ProjectName.of(project), Sha256.of(sha256), filename);
		}
		catch (UpstreamException ex) {
			return upstreamFailed(filename, ex);
		}
		if (served.isEmpty()) {
			return notFound("upstream's page of " + project + " lists no " + filename + " with that hash");
		}
		CacheRepository.StoredFile file = served.get().file();
		return ResponseEntity.ok()
			.contentType(type(file.filename()))
			.contentLength(file.size())
			// pip names a download after Content-Disposition: the listed name, never a
			// generic one (Spring's reflected-file-download guard would send "f.txt").
			.header(HttpHeaders.CONTENT_DISPOSITION,
					ContentDisposition.inline().filename(file.filename()).build().toString())
			// Content-addressed: a URL names the same bytes forever. Private unless the
			// operator opened the cache, so no shared cache hands it to others.
			.header(HttpHeaders.CACHE_CONTROL,
					(this.properties.open() ? "public" : "private") + ", max-age=31536000, immutable")
			.eTag("\"" + file.sha256() + "\"")
			.body(new InputStreamResource(served.get().bytes()));
	}

	private static MediaType type(String filename) {
		if (filename.endsWith(CachedFiles.METADATA_SUFFIX)) {
			return METADATA_TYPE;
		}
		if (filename.endsWith(".whl") || filename.endsWith(".zip")) {
			return WHEEL_TYPE;
		}
		return filename.endsWith(".tar.gz") ? SDIST_TYPE : MediaType.APPLICATION_OCTET_STREAM;
	}

	private static ResponseEntity<byte[]> page(SimpleMediaType type, byte[] body) {
		return ResponseEntity.ok()
			.header(HttpHeaders.CONTENT_TYPE, type.contentType())
			.header(HttpHeaders.VARY, HttpHeaders.ACCEPT)
			// The cache's own time-to-live decides freshness; clients and proxies ask
			// every time.
			.header(HttpHeaders.CACHE_CONTROL, "no-cache")
			.body(body);
	}

	private ResponseEntity<?> upstreamFailed(String what, UpstreamException ex) {
		if (ex.unavailable()) {
			logger.warn("PyPI cache: {} not served, upstream unavailable: {}", what, ex.getMessage());
			return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
				.header(HttpHeaders.RETRY_AFTER, Long.toString(this.properties.retryAfter().toSeconds()))
				.contentType(MediaType.APPLICATION_PROBLEM_JSON)
				.body(UPSTREAM_UNAVAILABLE.detail("The PyPI cache does not hold " + what
						+ " and upstream cannot be reached now: " + ex.getMessage()));
		}
		logger.error("PyPI cache: {} refused: {}", what, ex.getMessage());
		return UPSTREAM_REFUSED.answer(ex.getMessage());
	}

	private static ResponseEntity<?> refused() {
		return CACHE_CLOSED
			.answer("The PyPI cache serves the farm's own builds; the operator has not opened it to others"
					+ " (wheelfarm.cache.public).");
	}

	private static ResponseEntity<?> notFound(String detail) {
		return NOT_CACHED.answer(detail);
	}

	private static ResponseEntity<?> notAcceptable() {
		return NOT_ACCEPTABLE
			.answer("The cache serves application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html"
					+ " and text/html.");
	}

	private static ResponseEntity<?> redirect(String path) {
		return ResponseEntity.status(HttpStatus.MOVED_PERMANENTLY).location(URI.create(path)).build();
	}

}

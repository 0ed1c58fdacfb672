package dev.wheelfarm.index;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.web.SecurityHeaders;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpHeaders;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * {@code /simple/} and {@code /simple/<name>/}, answered straight from the page cache.
 *
 * <p>
 * Every pip and uv install reads these pages, they are public, and the answer is bytes
 * already rendered, so they are served here, ahead of Spring Security and the
 * DispatcherServlet: that stack costs more than the page on this path (see
 * docs/benchmarks.md, "Index"). The representation is negotiated here too (PEP 691
 * "Version + Format Selection"), because a request with no acceptable type must get a 406
 * that still says {@code Vary: Accept}. A stage's view, {@code /stage/<token>/simple/…},
 * is the same API over the public files plus the stage's, rendered fresh for each
 * request. Anything that is not a GET or HEAD of those paths goes on to the application
 * unchanged. The commonest request of all, a plain GET of a cached page, does not reach
 * this filter: {@link CachedPageHandler} answers it in front of the servlet container,
 * with the same {@link RenderedPage.Answer}.
 */
class SimpleIndexFilter extends OncePerRequestFilter {

	private static final String NOT_ACCEPTABLE = "The index serves application/vnd.pypi.simple.v1+json, "
			+ "application/vnd.pypi.simple.v1+html and text/html.\n";

	/**
	 * The representation depends on both: the media type and whether gzip is accepted.
	 */
	static final String VARY = HttpHeaders.ACCEPT + ", " + HttpHeaders.ACCEPT_ENCODING;

	private static final String PREFIX = "/simple/";

	private static final String STAGE = "/stage/";

	private static final String NO_STAGE = "No open stage has this URL: it was published, discarded or expired,"
			+ " or never existed.\n";

	/** A stage's view is a secret and changes with every upload: nobody may cache it. */
	private static final String STAGE_CACHE_CONTROL = "private, no-store";

	private final IndexPages uncached;

	private final IndexRepository repository;

	private final String cacheControl;

	private final AnswerCounters counters;

	/** Where the public index's pages come from: the same for every request. */
	private final Source publicIndex;

	SimpleIndexFilter(PageCache pages, IndexPages uncached, IndexRepository repository, IndexProperties properties,
			AnswerCounters counters) {
		this.uncached = uncached;
		this.repository = repository;
		this.cacheControl = cacheControl(properties);
		this.counters = counters;
		this.publicIndex = new Source(pages::root, pages::cachedProject, pages::project, this.cacheControl);
	}

	/** The {@code Cache-Control} of the public index's pages. */
	static String cacheControl(IndexProperties properties) {
		return "public, max-age=" + properties.pageMaxAge().toSeconds();
	}

	private void count(int status, String representation) {
		this.counters.count(status, representation);
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		String path = request.getRequestURI().substring(request.getContextPath().length());
		boolean read = "GET".equals(request.getMethod()) || "HEAD".equals(request.getMethod());
		if (read && (path.equals("/simple") || path.startsWith(PREFIX))) {
			// Spring Security, which writes these on every other answer, does not run
			// here.
			SecurityHeaders.write(request, response);
			serve(request, response, path, "", this.publicIndex);
			return;
		}
		if (read && path.startsWith(STAGE)) {
			int slash = path.indexOf('/', STAGE.length());
			String rest = (slash < 0) ? "" : path.substring(slash);
			if (rest.equals("/simple") || rest.startsWith(PREFIX)) {
				SecurityHeaders.write(request, response);
				String token = path.substring(STAGE.length(), slash);
				Optional<IndexRepository.OpenStage> stage = this.repository.openStage(token);
				if (stage.isEmpty()) {
					text(response, HttpServletResponse.SC_NOT_FOUND, NO_STAGE);
					count(HttpServletResponse.SC_NOT_FOUND, "none");
					return;
				}
				long id = stage.get().id();
				serve(request, response, rest, STAGE + token,
						new Source(() -> this.uncached.root(true), (name) -> Optional.empty(),
								(name) -> this.uncached.stagedProject(name, id), STAGE_CACHE_CONTROL));
				return;
			}
		}
		chain.doFilter(request, response);
	}

	/**
	 * Answers {@code /simple/…} below {@code base} ({@code ""} for the index,
	 * {@code /stage/<token>} for a stage's view) from {@code source}.
	 */
	private void serve(HttpServletRequest request, HttpServletResponse response, String path, String base,
			Source source) throws IOException {
		if (path.equals("/simple")) {
			redirect(request, response, base + PREFIX);
			count(HttpServletResponse.SC_MOVED_PERMANENTLY, "none");
			return;
		}
		String rest = path.substring(PREFIX.length());
		if (rest.isEmpty()) {
			page(request, response, Optional.of(source.root().get()), source.cacheControl());
			return;
		}
		String name = rest.endsWith("/") ? rest.substring(0, rest.length() - 1) : rest;
		Optional<RenderedPage> cached = rest.endsWith("/") ? source.cached().apply(name) : Optional.empty();
		if (cached.isPresent()) {
			// The hot path: only normalized names of hosted projects are cached, so a hit
			// needs neither validation nor normalization.
			page(request, response, cached, source.cacheControl());
			return;
		}
		if (name.contains("/") || !ProjectName.isValid(name)) {
			text(response, HttpServletResponse.SC_NOT_FOUND, "The farm does not host this project.\n");
			count(HttpServletResponse.SC_NOT_FOUND, "none");
			return;
		}
		ProjectName project = ProjectName.of(name);
		if (!project.value().equals(name) || !rest.endsWith("/")) {
			// The Simple API's one URL per project: other spellings are sent to it.
			redirect(request, response, base + PREFIX + project.value() + "/");
			count(HttpServletResponse.SC_MOVED_PERMANENTLY, "none");
			return;
		}
		page(request, response, source.project().apply(project), source.cacheControl());
	}

	private void page(HttpServletRequest request, HttpServletResponse response, Optional<RenderedPage> page,
			String cacheControl) throws IOException {
		// Without a query string there is no ?format=, and the server need not parse
		// parameters.
		String format = (request.getQueryString() != null) ? request.getParameter("format") : null;
		Optional<SimpleMediaType> type = Negotiation.choose(request.getHeader(HttpHeaders.ACCEPT), format);
		if (type.isEmpty()) {
			text(response, HttpServletResponse.SC_NOT_ACCEPTABLE, NOT_ACCEPTABLE);
			count(HttpServletResponse.SC_NOT_ACCEPTABLE, "none");
			return;
		}
		String representation = type.get().isJson() ? "json" : "html";
		if (page.isEmpty()) {
			text(response, HttpServletResponse.SC_NOT_FOUND, "The farm does not host this project.\n");
			count(HttpServletResponse.SC_NOT_FOUND, representation);
			return;
		}
		boolean gzip = Negotiation.acceptsGzip(request.getHeader(HttpHeaders.ACCEPT_ENCODING));
		// Compressed once per rendering, not per request: the page cache holds both.
		RenderedPage.Answer answer = page.get().answer(type.get(), gzip);
		response.setHeader(HttpHeaders.VARY, VARY);
		response.setHeader(HttpHeaders.ETAG, answer.etag());
		response.setHeader(HttpHeaders.CACHE_CONTROL, cacheControl);
		response.setContentType(answer.contentType());
		if (matches(request.getHeader(HttpHeaders.IF_NONE_MATCH), answer.etag())) {
			response.setStatus(HttpServletResponse.SC_NOT_MODIFIED);
			count(HttpServletResponse.SC_NOT_MODIFIED, representation);
			return;
		}
		if (answer.contentEncoding() != null) {
			response.setHeader(HttpHeaders.CONTENT_ENCODING, answer.contentEncoding());
		}
		response.setStatus(HttpServletResponse.SC_OK);
		response.setContentLength(answer.contentLength());
		if (!"HEAD".equals(request.getMethod())) {
			response.getOutputStream().write(answer.content());
		}
		count(HttpServletResponse.SC_OK, representation);
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

	private static void redirect(HttpServletRequest request, HttpServletResponse response, String path) {
		String query = request.getQueryString();
		response.setStatus(HttpServletResponse.SC_MOVED_PERMANENTLY);
		response.setHeader(HttpHeaders.LOCATION,
				request.getContextPath() + ((query != null) ? path + "?" + query : path));
	}

	/**
	 * Where pages come from: the page cache for the index (with its hot path for a page
	 * already cached under a raw name), fresh renders for a stage.
	 */
	private record Source(Supplier<RenderedPage> root, Function<String, Optional<RenderedPage>> cached,
			Function<ProjectName, Optional<RenderedPage>> project, String cacheControl) {

	}

	private static void text(HttpServletResponse response, int status, String body) throws IOException {
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		response.setStatus(status);
		response.setHeader(HttpHeaders.VARY, HttpHeaders.ACCEPT);
		response.setContentType("text/plain;charset=UTF-8");
		response.setContentLength(bytes.length);
		response.getOutputStream().write(bytes);
	}

}

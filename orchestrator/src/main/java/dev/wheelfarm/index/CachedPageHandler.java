package dev.wheelfarm.index;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.wheelfarm.web.SecurityHeaders;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The index's hot path, in front of the servlet container: a plain {@code GET} of
 * {@code /simple/} or of {@code /simple/<name>/} whose page is in the {@link PageCache}
 * is answered here with the cached bytes (plain or gzip-compressed), every header
 * prepared in advance, before Jetty builds the servlet request, looks up a session or
 * runs a filter chain. That machinery cost more than the page itself (docs/benchmarks.md,
 * "Index").
 *
 * <p>
 * It answers only what needs no decision beyond negotiation: anything else (a page not
 * yet cached, a name to redirect or refuse, {@code ?format=}, {@code If-None-Match},
 * {@code HEAD}, a stage's view, a 406) goes on to {@link SimpleIndexFilter}, which
 * answers from the same {@link RenderedPage.Answer}s, so both send the same headers.
 */
final class CachedPageHandler extends Handler.Wrapper {

	private static final HttpField VARY = new PreEncodedHttpField(HttpHeader.VARY, SimpleIndexFilter.VARY);

	private static final HttpField GZIP = new PreEncodedHttpField(HttpHeader.CONTENT_ENCODING, "gzip");

	private final PageCache pages;

	private final AnswerCounters counters;

	private final String root;

	private final HttpField cacheControl;

	private final Map<SimpleMediaType, HttpField> contentTypes = new EnumMap<>(SimpleMediaType.class);

	private final HttpField[] securityHeaders;

	private final HttpField[] secureSecurityHeaders;

	/**
	 * @param contextPath the servlet context's path ({@code ""} at the root), which this
	 * handler, outside the context, sees in every request's path
	 */
	CachedPageHandler(Handler next, PageCache pages, AnswerCounters counters, String contextPath, String cacheControl) {
		super(next);
		this.pages = pages;
		this.counters = counters;
		this.root = contextPath + "/simple/";
		this.cacheControl = new PreEncodedHttpField(HttpHeader.CACHE_CONTROL, cacheControl);
		for (SimpleMediaType type : SimpleMediaType.values()) {
			this.contentTypes.put(type, new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, type.contentType()));
		}
		this.securityHeaders = securityHeaders(false);
		this.secureSecurityHeaders = securityHeaders(true);
	}

	private static HttpField[] securityHeaders(boolean secure) {
		List<HttpField> fields = new ArrayList<>();
		SecurityHeaders.forEach(secure, (name, value) -> fields.add(new PreEncodedHttpField(name, value)));
		return fields.toArray(HttpField[]::new);
	}

	@Override
	public boolean handle(Request request, Response response, Callback callback) throws Exception {
		Optional<RenderedPage> page = cachedPage(request);
		if (page.isEmpty()) {
			return super.handle(request, response, callback);
		}
		HttpFields headers = request.getHeaders();
		Optional<SimpleMediaType> type = Negotiation.choose(headers.get(HttpHeader.ACCEPT), null);
		if (type.isEmpty()) {
			return super.handle(request, response, callback);
		}
		boolean gzip = Negotiation.acceptsGzip(headers.get(HttpHeader.ACCEPT_ENCODING));
		RenderedPage.Answer answer = page.get().answer(type.get(), gzip);
		response.setStatus(HttpStatus.OK_200);
		HttpFields.Mutable out = response.getHeaders();
		for (HttpField field : request.isSecure() ? this.secureSecurityHeaders : this.securityHeaders) {
			out.add(field);
		}
		out.add(VARY);
		out.add(answer.etagField());
		out.add(this.cacheControl);
		out.add(this.contentTypes.get(answer.type()));
		if (gzip) {
			out.add(GZIP);
		}
		out.add(answer.contentLengthField());
		response.write(true, answer.content(), callback);
		this.counters.count(HttpStatus.OK_200, answer.representation());
		return true;
	}

	/**
	 * The cached page a plain {@code GET} asks for, if this handler may answer it: no
	 * query, no condition, a path that is the root or a cached project's normalized name
	 * (the cache holds nothing else, so a hit proves the name).
	 */
	private Optional<RenderedPage> cachedPage(Request request) {
		if (!HttpMethod.GET.is(request.getMethod()) || request.getHttpURI().getQuery() != null
				|| request.getHeaders().contains(HttpHeader.IF_NONE_MATCH)) {
			return Optional.empty();
		}
		String path = request.getHttpURI().getPath();
		if (path == null || !path.startsWith(this.root) || !path.endsWith("/")) {
			return Optional.empty();
		}
		if (path.length() == this.root.length()) {
			return Optional.of(this.pages.root());
		}
		String name = path.substring(this.root.length(), path.length() - 1);
		return (name.indexOf('/') >= 0) ? Optional.empty() : this.pages.cachedProject(name);
	}

}

package dev.wheelfarm.web;

import java.util.function.BiConsumer;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The security headers of every answer of the site. Spring Security writes them on what
 * passes through it ({@link SecurityConfiguration}); the Simple API is answered by a
 * filter ahead of Spring Security (for speed, docs/benchmarks.md) and writes the same
 * values itself with {@link #write}. Constant strings, so the index's hot path allocates
 * nothing for them.
 */
public final class SecurityHeaders {

	/** No scripts, styles or images from elsewhere, and no framing by other sites. */
	public static final String CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self'; "
			+ "script-src 'self'; frame-ancestors 'none'";

	// The values Spring Security's default header writers send.
	private static final String NOSNIFF = "nosniff";

	private static final String DENY = "DENY";

	private static final String XSS_PROTECTION_OFF = "0";

	private static final String HSTS = "max-age=31536000 ; includeSubDomains";

	private SecurityHeaders() {
	}

	/**
	 * Writes what Spring Security writes on a page: no MIME sniffing (a browser must not
	 * take a page or file for HTML and run it), no framing, the legacy XSS filter off,
	 * the content security policy, and HSTS on a secure request.
	 */
	public static void write(HttpServletRequest request, HttpServletResponse response) {
		forEach(request.isSecure(), response::setHeader);
	}

	/**
	 * The same headers as {@link #write}, name and value, for a server API other than the
	 * servlet one (the index's hot path answers from Jetty's own).
	 * @param secure whether the request came over HTTPS (then HSTS is sent too)
	 * @param header receives each header's name and value
	 */
	public static void forEach(boolean secure, BiConsumer<String, String> header) {
		header.accept("X-Content-Type-Options", NOSNIFF);
		header.accept("X-Frame-Options", DENY);
		header.accept("X-XSS-Protection", XSS_PROTECTION_OFF);
		header.accept("Content-Security-Policy", CONTENT_SECURITY_POLICY);
		if (secure) {
			header.accept("Strict-Transport-Security", HSTS);
		}
	}

}

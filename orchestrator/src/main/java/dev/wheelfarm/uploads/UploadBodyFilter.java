package dev.wheelfarm.uploads;

import java.io.IOException;
import java.util.Locale;
import java.util.regex.Pattern;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.Part;

import dev.wheelfarm.shared.Quoting;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Reads an upload's multipart body before anything else does, and refuses one that is not
 * a whole, well-formed {@code multipart/form-data} body with a reason: Spring MVC would
 * take a cut-off body for a client that went away and answer an empty 200, and turn a
 * part header it cannot parse (a {@code "} or a line break in the filename) into a 500
 * with a stack trace. What passes is parsed once and served to the controller from the
 * container's cache.
 */
class UploadBodyFilter extends OncePerRequestFilter {

	private static final Logger logger = LoggerFactory.getLogger(UploadBodyFilter.class);

	/** Jetty's words for a part or a body over the multipart limits. */
	private static final String TOO_LARGE = "max file size exceeded|max request size exceeded|exceeds max|too large";

	private final long maxFileSize;

	UploadBodyFilter(long maxFileSize) {
		this.maxFileSize = maxFileSize;
	}

	/** Twine's upload URLs; the filter is mapped to all of {@code /stage/*}. */
	private static final Pattern UPLOAD_PATH = Pattern.compile("/legacy/?|/stage/[^/]+/legacy/?");

	@Override
	protected boolean shouldNotFilter(HttpServletRequest request) {
		String path = request.getRequestURI().substring(request.getContextPath().length());
		return !"POST".equals(request.getMethod()) || !UPLOAD_PATH.matcher(path).matches();
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		String problem;
		try {
			problem = problem(request);
		}
		catch (TooLarge ex) {
			refuse(request, response, HttpStatus.CONTENT_TOO_LARGE, ex.getMessage());
			return;
		}
		if (problem != null) {
			HttpStatus status = isMultipart(request) ? HttpStatus.BAD_REQUEST : HttpStatus.UNSUPPORTED_MEDIA_TYPE;
			refuse(request, response, status, problem);
			return;
		}
		chain.doFilter(request, response);
	}

	/** Why the body is no upload form, or null when it is one. */
	private String problem(HttpServletRequest request) throws TooLarge {
		if (!isMultipart(request)) {
			return "The upload must be a multipart/form-data body, as twine sends it, not "
					+ Quoting.quote(request.getContentType());
		}
		try {
			for (Part part : request.getParts()) {
				String disposition = part.getHeader(HttpHeaders.CONTENT_DISPOSITION);
				if (disposition == null || !parses(disposition)) {
					return "A part's Content-Disposition header is missing or malformed (a '\"' or a line break"
							+ " in its filename?): " + Quoting.quote(disposition);
				}
			}
			return null;
		}
		catch (IOException | ServletException | RuntimeException ex) {
			// Whatever the container throws for a body it cannot parse is the client's
			// fault, and is answered as such; the request carries nothing else to read.
			if (isTooLarge(ex)) {
				throw new TooLarge("The upload is larger than the limit of " + this.maxFileSize
						+ " bytes for the file (plus 16 MB for the other fields)");
			}
			return "The body is not a complete, well-formed multipart/form-data form (was the upload cut off, or"
					+ " does a part header hold a '\"' or a line break?): " + Quoting.quote(rootMessage(ex));
		}
	}

	/** Whether Spring MVC, which parses the header again for the controller, can. */
	private static boolean parses(String disposition) {
		try {
			ContentDisposition.parse(disposition);
			return true;
		}
		catch (IllegalArgumentException ex) {
			return false;
		}
	}

	private static boolean isMultipart(HttpServletRequest request) {
		String type = request.getContentType();
		try {
			return type != null && MediaType.MULTIPART_FORM_DATA.includes(MediaType.parseMediaType(type));
		}
		catch (IllegalArgumentException ex) {
			return false;
		}
	}

	private static boolean isTooLarge(Throwable ex) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (cause.getMessage() != null
					&& cause.getMessage().toLowerCase(Locale.ROOT).matches(".*(" + TOO_LARGE + ").*")) {
				return true;
			}
		}
		return false;
	}

	private static String rootMessage(Throwable ex) {
		Throwable root = ex;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		return root.getClass().getSimpleName() + ((root.getMessage() != null) ? ": " + root.getMessage() : "");
	}

	private static void refuse(HttpServletRequest request, HttpServletResponse response, HttpStatus status,
			String message) throws IOException {
		// One line, no stack trace: a broken upload is the client's doing, not the
		// farm's.
		logger.info("Refused upload to {} from {}: {} {}", request.getRequestURI(), request.getRemoteAddr(),
				status.value(), ReasonPhrase.of(message));
		UploadRefusal.write(response, status, message);
	}

	/** The body is over the multipart limits. */
	private static final class TooLarge extends Exception {

		private static final long serialVersionUID = 1L;

		TooLarge(String message) {
			super(message);
		}

	}

}

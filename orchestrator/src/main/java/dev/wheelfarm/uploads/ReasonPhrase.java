package dev.wheelfarm.uploads;

import java.nio.ByteBuffer;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Callback;

/**
 * Puts an upload refusal's reason into the HTTP/1.1 status line, as PyPI does
 * ({@code 400 File already exists…}): twine prints only the status line of a refused
 * upload, so without it a maintainer's CI log never says why. The servlet API can no
 * longer set a reason phrase and Jetty 12 sends the standard one, so the handler sets a
 * private response header that this Jetty customizer takes off the response and writes as
 * the reason phrase instead.
 */
final class ReasonPhrase implements HttpConfiguration.Customizer {

	/** The private header that carries the reason to the connector; never sent. */
	static final String HEADER = "X-Wheelfarm-Reason-Phrase";

	/** Long enough for a refusal's first sentence; a status line is no place for more. */
	static final int MAX_LENGTH = 200;

	/**
	 * The reason phrase for {@code message}: one line of printable ASCII (RFC 9110's
	 * reason-phrase allows no control characters), at most {@link #MAX_LENGTH}
	 * characters.
	 */
	static String of(String message) {
		StringBuilder reason = new StringBuilder(Math.min(message.length(), MAX_LENGTH));
		boolean space = false;
		for (int i = 0; i < message.length() && reason.length() < MAX_LENGTH; i++) {
			char c = message.charAt(i);
			if (Character.isWhitespace(c) || Character.isISOControl(c)) {
				space = reason.length() > 0;
				continue;
			}
			if (space) {
				reason.append(' ');
				space = false;
				if (reason.length() == MAX_LENGTH) {
					break;
				}
			}
			reason.append((c >= 0x21 && c <= 0x7e) ? c : '?');
		}
		return reason.toString();
	}

	@Override
	public Request customize(Request request, HttpFields.Mutable responseHeaders) {
		// Only an upload, a POST, is refused with a reason: every other request (the
		// index's thousands a second above all) is spared the wrapper and its search of
		// the response's headers.
		if (HttpMethod.POST.is(request.getMethod())) {
			request.addHttpStreamWrapper(ReasonStream::new);
		}
		return request;
	}

	/** Moves the header into the status line when the response is committed. */
	private static final class ReasonStream extends HttpStream.Wrapper {

		private String reason;

		ReasonStream(HttpStream wrapped) {
			super(wrapped);
		}

		@Override
		public void prepareResponse(HttpFields.Mutable headers) {
			String value = headers.get(HEADER);
			if (value != null) {
				headers.remove(HEADER);
				this.reason = of(value);
			}
			super.prepareResponse(headers);
		}

		@Override
		public void send(MetaData.Request request, MetaData.Response response, boolean last, ByteBuffer content,
				Callback callback) {
			MetaData.Response sent = response;
			// HTTP/2 and 3 have no reason phrase; the body still says why.
			if (response != null && this.reason != null && !this.reason.isEmpty()
					&& (response.getHttpVersion() == HttpVersion.HTTP_1_1
							|| response.getHttpVersion() == HttpVersion.HTTP_1_0)) {
				sent = new MetaData.Response(response.getStatus(), this.reason, response.getHttpVersion(),
						response.getHttpFields(), response.getContentLength(), response.getTrailersSupplier());
			}
			super.send(request, sent, last, content, callback);
		}

	}

}

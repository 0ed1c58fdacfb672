package dev.wheelfarm.uploads;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for what an HTTP client library hides or refuses to send:
 * the exact status line (with its reason phrase), bodies that are cut off or not what
 * their headers say.
 */
final class RawHttp {

	private RawHttp() {
	}

	/**
	 * A multipart/form-data body as twine sends it: the text fields in order, then the
	 * file in its {@code content} part.
	 */
	static byte[] form(String boundary, Map<String, String> fields, String filename, byte[] content) {
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		for (Map.Entry<String, String> field : fields.entrySet()) {
			body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field.getKey()
					+ "\"\r\n\r\n" + field.getValue() + "\r\n")
				.getBytes(StandardCharsets.UTF_8));
		}
		body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"content\"; filename=\""
				+ filename + "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
			.getBytes(StandardCharsets.UTF_8));
		body.writeBytes(content);
		body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
		return body.toByteArray();
	}

	/**
	 * POSTs {@code body} with a Content-Length of its size and these extra header lines
	 * ({@code "Name: value"}), and reads the whole answer.
	 */
	static Answer post(int port, String path, String contentType, byte[] body, String... headers) throws IOException {
		StringBuilder head = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
				+ "\r\nContent-Type: " + contentType + "\r\nContent-Length: " + body.length + "\r\n");
		for (String header : headers) {
			head.append(header).append("\r\n");
		}
		head.append("Connection: close\r\n\r\n");
		try (Socket socket = new Socket("127.0.0.1", port)) {
			socket.setSoTimeout(60_000);
			OutputStream out = socket.getOutputStream();
			out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
			out.write(body);
			out.flush();
			return read(socket.getInputStream());
		}
	}

	private static Answer read(InputStream in) throws IOException {
		ByteArrayOutputStream all = new ByteArrayOutputStream();
		in.transferTo(all);
		String text = all.toString(StandardCharsets.ISO_8859_1);
		int end = text.indexOf("\r\n\r\n");
		String head = (end >= 0) ? text.substring(0, end) : text;
		String body = (end >= 0) ? text.substring(end + 4) : "";
		return new Answer(head.split("\r\n", 2)[0], head, body);
	}

	/**
	 * @param statusLine e.g. {@code HTTP/1.1 400 File already exists}
	 * @param head the status line and the headers
	 * @param body the body as sent (chunks, if chunked)
	 */
	record Answer(String statusLine, String head, String body) {

		int status() {
			return Integer.parseInt(this.statusLine.split(" ", 3)[1]);
		}

	}

}

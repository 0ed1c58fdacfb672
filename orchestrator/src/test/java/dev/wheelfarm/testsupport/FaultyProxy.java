package dev.wheelfarm.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on 127.0.0.1 in front of a server (s3proxy), which can break the way an
 * object store breaks: answer 503, hold a request without answering (a timeout), or cut a
 * response off after some bytes. Each connection keeps the behaviour it was accepted
 * with; changing the behaviour closes the open connections, so the client's next request
 * meets the new one.
 */
public final class FaultyProxy implements AutoCloseable {

	/** What the proxy does with a new connection. */
	public enum Fault {

		/** Nothing: bytes pass both ways. */
		NONE,

		/** Reads the request's head and answers 503 SlowDown. */
		UNAVAILABLE,

		/** Reads the request and never answers. */
		STALL,

		/**
		 * Passes the request, and closes the connection after the response's first 1,000
		 * bytes.
		 */
		CUT,

		/**
		 * Answers 503 to writes (PUT and POST) and passes reads: a bucket that fails
		 * half-way through a copy, after its checks succeeded. Each request then gets a
		 * connection of its own, so each one is looked at.
		 */
		REFUSE_WRITES

	}

	private static final int CUT_AFTER = 1000;

	private final ServerSocket server;

	private final URI upstream;

	private final Set<Socket> open = ConcurrentHashMap.newKeySet();

	private final AtomicInteger faultyConnections = new AtomicInteger();

	private volatile Fault fault = Fault.NONE;

	private final Thread acceptor;

	private FaultyProxy(ServerSocket server, URI upstream) {
		this.server = server;
		this.upstream = upstream;
		this.acceptor = daemon(this::accept);
	}

	public static FaultyProxy start(URI upstream) throws IOException {
		return new FaultyProxy(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), upstream);
	}

	public URI endpoint() {
		return URI.create("http://127.0.0.1:" + this.server.getLocalPort());
	}

	/** From now on, every new connection meets {@code fault}. */
	public void fail(Fault fault) {
		fail(fault, Integer.MAX_VALUE);
	}

	/** The next {@code connections} connections meet {@code fault}, later ones none. */
	public void fail(Fault fault, int connections) {
		this.fault = fault;
		this.faultyConnections.set(connections);
		closeOpen();
	}

	/** Bytes pass again. */
	public void heal() {
		fail(Fault.NONE, 0);
	}

	private void accept() {
		while (!this.server.isClosed()) {
			try {
				Socket client = this.server.accept();
				this.open.add(client);
				Fault current = (this.faultyConnections.getAndDecrement() > 0) ? this.fault : Fault.NONE;
				daemon(() -> handle(client, current));
			}
			catch (IOException ex) {
				// Closed: the proxy stops.
			}
		}
	}

	private void handle(Socket client, Fault fault) {
		try (client) {
			switch (fault) {
				case UNAVAILABLE -> {
					readHead(client.getInputStream());
					answer503(client);
				}
				case STALL -> client.getInputStream().transferTo(OutputStream.nullOutputStream());
				case NONE, CUT -> pipe(client, new byte[0], fault == Fault.CUT);
				case REFUSE_WRITES -> {
					String head = readHead(client.getInputStream());
					if (head.startsWith("PUT ") || head.startsWith("POST ")) {
						answer503(client);
					}
					else {
						// The upstream closes after its answer, so the client's next
						// request comes on a new connection, which is looked at again.
						pipe(client, (head.substring(0, head.length() - 2) + "Connection: close\r\n\r\n")
							.getBytes(StandardCharsets.ISO_8859_1), false);
					}
				}
			}
		}
		catch (IOException ex) {
			// A connection the proxy or either side closed: nothing to report.
		}
		finally {
			this.open.remove(client);
		}
	}

	private static void answer503(Socket client) throws IOException {
		byte[] body = "<Error><Code>SlowDown</Code><Message>injected</Message></Error>"
			.getBytes(StandardCharsets.UTF_8);
		OutputStream out = client.getOutputStream();
		out.write(("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/xml\r\nContent-Length: " + body.length
				+ "\r\nConnection: close\r\n\r\n")
			.getBytes(StandardCharsets.US_ASCII));
		out.write(body);
		out.flush();
	}

	private void pipe(Socket client, byte[] head, boolean cut) throws IOException {
		try (Socket server = new Socket(this.upstream.getHost(), this.upstream.getPort())) {
			this.open.add(server);
			server.getOutputStream().write(head);
			Thread upstreamWriter = daemon(() -> {
				try {
					client.getInputStream().transferTo(server.getOutputStream());
				}
				catch (IOException ex) {
					// Either side closed.
				}
			});
			InputStream in = server.getInputStream();
			OutputStream out = client.getOutputStream();
			byte[] buffer = new byte[8192];
			long sent = 0;
			int read;
			while ((read = in.read(buffer)) >= 0) {
				int length = cut ? (int) Math.min(read, CUT_AFTER - sent) : read;
				out.write(buffer, 0, length);
				out.flush();
				sent += length;
				if (cut && sent >= CUT_AFTER) {
					break;
				}
			}
			upstreamWriter.interrupt();
		}
	}

	private static Thread daemon(Runnable task) {
		Thread thread = new Thread(task, "faulty-proxy");
		thread.setDaemon(true);
		thread.start();
		return thread;
	}

	private static String readHead(InputStream in) throws IOException {
		StringBuilder head = new StringBuilder();
		int matched = 0;
		byte[] end = { '\r', '\n', '\r', '\n' };
		int next;
		while (matched < end.length && (next = in.read()) >= 0) {
			head.append((char) next);
			matched = (next == end[matched]) ? matched + 1 : ((next == '\r') ? 1 : 0);
		}
		return head.toString();
	}

	private void closeOpen() {
		for (Socket socket : this.open) {
			try {
				socket.close();
			}
			catch (IOException ex) {
				// Already closed.
			}
		}
	}

	@Override
	public void close() throws IOException {
		this.server.close();
		closeOpen();
		this.acceptor.interrupt();
	}

}

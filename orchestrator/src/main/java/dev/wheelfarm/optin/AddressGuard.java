package dev.wheelfarm.optin;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLSocketFactory;

import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.TransportHttp;
import org.eclipse.jgit.transport.http.HttpConnection;
import org.eclipse.jgit.transport.http.HttpConnectionFactory;
import org.eclipse.jgit.transport.http.JDKHttpConnection;
import org.eclipse.jgit.transport.http.JDKHttpConnectionFactory;

import org.springframework.stereotype.Component;

/**
 * Keeps registrations from turning the farm into a probe of its own network. A repository
 * host must resolve, and to public addresses only ({@link InternalAddresses}), unless the
 * operator allowed it by name ({@code wheelfarm.optin.allowed-internal-hosts}). It is
 * checked three times: at registration; before every HTTP connection JGit opens, the
 * first and each one after a redirect ({@link #guard(Transport)}); and on the address a
 * TLS connection actually reached, before a byte is sent, so a name that resolves to a
 * public address when checked and to an internal one when connected (DNS rebinding) is
 * still refused.
 */
@Component
class AddressGuard {

	private final List<AllowedHost> allowed;

	private final JDKHttpConnectionFactory connections = new GuardedConnectionFactory();

	AddressGuard(OptInProperties properties) {
		this.allowed = properties.allowedInternalHosts().stream().map(AllowedHost::parse).toList();
	}

	/**
	 * Checks a repository URL's host before anything connects to it. {@code file://} URLs
	 * have no host and pass (they are governed by
	 * {@code wheelfarm.optin.allow-file-urls}).
	 * @throws AddressRefusedException with the reason for the maintainer
	 */
	void checkRepository(String url) throws AddressRefusedException {
		URI uri;
		try {
			uri = new URI(url);
		}
		catch (URISyntaxException ex) {
			throw new AddressRefusedException("not a URL: " + ex.getReason());
		}
		String scheme = (uri.getScheme() != null) ? uri.getScheme().toLowerCase(Locale.ROOT) : "";
		if (scheme.equals("file")) {
			return;
		}
		if (uri.getHost() == null) {
			throw new AddressRefusedException("the repository URL has no host");
		}
		checkTarget(scheme, uri.getHost(), (uri.getPort() >= 0) ? uri.getPort() : defaultPort(scheme));
	}

	/** Makes every HTTP connection of a JGit transport go through the checks. */
	void guard(Transport transport) {
		if (transport instanceof TransportHttp http) {
			http.setHttpConnectionFactory(connectionFactory());
		}
	}

	/** The JGit connection factory that checks every connection it opens. */
	HttpConnectionFactory connectionFactory() {
		return this.connections;
	}

	/**
	 * The check before a connection: an allowed host passes; any other must be https (a
	 * plain http connection cannot be checked once made) and resolve to public addresses
	 * only.
	 */
	void checkTarget(String scheme, String host, int port) throws AddressRefusedException {
		if (allowed(host, port)) {
			return;
		}
		String target = shown(host, port);
		InetAddress[] addresses;
		try {
			addresses = InetAddress.getAllByName(AllowedHost.normalize(host));
		}
		catch (UnknownHostException ex) {
			throw new AddressRefusedException(
					"cannot resolve " + AllowedHost.normalize(host) + ": the repository's host has no address");
		}
		for (InetAddress address : addresses) {
			refuseInternal(target, address);
		}
		if (!"https".equalsIgnoreCase(scheme)) {
			throw new AddressRefusedException(
					"refused to connect to " + scheme + "://" + target + ": repositories are read over https only");
		}
	}

	/**
	 * The check after a connection was made, on the address it reached, before anything
	 * is sent on it.
	 */
	void checkConnected(String host, int port, InetAddress peer) throws AddressRefusedException {
		if (!allowed(host, port)) {
			refuseInternal(shown(host, port), peer);
		}
	}

	private boolean allowed(String host, int port) {
		return this.allowed.stream().anyMatch((entry) -> entry.matches(host, port));
	}

	private static void refuseInternal(String target, InetAddress address) throws AddressRefusedException {
		Optional<String> kind = InternalAddresses.kind(address);
		if (kind.isPresent()) {
			throw new AddressRefusedException(target + " resolves to " + address.getHostAddress()
					+ ", an internal address (" + kind.get() + "): this farm reads repositories on the internet only");
		}
	}

	private static String shown(String host, int port) {
		String bare = AllowedHost.normalize(host);
		return ((bare.indexOf(':') >= 0) ? "[" + bare + "]" : bare) + ":" + port;
	}

	private static int defaultPort(String scheme) {
		return scheme.equals("http") ? 80 : 443;
	}

	/**
	 * JGit's own JDK connections, with the checks: every connection JGit makes (redirects
	 * included: JGit follows them itself, each with a new connection from this factory)
	 * is checked before it is opened, and an https one again on the address it reached.
	 */
	private final class GuardedConnectionFactory extends JDKHttpConnectionFactory {

		@Override
		public HttpConnection create(URL url) throws IOException {
			return create(url, Proxy.NO_PROXY);
		}

		@Override
		public HttpConnection create(URL url, Proxy proxy) throws IOException {
			Proxy route = (proxy != null) ? proxy : Proxy.NO_PROXY;
			String scheme = url.getProtocol().toLowerCase(Locale.ROOT);
			int port = (url.getPort() >= 0) ? url.getPort() : url.getDefaultPort();
			checkTarget(scheme, url.getHost(), port);
			// Through a proxy the socket reaches the proxy, not the host: only the check
			// above applies, and the proxy resolves the name.
			boolean direct = route.type() == Proxy.Type.DIRECT;
			URL guarded = new URL(url.getProtocol(), url.getHost(), url.getPort(), url.getFile(),
					new CheckingHandler(direct, url.getHost(), port));
			return new JDKHttpConnection(guarded, route) {
			};
		}

	}

	/**
	 * Opens the JDK's own connection for a URL and, for a direct https connection, hands
	 * it a socket factory that checks the address reached.
	 */
	private final class CheckingHandler extends URLStreamHandler {

		private final boolean direct;

		private final String host;

		private final int port;

		CheckingHandler(boolean direct, String host, int port) {
			this.direct = direct;
			this.host = host;
			this.port = port;
		}

		@Override
		protected URLConnection openConnection(URL url) throws IOException {
			return openConnection(url, Proxy.NO_PROXY);
		}

		@Override
		protected URLConnection openConnection(URL url, Proxy proxy) throws IOException {
			URLConnection connection;
			try {
				// toURI().toURL() is the same URL with the JDK's default handler.
				connection = url.toURI().toURL().openConnection(proxy);
			}
			catch (URISyntaxException ex) {
				throw new IOException("not a URL: " + url, ex);
			}
			if (this.direct && connection instanceof HttpsURLConnection https) {
				https.setSSLSocketFactory(new ConnectedAddressCheck(https.getSSLSocketFactory(), AddressGuard.this,
						this.host, this.port));
			}
			return connection;
		}

	}

	/**
	 * An {@link SSLSocketFactory} that refuses to start TLS on a socket connected to an
	 * internal address. It has no unconnected sockets, so the JDK's https client connects
	 * a plain socket first and layers TLS on it here, where the peer address is known and
	 * nothing has been sent yet.
	 */
	static final class ConnectedAddressCheck extends SSLSocketFactory {

		private final SSLSocketFactory delegate;

		private final AddressGuard guard;

		private final String host;

		private final int port;

		ConnectedAddressCheck(SSLSocketFactory delegate, AddressGuard guard, String host, int port) {
			this.delegate = delegate;
			this.guard = guard;
			this.host = host;
			this.port = port;
		}

		@Override
		public Socket createSocket(Socket socket, String host, int port, boolean autoClose) throws IOException {
			return this.delegate.createSocket(checked(socket), host, port, autoClose);
		}

		@Override
		public Socket createSocket(String host, int port) throws IOException {
			return checked(this.delegate.createSocket(host, port));
		}

		@Override
		public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
			return checked(this.delegate.createSocket(host, port, localHost, localPort));
		}

		@Override
		public Socket createSocket(InetAddress host, int port) throws IOException {
			return checked(this.delegate.createSocket(host, port));
		}

		@Override
		public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
				throws IOException {
			return checked(this.delegate.createSocket(address, port, localAddress, localPort));
		}

		@Override
		public String[] getDefaultCipherSuites() {
			return this.delegate.getDefaultCipherSuites();
		}

		@Override
		public String[] getSupportedCipherSuites() {
			return this.delegate.getSupportedCipherSuites();
		}

		private Socket checked(Socket socket) throws IOException {
			try {
				InetAddress peer = socket.getInetAddress();
				if (peer == null) {
					throw new AddressRefusedException(
							"the connection to " + shown(this.host, this.port) + " has no peer address to check");
				}
				this.guard.checkConnected(this.host, this.port, peer);
				return socket;
			}
			catch (AddressRefusedException ex) {
				socket.close();
				throw ex;
			}
		}

	}

}

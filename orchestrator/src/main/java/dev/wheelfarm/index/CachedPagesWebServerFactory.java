package dev.wheelfarm.index;

import java.util.function.UnaryOperator;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;

import org.springframework.boot.jetty.JettyWebServer;
import org.springframework.boot.jetty.servlet.JettyServletWebServerFactory;

/**
 * Spring Boot's Jetty factory with {@link CachedPageHandler} as the server's first
 * handler. Boot wraps the handler chain in a {@code StatisticsHandler} (graceful
 * shutdown's count of active requests) after every {@code JettyServerCustomizer} has run,
 * so a customizer can only get behind it, where every cached page paid for its request
 * and response wrappers and its counters (docs/benchmarks.md, "Index"). The server is
 * handed to Boot's web server with the handler in front, just before Boot starts it.
 */
final class CachedPagesWebServerFactory extends JettyServletWebServerFactory {

	private final UnaryOperator<Handler> front;

	/**
	 * @param front wraps the handler chain Boot built in the handler to run first
	 */
	CachedPagesWebServerFactory(UnaryOperator<Handler> front) {
		this.front = front;
	}

	@Override
	protected JettyWebServer getJettyWebServer(Server server) {
		server.setHandler(this.front.apply(server.getHandler()));
		return super.getJettyWebServer(server);
	}

}

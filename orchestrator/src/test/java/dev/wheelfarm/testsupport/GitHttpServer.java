package dev.wheelfarm.testsupport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee11.servlet.FilterHolder;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.errors.RepositoryNotFoundException;
import org.eclipse.jgit.http.server.GitServlet;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.UploadPack;

/**
 * A git server as GitHub is one for the installer: JGit's smart-HTTP {@link GitServlet}
 * in an embedded Jetty on 127.0.0.1, serving the bare repositories under a directory at
 * {@code /git/owner/name.git}, fetch and push, behind HTTP Basic authentication that
 * takes one token as the password (any user name, as GitHub does for tokens).
 */
public final class GitHttpServer implements AutoCloseable {

	private final Server server;

	private final Path root;

	private final List<Integer> statuses = new CopyOnWriteArrayList<>();

	private GitHttpServer(Server server, Path root) {
		this.server = server;
		this.root = root;
	}

	/**
	 * Starts a server for the repositories under {@code root}, accepting {@code token}.
	 */
	public static GitHttpServer start(Path root, String token) {
		Server server = new Server(new InetSocketAddress("127.0.0.1", 0));
		GitHttpServer git = new GitHttpServer(server, root);
		GitServlet servlet = new GitServlet();
		servlet.setRepositoryResolver((request, name) -> git.open(name));
		// Authentication is the filter's job; whoever passed it may fetch and push.
		servlet.setReceivePackFactory((request, repository) -> new ReceivePack(repository));
		servlet.setUploadPackFactory((request, repository) -> new UploadPack(repository));
		ServletContextHandler context = new ServletContextHandler("/");
		context.addServlet(new ServletHolder(servlet), "/git/*");
		context.addFilter(new FilterHolder(new BasicAuth(token, git.statuses)), "/*",
				EnumSet.of(DispatcherType.REQUEST));
		server.setHandler(context);
		try {
			server.start();
		}
		catch (Exception ex) { // Jetty's start() declares Exception; a test cannot go on
								// without it
			throw new IllegalStateException("cannot start the git server", ex);
		}
		return git;
	}

	/** Creates an empty bare repository {@code owner/name} with {@code main} as HEAD. */
	public Path createRepository(String ownerAndName) {
		Path bare = this.root.resolve(ownerAndName + ".git");
		try {
			Files.createDirectories(bare.getParent());
			Git.init().setBare(true).setDirectory(bare.toFile()).setInitialBranch("main").call().close();
		}
		catch (IOException | GitAPIException ex) {
			throw new IllegalStateException("cannot create " + bare, ex);
		}
		return bare;
	}

	/** The root to set {@code wheelfarm.github.git-url} to. */
	public String gitUrl() {
		return "http://127.0.0.1:" + ((ServerConnector) this.server.getConnectors()[0]).getLocalPort() + "/git/";
	}

	/** How many requests were refused for missing or wrong credentials. */
	public long unauthorized() {
		return this.statuses.stream().filter((status) -> status == 401).count();
	}

	private Repository open(String name) throws RepositoryNotFoundException {
		Path dir = this.root.resolve(name).normalize();
		if (!dir.startsWith(this.root) || !Files.isDirectory(dir)) {
			throw new RepositoryNotFoundException(name);
		}
		try {
			return new FileRepositoryBuilder().setGitDir(dir.toFile()).setMustExist(true).build();
		}
		catch (IOException ex) {
			throw new RepositoryNotFoundException(name, ex);
		}
	}

	@Override
	public void close() {
		try {
			this.server.stop();
		}
		catch (Exception ex) { // Jetty's stop() declares Exception; rethrown so a leak
								// fails the test
			throw new IllegalStateException("cannot stop the git server", ex);
		}
	}

	/** HTTP Basic with the token as the password, as GitHub takes it. */
	private static final class BasicAuth implements Filter {

		private final String token;

		private final List<Integer> statuses;

		BasicAuth(String token, List<Integer> statuses) {
			this.token = token;
			this.statuses = statuses;
		}

		@Override
		public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
				throws IOException, ServletException {
			String header = ((HttpServletRequest) request).getHeader("Authorization");
			if (!authorized(header)) {
				this.statuses.add(401);
				HttpServletResponse http = (HttpServletResponse) response;
				http.setHeader("WWW-Authenticate", "Basic realm=\"GitHub\"");
				http.sendError(401);
				return;
			}
			this.statuses.add(200);
			chain.doFilter(request, response);
		}

		private boolean authorized(String header) {
			if (header == null || !header.startsWith("Basic ")) {
				return false;
			}
			String decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
			int colon = decoded.indexOf(':');
			return colon > 0 && decoded.substring(colon + 1).equals(this.token);
		}

	}

}

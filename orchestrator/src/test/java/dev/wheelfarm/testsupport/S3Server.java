package dev.wheelfarm.testsupport;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

import dev.wheelfarm.artifacts.BlobStoreConfiguration;
import dev.wheelfarm.artifacts.BlobsProperties;
import software.amazon.awssdk.services.s3.S3Client;

import org.springframework.util.unit.DataSize;

/**
 * A real S3 API server for tests: s3proxy ({@code org.gaul:s3proxy}) on its filesystem
 * backend, in this JVM, on 127.0.0.1 and a free port, checking AWS signatures (v2 and v4)
 * against {@link #ACCESS_KEY}/{@link #SECRET_KEY}.
 * <p>
 * s3proxy runs on Jetty 11 and the farm on Jetty 12, so it is loaded from its
 * self-contained jar (copied to {@code target/s3proxy/} by the build) in a class loader
 * of its own, and driven through the few calls its {@code Main} makes. Start one per test
 * class ({@code @BeforeAll}); {@link #createBucket} gives each test a bucket.
 */
public final class S3Server implements AutoCloseable {

	public static final String ACCESS_KEY = "wheelfarm-test";

	public static final String SECRET_KEY = "wheelfarm-test-secret";

	static final Path JAR = Path.of("target", "s3proxy", "s3proxy.jar");

	private final URLClassLoader loader;

	private final Object blobStore;

	private final Object proxy;

	private Object anonymous;

	private final URI endpoint;

	private final S3Client client;

	private S3Server(URLClassLoader loader, Object blobStore, Object proxy, int port) {
		this.loader = loader;
		this.blobStore = blobStore;
		this.proxy = proxy;
		this.endpoint = URI.create("http://127.0.0.1:" + port);
		this.client = client(endpoint);
	}

	/** Starts s3proxy keeping its buckets under {@code directory}. */
	public static S3Server start(Path directory) throws IOException {
		if (!Files.isRegularFile(JAR)) {
			throw new IllegalStateException(JAR.toAbsolutePath()
					+ " is missing: the build copies it (mvn generate-test-resources in orchestrator/)");
		}
		Files.createDirectories(directory);
		// s3proxy's own logback configuration draws a warning that makes logback print
		// its
		// whole start-up status; the server's log lines themselves stay.
		System.setProperty("logback.statusListenerClass", "ch.qos.logback.core.status.NopStatusListener");
		URLClassLoader loader = new URLClassLoader(new URL[] { url(JAR) }, ClassLoader.getPlatformClassLoader());
		Thread thread = Thread.currentThread();
		ClassLoader previous = thread.getContextClassLoader();
		// jclouds finds its providers through the context class loader, and the threads
		// Jetty starts inherit it.
		thread.setContextClassLoader(loader);
		try {
			Properties overrides = new Properties();
			overrides.setProperty("jclouds.filesystem.basedir", directory.toAbsolutePath().toString());
			Class<?> contextBuilder = loader.loadClass("org.jclouds.ContextBuilder");
			Object builder = contextBuilder.getMethod("newBuilder", String.class).invoke(null, "filesystem");
			contextBuilder.getMethod("overrides", Properties.class).invoke(builder, overrides);
			Class<?> contextType = loader.loadClass("org.jclouds.blobstore.BlobStoreContext");
			Object context = contextBuilder.getMethod("build", Class.class).invoke(builder, contextType);
			Object blobStore = contextType.getMethod("getBlobStore").invoke(context);

			Object proxy = launch(loader, blobStore, "AWS_V2_OR_V4");
			return new S3Server(loader, blobStore, proxy, port(proxy));
		}
		catch (ReflectiveOperationException ex) {
			loader.close();
			throw new IllegalStateException("s3proxy did not start: " + rootMessage(ex), ex);
		}
		finally {
			thread.setContextClassLoader(previous);
		}
	}

	/** The S3 API's URL ({@code http://127.0.0.1:<port>}). */
	public URI endpoint() {
		return this.endpoint;
	}

	/** An SDK client with the server's credentials, for set-up and for checks. */
	public S3Client client() {
		return this.client;
	}

	/** Creates a bucket, private as buckets are. */
	public void createBucket(String bucket) {
		this.client.createBucket((request) -> request.bucket(bucket));
	}

	/**
	 * Where anyone reads {@code bucket}'s objects without credentials: what a CDN in
	 * front of the bucket is to its users. A second s3proxy over the same storage,
	 * without authentication (started on first use); the farm never writes through it.
	 */
	public URI publicUrl(String bucket) {
		if (this.anonymous == null) {
			Thread thread = Thread.currentThread();
			ClassLoader previous = thread.getContextClassLoader();
			thread.setContextClassLoader(this.loader);
			try {
				this.anonymous = launch(this.loader, this.blobStore, "NONE");
			}
			catch (ReflectiveOperationException ex) {
				throw new IllegalStateException("the anonymous s3proxy did not start: " + rootMessage(ex), ex);
			}
			finally {
				thread.setContextClassLoader(previous);
			}
		}
		try {
			return URI.create("http://127.0.0.1:" + port(this.anonymous) + "/" + bucket + "/");
		}
		catch (ReflectiveOperationException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static Object launch(ClassLoader loader, Object blobStore, String authenticationType)
			throws ReflectiveOperationException {
		Class<?> s3proxy = loader.loadClass("org.gaul.s3proxy.S3Proxy");
		Object proxyBuilder = s3proxy.getMethod("builder").invoke(null);
		Class<?> builderType = proxyBuilder.getClass();
		builderType.getMethod("blobStore", loader.loadClass("org.jclouds.blobstore.BlobStore"))
			.invoke(proxyBuilder, blobStore);
		builderType.getMethod("endpoint", URI.class).invoke(proxyBuilder, URI.create("http://127.0.0.1:0"));
		Class<?> authentication = loader.loadClass("org.gaul.s3proxy.AuthenticationType");
		builderType.getMethod("awsAuthentication", authentication, String.class, String.class)
			.invoke(proxyBuilder, enumConstant(authentication, authenticationType), ACCESS_KEY, SECRET_KEY);
		Object proxy = builderType.getMethod("build").invoke(proxyBuilder);
		s3proxy.getMethod("start").invoke(proxy);
		return proxy;
	}

	private static int port(Object proxy) throws ReflectiveOperationException {
		return (int) proxy.getClass().getMethod("getPort").invoke(proxy);
	}

	/**
	 * The farm's settings for a store in {@code bucket} on {@code endpoint} (this server,
	 * or a proxy in front of it).
	 */
	public static Map<String, String> farmProperties(URI endpoint, String bucket) {
		Map<String, String> properties = new LinkedHashMap<>();
		properties.put("wheelfarm.blobs.store", "s3");
		properties.put("wheelfarm.blobs.s3.endpoint", endpoint.toString());
		properties.put("wheelfarm.blobs.s3.bucket", bucket);
		properties.put("wheelfarm.blobs.s3.path-style-access", "true");
		properties.put("wheelfarm.blobs.s3.access-key-id", ACCESS_KEY);
		properties.put("wheelfarm.blobs.s3.secret-access-key", SECRET_KEY);
		return properties;
	}

	/** {@link #farmProperties(URI, String)} for this server. */
	public Map<String, String> farmProperties(String bucket) {
		return farmProperties(this.endpoint, bucket);
	}

	@Override
	public void close() throws IOException {
		this.client.close();
		try {
			if (this.anonymous != null) {
				this.anonymous.getClass().getMethod("stop").invoke(this.anonymous);
			}
			this.proxy.getClass().getMethod("stop").invoke(this.proxy);
		}
		catch (ReflectiveOperationException ex) {
			throw new IOException("s3proxy did not stop: " + rootMessage(ex), ex);
		}
		finally {
			this.loader.close();
		}
	}

	private static S3Client client(URI endpoint) {
		return BlobStoreConfiguration.s3Client(new BlobsProperties.S3(endpoint, "us-east-1", null, "", true, ACCESS_KEY,
				SECRET_KEY, Duration.ofSeconds(5), Duration.ofSeconds(30), DataSize.ofMegabytes(16)));
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	private static Object enumConstant(Class<?> type, String name) {
		return Enum.valueOf((Class<Enum>) type, name);
	}

	private static URL url(Path jar) {
		try {
			return jar.toUri().toURL();
		}
		catch (MalformedURLException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static String rootMessage(Throwable ex) {
		Throwable root = (ex instanceof InvocationTargetException invocation) ? invocation.getCause() : ex;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		return root.getClass().getSimpleName() + ": " + root.getMessage();
	}

}

package dev.wheelfarm.dispatch.install;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import dev.wheelfarm.shared.Sha256;

import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

/**
 * What the farm installs into its build repository: the workflow files and the worker,
 * keyed by their path in that repository, read from the jar.
 *
 * <p>
 * Its {@link #contentHash()} is part of every build's recipe fingerprint: a new worker or
 * workflow is a new recipe, so permanent failures of the old one may be retried.
 */
public final class WorkflowBundle {

	/** Where the workflow files go: the only place GitHub looks for them. */
	public static final String WORKFLOWS_DIR = ".github/workflows/";

	/** Where the worker goes; the workflow runs it from here. */
	public static final String WORKER_DIR = ".wheelfarm/worker/";

	private final SortedMap<String, byte[]> files;

	WorkflowBundle(Map<String, byte[]> files) {
		if (files.isEmpty()) {
			throw new IllegalArgumentException("a workflow bundle needs files");
		}
		SortedMap<String, byte[]> copy = new TreeMap<>();
		files.forEach((path, bytes) -> copy.put(checkedPath(path), bytes.clone()));
		this.files = copy;
	}

	/**
	 * The bundle shipped in this jar (worker-templates/ and workflows/ of the source
	 * tree).
	 */
	public static WorkflowBundle fromClasspath() {
		PathMatchingResourcePatternResolver resolver = new PathMatchingResourcePatternResolver(
				WorkflowBundle.class.getClassLoader());
		Map<String, byte[]> files = new TreeMap<>();
		try {
			for (Resource resource : resolver.getResources("classpath*:wheelfarm/workflows/*.yml")) {
				files.put(WORKFLOWS_DIR + resource.getFilename(), read(resource));
			}
			for (Resource resource : resolver.getResources("classpath*:wheelfarm/worker-templates/*")) {
				if (resource.isReadable()) {
					files.put(WORKER_DIR + resource.getFilename(), read(resource));
				}
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot read the workflow bundle from the classpath", ex);
		}
		return new WorkflowBundle(files);
	}

	/** Repository path to content, sorted by path. */
	public SortedMap<String, byte[]> files() {
		SortedMap<String, byte[]> copy = new TreeMap<>();
		this.files.forEach((path, bytes) -> copy.put(path, bytes.clone()));
		return copy;
	}

	/**
	 * sha256 over the sorted paths and their bytes, each length-prefixed so that no two
	 * different bundles can hash alike by moving bytes between a path and its content.
	 */
	public String contentHash() {
		Sha256.Hasher digest = Sha256.hasher();
		this.files.forEach((path, bytes) -> {
			byte[] name = path.getBytes(StandardCharsets.UTF_8);
			digest.update(ByteBuffer.allocate(8).putLong(name.length).array());
			digest.update(name);
			digest.update(ByteBuffer.allocate(8).putLong(bytes.length).array());
			digest.update(bytes);
		});
		return digest.finish().hex();
	}

	private static String checkedPath(String path) {
		boolean allowed = (path.startsWith(WORKFLOWS_DIR) || path.startsWith(WORKER_DIR))
				&& path.indexOf('/', path.startsWith(WORKFLOWS_DIR) ? WORKFLOWS_DIR.length() : WORKER_DIR.length()) < 0
				&& !path.endsWith("/") && !path.contains("..");
		if (!allowed) {
			throw new IllegalArgumentException("not a path the installer manages: " + path);
		}
		return path;
	}

	private static byte[] read(Resource resource) throws IOException {
		try (InputStream in = resource.getInputStream()) {
			return in.readAllBytes();
		}
	}

}

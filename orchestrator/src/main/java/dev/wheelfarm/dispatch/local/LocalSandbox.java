package dev.wheelfarm.dispatch.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import dev.wheelfarm.dispatch.local.SandboxProperties.Mode;

/**
 * One farm's sandbox for its local builds: the operator's settings and the paths the
 * sandbox hides, turned into the worker's {@code --sandbox*} arguments (the worker builds
 * the bubblewrap command line itself, see worker-templates/wheelfarm_worker.py).
 */
public final class LocalSandbox {

	/** Directories the builds need: never hidden, whatever the farm's layout. */
	private static final Set<String> SYSTEM = Set.of("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib64", "/opt", "/var",
			"/tmp", "/srv");

	private final SandboxProperties properties;

	private final List<Path> hidden;

	private final Path workRoot;

	/**
	 * @param properties the operator's settings
	 * @param farmPaths what the farm itself keeps (its data directory, its working
	 * directory): hidden from every build
	 */
	public LocalSandbox(SandboxProperties properties, List<Path> farmPaths) {
		this.properties = properties;
		Set<Path> paths = new LinkedHashSet<>();
		farmPaths.forEach((path) -> paths.add(path.toAbsolutePath().normalize()));
		properties.hidden().forEach((path) -> paths.add(path.toAbsolutePath().normalize()));
		// A farm started from / or /usr must not hide the system its builds run on.
		paths.removeIf((path) -> path.getNameCount() == 0 || SYSTEM.contains(path.toString()));
		this.hidden = List.copyOf(paths);
		this.workRoot = properties.workDirectory().isBlank()
				? Path.of(System.getProperty("java.io.tmpdir"), "wheelfarm-builds")
				: Path.of(properties.workDirectory()).toAbsolutePath().normalize();
	}

	public boolean enabled() {
		return this.properties.mode() == Mode.BUBBLEWRAP;
	}

	public SandboxProperties properties() {
		return this.properties;
	}

	public List<Path> hidden() {
		return this.hidden;
	}

	/**
	 * The work directory of a run: under the farm's data directory when unsandboxed; in
	 * the sandbox, under the work root, which the sandbox's user can traverse (the data
	 * directory is private to the farm's user, and bubblewrap runs as the sandbox's).
	 */
	public Path workDirectory(Path runDirectory) {
		if (!enabled()) {
			return runDirectory.resolve("work");
		}
		// The runs root of another farm on this machine may hold a run of the same id.
		String farm = Integer.toHexString(runDirectory.toAbsolutePath().normalize().getParent().hashCode());
		return workRoot().resolve(runDirectory.getFileName() + "-" + farm);
	}

	/** The work root, made traversable but not listable by others (mode 0711). */
	private Path workRoot() {
		try {
			if (!Files.isDirectory(this.workRoot, LinkOption.NOFOLLOW_LINKS)) {
				Files.createDirectories(this.workRoot);
			}
			Files.setPosixFilePermissions(this.workRoot, PosixFilePermissions.fromString("rwx--x--x"));
			return this.workRoot;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot prepare the sandbox's work root " + this.workRoot, ex);
		}
	}

	/** The worker's arguments that put its build tools in this sandbox. */
	public List<String> workerArguments() {
		if (!enabled()) {
			return List.of();
		}
		List<String> arguments = new ArrayList<>(List.of("--sandbox", "bwrap", "--bwrap", this.properties.bwrap(),
				"--sandbox-uid", Integer.toString(this.properties.uid()), "--sandbox-gid",
				Integer.toString(this.properties.gid()), "--limit-memory",
				Long.toString(this.properties.memory().toBytes()), "--limit-processes",
				Integer.toString(this.properties.processes()), "--limit-file-size",
				Long.toString(this.properties.fileSize().toBytes()), "--limit-tmp-size",
				Long.toString(this.properties.tmpSize().toBytes())));
		for (Path path : this.hidden) {
			arguments.add("--hide");
			arguments.add(path.toString());
		}
		return arguments;
	}

	/** One line for the health page and the log. */
	public String describe() {
		if (!enabled()) {
			return "local builds run UNSANDBOXED (wheelfarm.local.sandbox.mode=unsandboxed): "
					+ "an sdist's code runs as the farm's own user and can read what the farm can";
		}
		return "local builds run in a bubblewrap sandbox (" + this.properties.bwrap() + ") as " + this.properties.uid()
				+ ":" + this.properties.gid() + ", network: the package index only";
	}

}

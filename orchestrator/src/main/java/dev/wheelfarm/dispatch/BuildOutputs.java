package dev.wheelfarm.dispatch;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import dev.wheelfarm.builds.Build;
import dev.wheelfarm.builds.BuildSucceeded.BuiltWheel;
import dev.wheelfarm.database.DataDirectoryProperties;
import dev.wheelfarm.shared.InvalidWheelFilenameException;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.shared.Version;
import dev.wheelfarm.shared.WheelFilename;

import org.springframework.stereotype.Component;

/**
 * Where a run's outputs land, and the checks that make the orchestrator believe them: a
 * worker's {@code result.json} is its account, not evidence. Each wheel it lists must be
 * a plain file of the run's directory, hash to what it says, and be named for the build's
 * project and version.
 */
@Component
public class BuildOutputs {

	private final Path root;

	public BuildOutputs(DataDirectoryProperties dataDirectory) {
		this.root = dataDirectory.dataDir().resolve("builds");
	}

	/** Where the outputs of the build's current attempt were collected. */
	public Path directory(Build build) {
		return this.root.resolve(Long.toString(build.id())).resolve(build.requestId());
	}

	/** An empty directory for the outputs of the build's current attempt. */
	public Path freshDirectory(Build build) {
		Path directory = directory(build);
		try {
			if (Files.exists(directory)) {
				deleteTree(directory);
			}
			return Files.createDirectories(directory);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot prepare " + directory, ex);
		}
	}

	/**
	 * Checks the wheels a successful run listed.
	 * @param build the build the run was for
	 * @param declared what the worker said it produced
	 * @param directory where the run's outputs were collected
	 * @return the wheels, hashed by the orchestrator
	 * @throws InvalidOutputException naming the first wheel that fails a check
	 */
	public List<BuiltWheel> verify(Build build, List<DeclaredWheel> declared, Path directory)
			throws InvalidOutputException {
		if (declared.isEmpty()) {
			throw new InvalidOutputException("the run reported success but listed no wheel");
		}
		ProjectName project = ProjectName.of(build.project());
		Version version = Version.tryParse(build.version()).orElse(null);
		List<BuiltWheel> wheels = new ArrayList<>();
		for (DeclaredWheel wheel : declared) {
			wheels.add(verifyOne(wheel, project, version, build.version(), directory));
		}
		return wheels;
	}

	private BuiltWheel verifyOne(DeclaredWheel declared, ProjectName project, Version version, String rawVersion,
			Path directory) throws InvalidOutputException {
		WheelFilename name;
		try {
			name = WheelFilename.parse(declared.filename());
		}
		catch (InvalidWheelFilenameException ex) {
			throw new InvalidOutputException(ex.getMessage());
		}
		if (!name.projectName().equals(project)) {
			throw new InvalidOutputException(declared.filename() + " is not a wheel of " + project);
		}
		boolean sameVersion = (version != null) ? name.version().equals(version)
				: name.version().toString().equals(rawVersion);
		if (!sameVersion) {
			throw new InvalidOutputException(declared.filename() + " is not a wheel of version " + rawVersion);
		}
		Path file = locate(directory, declared.filename());
		try (InputStream in = Files.newInputStream(file)) {
			Sha256 actual = Sha256.digest(in);
			if (!actual.matches(Sha256.of(declared.sha256()))) {
				throw new InvalidOutputException(
						declared.filename() + " hashes to " + actual.hex() + ", not the declared " + declared.sha256());
			}
			return new BuiltWheel(declared.filename(), file, actual, Files.size(file));
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidOutputException(declared.filename() + ": " + ex.getMessage());
		}
		catch (IOException ex) {
			throw new InvalidOutputException("cannot read " + declared.filename() + ": " + ex.getMessage());
		}
	}

	/**
	 * The wheel's file anywhere below the run's directory: engines lay artifacts out
	 * differently.
	 */
	private static Path locate(Path directory, String filename) throws InvalidOutputException {
		try (Stream<Path> files = Files.walk(directory)) {
			List<Path> matches = files.filter((path) -> path.getFileName().toString().equals(filename))
				.filter((path) -> Files.isRegularFile(path, java.nio.file.LinkOption.NOFOLLOW_LINKS))
				.toList();
			if (matches.size() != 1) {
				throw new InvalidOutputException(
						filename + (matches.isEmpty() ? " is not among the run's outputs" : " appears more than once"));
			}
			return matches.get(0);
		}
		catch (IOException ex) {
			throw new InvalidOutputException("cannot list the run's outputs: " + ex.getMessage());
		}
	}

	private static void deleteTree(Path directory) throws IOException {
		try (Stream<Path> paths = Files.walk(directory)) {
			for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
				Files.delete(path);
			}
		}
	}

	/**
	 * A wheel as a worker declared it.
	 *
	 * @param filename the wheel's filename
	 * @param sha256 the hash the worker computed
	 */
	public record DeclaredWheel(String filename, String sha256) {

	}

	/** A run's outputs do not hold up. */
	public static class InvalidOutputException extends Exception {

		private static final long serialVersionUID = 1L;

		public InvalidOutputException(String message) {
			super(message);
		}

	}

}

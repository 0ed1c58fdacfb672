package dev.wheelfarm.dispatch.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Writes tiny real projects and packs them as sdists ({@code name-version/} with
 * {@code PKG-INFO} at its top), using Python's tarfile so that the archives are what
 * setuptools and hatchling would produce.
 */
public final class Sdists {

	/** Debian's interpreter: it has the offline build toolchain installed by apt. */
	public static final String PYTHON = "/usr/bin/python3";

	private Sdists() {
	}

	public static final Map<String, String> PURE_SETUPTOOLS = pure("purepkg", "1.0");

	/** A pure setuptools project of that name and version. */
	public static Map<String, String> pure(String name, String version) {
		return Map.of("pyproject.toml", """
				[build-system]
				requires = ["setuptools"]
				build-backend = "setuptools.build_meta"

				[project]
				name = "%s"
				version = "%s"
				""".formatted(name, version), "src/" + name.replace('-', '_') + "/__init__.py", "ANSWER = 42\n");
	}

	static final Map<String, String> HATCHLING = Map.of("pyproject.toml", """
			[build-system]
			requires = ["hatchling"]
			build-backend = "hatchling.build"

			[project]
			name = "hatchpkg"
			version = "0.3"
			""", "hatchpkg/__init__.py", "NAME = 'hatch'\n");

	public static final Map<String, String> C_EXTENSION = Map.of("setup.py", """
			from setuptools import setup, Extension
			setup(name="cext", version="2.0", ext_modules=[Extension("cext", ["cext.c"])])
			""", "cext.c", """
			#include <Python.h>
			static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "cext", NULL, -1, NULL};
			PyMODINIT_FUNC PyInit_cext(void) { return PyModule_Create(&module); }
			""");

	public static final Map<String, String> MISSING_HEADER = Map.of("setup.py", """
			from setuptools import setup, Extension
			setup(name="needsheader", version="1.1", ext_modules=[Extension("needsheader", ["needsheader.c"])])
			""", "needsheader.c", """
			#include <Python.h>
			#include <wheelfarm_no_such_library.h>
			PyMODINIT_FUNC PyInit_needsheader(void) { return NULL; }
			""");

	/**
	 * A setuptools project with a C extension named after the project. With a
	 * {@code requiredMacro}, the C file compiles only when the compiler is given
	 * {@code -D<macro>} (for example through {@code CFLAGS}); otherwise it includes a
	 * header no system has, as a build missing a system library fails.
	 */
	public static Map<String, String> nativeExtension(String name, String version, String requiredMacro) {
		String module = name.replace('-', '_');
		String guard = (requiredMacro != null)
				? "#ifndef " + requiredMacro + "\n#include <wheelfarm_no_such_library.h>\n#endif\n" : "";
		return Map.of("setup.py", """
				from setuptools import setup, Extension
				setup(name=%s, version=%s, ext_modules=[Extension(%s, [%s])])
				""".formatted(pythonString(name), pythonString(version), pythonString(module),
				pythonString(module + ".c")), module + ".c", """
						#include <Python.h>
						%sstatic struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "%s", NULL, -1, NULL};
						PyMODINIT_FUNC PyInit_%s(void) { return PyModule_Create(&module); }
						""".formatted(guard, module, module));
	}

	static final Map<String, String> BROKEN_SETUP = Map.of("setup.py", """
			from setuptools import setup
			raise RuntimeError("this release's setup.py is broken")
			setup(name="broken", version="0.1")
			""");

	/** A setup.py that records its pid and then hangs: a build that never ends. */
	static Map<String, String> hanging(Path pidFile) {
		return Map.of("setup.py", """
				import os, time
				with open(%s, "w") as handle:
				    handle.write(str(os.getpid()))
				time.sleep(600)
				""".formatted(pythonString(pidFile.toString())));
	}

	/**
	 * A setup.py that says so and then sleeps ten minutes in a child process whose
	 * arguments carry {@code marker}: a build that never ends, whose processes a test
	 * finds by the marker (in the sandbox, its pids and files are its own).
	 */
	static Map<String, String> sleeping(String marker) {
		return Map.of("setup.py", """
				import subprocess
				print("sleeping %s", flush=True)
				subprocess.call(["/bin/sleep", "%s"])
				""".formatted(marker, marker));
	}

	/**
	 * A pure setuptools project whose {@code setup.py} waits until the file {@code gate}
	 * exists before it builds: a build that is certainly still running until the test
	 * creates the file, however loaded the machine, and that ends soon after. It gives up
	 * (a failed build) if the gate stays shut for ten minutes.
	 */
	public static Map<String, String> gated(String name, String version, Path gate) {
		return Map.of("setup.py",
				"""
						import os, time
						deadline = time.monotonic() + 600
						while not os.path.exists(%s):
						    if time.monotonic() > deadline:
						        raise SystemExit("the test never opened the gate")
						    time.sleep(0.05)
						from setuptools import setup
						setup(name=%s, version=%s, packages=[%s], package_dir={"": "src"})
						""".formatted(pythonString(gate.toString()), pythonString(name), pythonString(version),
						pythonString(name.replace('-', '_'))),
				"src/" + name.replace('-', '_') + "/__init__.py", "ANSWER = 42\n");
	}

	/** Opens a gate a {@link #gated} build waits at. */
	public static void open(Path gate) {
		try {
			Files.createDirectories(gate.getParent());
			Files.writeString(gate, "open\n");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Packs {@code files} as {@code <name>-<version>.tar.gz} and returns its bytes. */
	public static byte[] sdist(Path scratch, String name, String version, Map<String, String> files)
			throws IOException, InterruptedException {
		String root = name + "-" + version;
		Path project = scratch.resolve("src-" + root).resolve(root);
		for (Map.Entry<String, String> file : files.entrySet()) {
			Path path = project.resolve(file.getKey());
			Files.createDirectories(path.getParent());
			Files.writeString(path, file.getValue());
		}
		Files.writeString(project.resolve("PKG-INFO"),
				"Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n");
		Path target = scratch.resolve(root + ".tar.gz");
		python(scratch, "import sys, tarfile\n" + "with tarfile.open(sys.argv[1], 'w:gz') as t:\n"
				+ "    t.add(sys.argv[2], arcname=sys.argv[3])\n", target.toString(), project.toString(), root);
		return Files.readAllBytes(target);
	}

	/** An archive with a member that climbs out of the unpack directory. */
	static byte[] escapingSdist(Path scratch) throws IOException, InterruptedException {
		Path target = scratch.resolve("evil-1.0.tar.gz");
		python(scratch, """
				import io, sys, tarfile
				with tarfile.open(sys.argv[1], 'w:gz') as t:
				    for name, data in (('evil-1.0/PKG-INFO', b'Name: evil\\n'), ('evil-1.0/setup.py', b''),
				                       ('evil-1.0/../../wheelfarm-escaped.txt', b'pwned')):
				        info = tarfile.TarInfo(name)
				        info.size = len(data)
				        t.addfile(info, io.BytesIO(data))
				""", target.toString());
		return Files.readAllBytes(target);
	}

	static String sha256(byte[] bytes) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	static String sha256(Path file) throws IOException {
		return sha256(Files.readAllBytes(file));
	}

	private static void python(Path scratch, String script, String... args) throws IOException, InterruptedException {
		Path file = Files.createTempFile(scratch, "make-sdist-", ".py");
		Files.writeString(file, script);
		List<String> command = new java.util.ArrayList<>(List.of(PYTHON, file.toString()));
		command.addAll(List.of(args));
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
			throw new IllegalStateException("making an sdist failed: " + output);
		}
	}

	private static String pythonString(String text) {
		return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
	}

}

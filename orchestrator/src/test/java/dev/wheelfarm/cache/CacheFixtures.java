package dev.wheelfarm.cache;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.List;
import java.util.Map;

import dev.wheelfarm.artifacts.TestWheels;
import dev.wheelfarm.testsupport.Venv;
import dev.wheelfarm.testsupport.Venv;

/**
 * What the cache tests share: wheels made for the stand-in, and a client that asks the
 * cache the way pip does (Basic credentials of a build's grant).
 */
final class CacheFixtures {

	/**
	 * A tiny PEP 517 build backend, as a real wheel: one module whose hooks write a
	 * minimal wheel with the standard library only. Builds that declare it install it
	 * from the cache like any other build requirement.
	 */
	static final String TINY_BACKEND = """
			import base64, hashlib, os, zipfile

			def get_requires_for_build_wheel(config_settings=None):
			    return []

			def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
			    name = "tiny_built-1.0-py3-none-any.whl"
			    files = {"tiny_built/__init__.py": b"", "tiny_built-1.0.dist-info/METADATA":
			             b"Metadata-Version: 2.1\\nName: tiny-built\\nVersion: 1.0\\n",
			             "tiny_built-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}
			    record = ""
			    for path, data in files.items():
			        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
			        record += f"{path},sha256={digest},{len(data)}\\n"
			    record += "tiny_built-1.0.dist-info/RECORD,,\\n"
			    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as archive:
			        for path, data in files.items():
			            archive.writestr(path, data)
			        archive.writestr("tiny_built-1.0.dist-info/RECORD", record)
			    return name
			""";

	private static final HttpClient CLIENT = HttpClient.newHttpClient();

	private CacheFixtures() {
	}

	/** Writes a pure test wheel of {@code name} 1.0 into {@code directory}. */
	static Path wheel(Path directory, String name) throws IOException {
		TestWheels wheel = TestWheels.of(name, "1.0");
		return wheel.write(directory, wheel.filename());
	}

	/** Writes the tiny build backend's wheel into {@code directory}. */
	static Path tinyBackend(Path directory) throws IOException {
		TestWheels wheel = TestWheels.of("tiny-backend", "1.0")
			.member("tiny_backend/__init__.py", TINY_BACKEND.getBytes(StandardCharsets.UTF_8));
		Files.createDirectories(directory);
		return wheel.write(directory, wheel.filename());
	}

	/**
	 * Writes the source tree of a pure setuptools-style project {@code name} 1.0 whose
	 * {@code [build-system] requires} is {@code requires} (a TOML array).
	 */
	static Path project(Path scratch, String name, String requires) throws IOException {
		Path directory = scratch.resolve(name);
		String module = name.replace('-', '_');
		Files.createDirectories(directory.resolve(module));
		Files.writeString(directory.resolve(module).resolve("__init__.py"), "ANSWER = 42\n");
		Files.writeString(directory.resolve("pyproject.toml"), """
				[build-system]
				requires = %s
				build-backend = "setuptools.build_meta"

				[project]
				name = "%s"
				version = "1.0"
				""".formatted(requires, name));
		return directory;
	}

	/**
	 * Debian's {@code python -m build}, isolated: its pip installs the build requirements
	 * from {@code index} only (none of this machine's pip settings, no pip cache).
	 */
	static Venv.Result build(Path project, String index) {
		return Venv.isolated(
				List.of(Venv.PYTHON, "-m", "build", "--wheel", "--outdir", project.resolve("dist").toString(),
						project.toString()),
				project, 600, Map.of("PIP_INDEX_URL", index, "PIP_NO_CACHE_DIR", "1", "PIP_NO_INPUT", "1",
						"PIP_RETRIES", "0", "PIP_NO_COMPILE", "1"));
	}

	/**
	 * GETs {@code url} with a grant's Basic credentials (none when {@code token} is
	 * null).
	 */
	static HttpResponse<byte[]> get(String url, String token, String accept) throws IOException, InterruptedException {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
		if (token != null) {
			request.header("Authorization", "Basic "
					+ Base64.getEncoder().encodeToString(("__token__:" + token).getBytes(StandardCharsets.UTF_8)));
		}
		if (accept != null) {
			request.header("Accept", accept);
		}
		return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
	}

}

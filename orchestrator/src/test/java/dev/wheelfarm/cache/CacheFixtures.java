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

import dev.wheelfarm.artifacts.TestWheels;

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

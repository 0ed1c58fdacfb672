package dev.wheelfarm.uploads;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;

import dev.wheelfarm.artifacts.TestWheels;
import dev.wheelfarm.dispatch.local.Sdists;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.testsupport.IntegrationTest;
import dev.wheelfarm.testsupport.Venv;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real twine (Debian's) uploading to {@code /legacy/} with a project token: acceptance of
 * a wheel and an sdist, and every refusal, each of which must leave the index as it was.
 */
@IntegrationTest
@TestPropertySource(properties = { "wheelfarm.dispatch.enabled=false", "wheelfarm.index.page-cache-ttl=0s" })
class TwineUploadTest extends UploadTestBase {

	static final String TOKEN = "wf-nightly-token-4f1c0e2d9a8b7c6d5e4f3a2b1c0d9e8f";

	static final String OTHER_TOKEN = "wf-other-token-0a1b2c3d4e5f60718293a4b5c6d7e8f9";

	static final String VERSION = "2.0.dev1";

	@Override
	void seed(UploadFixtures rows) {
		rows.optedIn("nightly", "https://github.com/example-org/nightly", "immediate", TOKEN);
		rows.optedIn("otherpkg", "https://github.com/example-org/otherpkg", "immediate", OTHER_TOKEN);
		rows.refused("notoptedin");
	}

	@Test
	void aWheelAndAnSdistUploadedWithTheProjectTokenAreServed() throws Exception {
		Path dir = Files.createDirectories(scratch.resolve("accepted"));
		Path wheel = TestWheels.of("nightly", VERSION).write(dir, "nightly-2.0.dev1-py3-none-any.whl");
		Path sdist = Files.write(dir.resolve("nightly-2.0.dev1.tar.gz"),
				Sdists.sdist(scratch, "nightly", VERSION, Sdists.pure("nightly", VERSION)));
		Venv.Result upload = this.clients.twine(legacy(), TOKEN, wheel, sdist);
		assertThat(upload.exitCode()).as(upload.output()).isZero();
		JsonNode page = simpleJson(url("/simple/nightly/"));
		assertThat(page.path("versions").toString()).contains(VERSION);
		JsonNode wheelFile = file(page, "nightly-2.0.dev1-py3-none-any.whl");
		assertThat(wheelFile.path("hashes").path("sha256").stringValue())
			.isEqualTo(Sha256.digest(Files.readAllBytes(wheel)).hex());
		assertThat(wheelFile.path("core-metadata").isObject()).isTrue();
		JsonNode sdistFile = file(page, "nightly-2.0.dev1.tar.gz");
		assertThat(sdistFile.path("size").longValue()).isEqualTo(Files.size(sdist));
		// The listed URL serves exactly the uploaded bytes.
		URI sdistUrl = URI.create(url("/simple/nightly/")).resolve(sdistFile.path("url").stringValue());
		assertThat(get(sdistUrl.toString()).body()).isEqualTo(Files.readAllBytes(sdist));
		assertThat(this.jdbc.sql("SELECT uploaded_by FROM wheel WHERE filename = 'nightly-2.0.dev1.tar.gz'")
			.query(String.class)
			.single()).isEqualTo("token");

		// A CI job retried with the same bytes passes.
		Venv.Result again = this.clients.twine(legacy(), TOKEN, wheel);
		assertThat(again.exitCode()).as(again.output()).isZero();
		assertThat(again.output()).contains("Already stored with the same bytes");

		// Once retention removed it, not even the same bytes may come back under its
		// name.
		this.jdbc.sql("UPDATE wheel SET removed_at = now(), removed_reason = 'retention' WHERE filename = :f")
			.param("f", wheel.getFileName().toString())
			.update();
		Venv.Result removed = this.clients.twine(legacy(), TOKEN, wheel);
		assertThat(removed.exitCode()).isNotZero();
		assertThat(removed.output()).contains("400").contains("File already exists").contains("removed");
	}

	@Test
	void aRealWorldSizedFormWithManyClassifiersAndRequirementsIsAccepted() throws Exception {
		// twine sends every classifier and requirement as a form part of its own: a
		// scientific project's metadata easily makes a hundred parts.
		StringBuilder metadata = new StringBuilder("Metadata-Version: 2.1\nName: nightly\nVersion: 2.0.dev9\n");
		for (int i = 0; i < 80; i++) {
			metadata.append("Classifier: Topic :: Scientific/Engineering :: Part ").append(i).append('\n');
			metadata.append("Requires-Dist: dependency-").append(i).append(" >=1.0\n");
		}
		metadata.append("\n").append("A long description. ".repeat(5000));
		Path wheel = TestWheels.of("nightly", "2.0.dev9")
			.metadata(metadata.toString())
			.write(Files.createDirectories(scratch.resolve("many")), "nightly-2.0.dev9-py3-none-any.whl");
		Venv.Result upload = this.clients.twine(legacy(), TOKEN, wheel);
		assertThat(upload.exitCode()).as(upload.output()).isZero();
		assertThat(this.rows.files(wheel.getFileName().toString())).isOne();
	}

	@Test
	void theSameFilenameWithOtherBytesIsRefusedAsFileAlreadyExists() throws Exception {
		Path first = Files.createDirectories(scratch.resolve("first"));
		Path second = Files.createDirectories(scratch.resolve("second"));
		String filename = "nightly-2.0.dev2-py3-none-any.whl";
		Path original = TestWheels.of("nightly", "2.0.dev2").write(first, filename);
		Path changed = TestWheels.of("nightly", "2.0.dev2")
			.member("nightly/changed.py", "X = 1\n".getBytes(StandardCharsets.UTF_8))
			.write(second, filename);
		assertThat(this.clients.twine(legacy(), TOKEN, original).exitCode()).isZero();
		Venv.Result duplicate = this.clients.twine(legacy(), TOKEN, changed);
		assertThat(duplicate.exitCode()).isNotZero();
		assertThat(duplicate.output()).contains("400").contains("File already exists");
		assertThat(this.rows.sha256Of(filename)).isEqualTo(Sha256.digest(Files.readAllBytes(original)).hex());
		// twine --skip-existing recognizes the refusal as "already there" (its own rule).
		Venv.Result skipped = this.clients.twine(legacy(), TOKEN, java.util.List.of("--skip-existing"), changed);
		assertThat(skipped.exitCode()).as(skipped.output()).isZero();
		assertThat(skipped.output()).contains("Skipping");
	}

	@Test
	void aWrongTokenIsRefusedAndChangesNothing() throws Exception {
		Path wheel = TestWheels.of("nightly", "2.0.dev3")
			.write(Files.createDirectories(scratch.resolve("wrong")), "nightly-2.0.dev3-py3-none-any.whl");
		Venv.Result upload = this.clients.twine(legacy(), "not-the-token", wheel);
		assertThat(upload.exitCode()).isNotZero();
		assertThat(upload.output()).contains("403").contains("Invalid or non-existent authentication information");
		assertThat(this.rows.files(wheel.getFileName().toString())).isZero();
	}

	@Test
	void aProjectsTokenIsRefusedForAnotherProject() throws Exception {
		Path wheel = TestWheels.of("otherpkg", "1.0.dev1")
			.write(Files.createDirectories(scratch.resolve("cross")), "otherpkg-1.0.dev1-py3-none-any.whl");
		Venv.Result upload = this.clients.twine(legacy(), TOKEN, wheel);
		assertThat(upload.exitCode()).isNotZero();
		assertThat(upload.output()).contains("403").contains("not in otherpkg's upload-token-sha256");
		assertThat(this.rows.files(wheel.getFileName().toString())).isZero();
		// The same file with its own project's token is accepted.
		assertThat(this.clients.twine(legacy(), OTHER_TOKEN, wheel).exitCode()).isZero();
		assertThat(this.rows.files(wheel.getFileName().toString())).isOne();
	}

	@Test
	void aProjectThatIsNotOptedInReceivesNothing() throws Exception {
		Path wheel = TestWheels.of("notoptedin", "1.0")
			.write(Files.createDirectories(scratch.resolve("rejected")), "notoptedin-1.0-py3-none-any.whl");
		Venv.Result upload = this.clients.twine(legacy(), TOKEN, wheel);
		assertThat(upload.exitCode()).isNotZero();
		assertThat(upload.output()).contains("403").contains("notoptedin is not a project this farm hosts");
		assertThat(this.rows.files(wheel.getFileName().toString())).isZero();
	}

	@Test
	void aWheelThatFailsVerificationIsRefusedWithTheReason() throws Exception {
		Path wheel = TestWheels.of("nightly", "2.0.dev4")
			.editRecord((record) -> record.replaceFirst("sha256=[A-Za-z0-9_-]+", "sha256=AAAA"))
			.write(Files.createDirectories(scratch.resolve("broken")), "nightly-2.0.dev4-py3-none-any.whl");
		Venv.Result upload = this.clients.twine(legacy(), TOKEN, wheel);
		assertThat(upload.exitCode()).isNotZero();
		assertThat(upload.output()).contains("400").contains("does not match RECORD");
		assertThat(this.rows.files(wheel.getFileName().toString())).isZero();
	}

	@Test
	void anSdistThatIsNotASourceTreeIsRefused() throws Exception {
		// A tar.gz whose member climbs out of the unpack directory.
		Path dir = Files.createDirectories(scratch.resolve("evil"));
		Path sdist = dir.resolve("nightly-2.0.dev5.tar.gz");
		Files.write(sdist, EvilSdists.climbing("nightly-2.0.dev5"));
		HttpResponse<String> answer = post(legacy(), sdist, "sdist", "2.0.dev5", TOKEN, null);
		assertThat(answer.statusCode()).isEqualTo(400);
		assertThat(answer.body()).contains("climbs out of the unpack directory");
		assertThat(this.rows.files("nightly-2.0.dev5.tar.gz")).isZero();
	}

	@Test
	void aFileNameThatIsNotABareNameIsRefused() throws Exception {
		Path dir = Files.createDirectories(scratch.resolve("named"));
		Path wheel = TestWheels.of("nightly", "2.0.dev8").write(dir, "nightly-2.0.dev8-py3-none-any.whl");
		String longName = "nightly-2.0.dev8-" + "1".repeat(240) + "-py3-none-any.whl";
		HttpResponse<String> tooLong = post(legacy(), wheel, longName, "bdist_wheel", "2.0.dev8", TOKEN, null);
		assertThat(tooLong.statusCode()).isEqualTo(400);
		assertThat(tooLong.body()).contains("bare name of at most 255");
		HttpResponse<String> withPath = post(legacy(), wheel, "../nightly-2.0.dev8-py3-none-any.whl", "bdist_wheel",
				"2.0.dev8", TOKEN, null);
		assertThat(withPath.statusCode()).isEqualTo(400);
		assertThat(this.rows.files(wheel.getFileName().toString())).isZero();
	}

	@Test
	void digestsThatDoNotMatchTheBytesAndMissingCredentialsAreRefused() throws Exception {
		Path wheel = TestWheels.of("nightly", "2.0.dev6")
			.write(Files.createDirectories(scratch.resolve("digest")), "nightly-2.0.dev6-py3-none-any.whl");
		HttpResponse<String> digest = post(legacy(), wheel, "bdist_wheel", "2.0.dev6", TOKEN, "0".repeat(64));
		assertThat(digest.statusCode()).isEqualTo(400);
		assertThat(digest.body()).contains("does not match a digest calculated from the uploaded file");
		HttpResponse<String> anonymous = post(legacy(), wheel, "bdist_wheel", "2.0.dev6", null, null);
		assertThat(anonymous.statusCode()).isEqualTo(403);
		assertThat(anonymous.body()).contains("Authentication required");
		HttpResponse<String> wrongVersion = post(legacy(), wheel, "bdist_wheel", "2.0.dev7", TOKEN, null);
		assertThat(wrongVersion.statusCode()).isEqualTo(400);
		assertThat(wrongVersion.body()).contains("names version 2.0.dev6");
		assertThat(this.rows.files(wheel.getFileName().toString())).isZero();
	}

	@Test
	void aWrongBlake2DigestIsRefusedEvenWhenItsSha256IsRight() throws Exception {
		Path wheel = TestWheels.of("nightly", "2.0.dev21")
			.write(Files.createDirectories(scratch.resolve("blake2")), "nightly-2.0.dev21-py3-none-any.whl");
		String sha256 = Sha256.digest(Files.readAllBytes(wheel)).hex();

		HttpResponse<String> wrong = postWithDigests(legacy(), wheel, wheel.getFileName().toString(), "bdist_wheel",
				"2.0.dev21", TOKEN, Map.of("sha256_digest", sha256, "blake2_256_digest", "0".repeat(64)));

		assertThat(wrong.statusCode()).isEqualTo(400);
		// PyPI's reason, word for word (warehouse's legacy upload).
		assertThat(wrong.body())
			.contains("The digest supplied does not match a digest calculated from the uploaded file.");
		assertThat(this.rows.files(wheel.getFileName().toString())).isZero();

		// The digest as Python computes it (hashlib, as twine does), in uppercase:
		// accepted.
		String blake2 = pythonBlake2b256(wheel).toUpperCase(java.util.Locale.ROOT);
		HttpResponse<String> right = postWithDigests(legacy(), wheel, wheel.getFileName().toString(), "bdist_wheel",
				"2.0.dev21", TOKEN, Map.of("sha256_digest", sha256, "blake2_256_digest", blake2));
		assertThat(right.statusCode()).as(right.body()).isEqualTo(200);
		assertThat(this.rows.files(wheel.getFileName().toString())).isOne();
	}

	private static String pythonBlake2b256(Path file) throws Exception {
		Process python = new ProcessBuilder("/usr/bin/python3", "-c",
				"import hashlib, sys; print(hashlib.blake2b(open(sys.argv[1], 'rb').read(), digest_size=32).hexdigest())",
				file.toString())
			.redirectErrorStream(true)
			.start();
		String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
		assertThat(python.waitFor()).as(output).isZero();
		return output;
	}

	static JsonNode file(JsonNode page, String filename) {
		for (JsonNode file : page.path("files")) {
			if (file.path("filename").stringValue().equals(filename)) {
				return file;
			}
		}
		throw new AssertionError(filename + " is not listed: " + page);
	}

	/** twine's form, sent by hand for what twine itself never sends wrong. */
	static HttpResponse<String> post(String url, Path file, String filetype, String version, String token,
			String sha256) throws Exception {
		return post(url, file, file.getFileName().toString(), filetype, version, token, sha256);
	}

	/** The same, naming the file {@code filename} in the form. */
	static HttpResponse<String> post(String url, Path file, String filename, String filetype, String version,
			String token, String sha256) throws Exception {
		return postWithDigests(url, file, filename, filetype, version, token,
				(sha256 != null) ? Map.of("sha256_digest", sha256) : Map.of());
	}

	/**
	 * The same, with these digest fields ({@code sha256_digest},
	 * {@code blake2_256_digest}).
	 */
	static HttpResponse<String> postWithDigests(String url, Path file, String filename, String filetype, String version,
			String token, Map<String, String> digests) throws Exception {
		String boundary = "wheelfarm-test-boundary";
		java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
		String name = file.getFileName().toString().split("-")[0];
		java.util.Map<String, String> fields = new java.util.LinkedHashMap<>();
		fields.put(":action", "file_upload");
		fields.put("protocol_version", "1");
		fields.put("name", name);
		fields.put("version", version);
		fields.put("filetype", filetype);
		fields.put("pyversion", "source");
		fields.put("metadata_version", "2.1");
		fields.putAll(digests);
		for (java.util.Map.Entry<String, String> field : fields.entrySet()) {
			body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field.getKey() + "\"\r\n\r\n"
					+ field.getValue() + "\r\n")
				.getBytes(StandardCharsets.UTF_8));
		}
		body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"content\"; filename=\"" + filename
				+ "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
			.getBytes(StandardCharsets.UTF_8));
		body.write(Files.readAllBytes(file));
		body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
			.header("Content-Type", "multipart/form-data; boundary=" + boundary)
			.POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
		if (token != null) {
			request.header("Authorization", "Basic "
					+ Base64.getEncoder().encodeToString(("__token__:" + token).getBytes(StandardCharsets.UTF_8)));
		}
		return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

}

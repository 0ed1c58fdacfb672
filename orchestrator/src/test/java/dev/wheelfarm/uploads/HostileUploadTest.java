package dev.wheelfarm.uploads;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.wheelfarm.artifacts.TestWheels;
import dev.wheelfarm.testsupport.IntegrationTest;
import dev.wheelfarm.testsupport.Venv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What reaches {@code /legacy/} from clients that are broken, cut off or hostile, sent
 * byte by byte over a socket (an HTTP library would not send it) and read as the wire
 * says it, status line included; and what real twine shows a maintainer when an upload is
 * refused.
 */
@IntegrationTest
@ExtendWith(OutputCaptureExtension.class)
@TestPropertySource(properties = { "wheelfarm.dispatch.enabled=false", "wheelfarm.index.page-cache-ttl=0s",
		"wheelfarm.artifacts.max-wheel-size=2MB" })
class HostileUploadTest extends UploadTestBase {

	static final String TOKEN = "wf-hostile-token-9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b";

	private static final String BOUNDARY = "hostile-boundary";

	private static final String MULTIPART = "multipart/form-data; boundary=" + BOUNDARY;

	@Override
	void seed(UploadFixtures rows) {
		rows.optedIn("hostile", "https://github.com/example-org/hostile", "immediate", TOKEN);
	}

	@Test
	void aBodyThatIsNotAMultipartFormIsRefusedWithAReason() throws Exception {
		RawHttp.Answer garbage = RawHttp.post(this.port, "/legacy/", MULTIPART,
				"this is not a multipart body at all".getBytes(StandardCharsets.UTF_8));
		assertThat(garbage.status()).isEqualTo(400);
		assertThat(garbage.statusLine())
			.startsWith("HTTP/1.1 400 The body is not a complete, well-formed multipart/form-data form");
		assertThat(garbage.body()).contains("400 The body is not a complete, well-formed multipart/form-data form");

		RawHttp.Answer json = RawHttp.post(this.port, "/legacy/", "application/json",
				"{\"name\": \"hostile\"}".getBytes(StandardCharsets.UTF_8));
		assertThat(json.status()).isEqualTo(415);
		assertThat(json.head()).containsIgnoringCase("Content-Type: text/plain");
		assertThat(json.body()).contains("must be a multipart/form-data body");
	}

	@Test
	void aCutOffBodyIsRefusedWithAReasonAndStoresNothing() throws Exception {
		byte[] whole = form("hostile-1.0.dev1-py3-none-any.whl", "bdist_wheel", "1.0.dev1",
				TestWheels.of("hostile", "1.0.dev1").bytes());
		// The body a proxy or a dying CI runner leaves: no closing boundary.
		byte[] cut = Arrays.copyOf(whole, whole.length - 300);
		for (String path : List.of("/legacy/", "/stage/no-such-stage/legacy/")) {
			RawHttp.Answer answer = RawHttp.post(this.port, path, MULTIPART, cut);
			assertThat(answer.status()).as(path).isEqualTo(400);
			assertThat(answer.statusLine()).as(path).contains("was the upload cut off");
			assertThat(answer.body()).as(path)
				.startsWith("400 The body is not a complete, well-formed multipart/form-data form");
		}
		assertThat(this.rows.files("hostile-1.0.dev1-py3-none-any.whl")).isZero();
	}

	@Test
	void aFilenameWithAQuoteOrALineBreakIsRefusedAndLoggedInOneLine(CapturedOutput output) throws Exception {
		byte[] wheel = TestWheels.of("hostile", "1.0.dev2").bytes();
		for (String filename : List.of("hostile\"x-1.0.dev2-py3-none-any.whl",
				"hostile-1.0.dev2\r\nX-Injected: yes\r\n-py3-none-any.whl", "hostile-1.0.dev2\n-py3-none-any.whl")) {
			RawHttp.Answer answer = RawHttp.post(this.port, "/legacy/", MULTIPART,
					form(filename, "bdist_wheel", "1.0.dev2", wheel));
			assertThat(answer.status()).as(filename).isEqualTo(400);
			assertThat(answer.head()).as(filename).containsIgnoringCase("Content-Type: text/plain");
			assertThat(answer.body()).as(filename).startsWith("400 ");
		}
		assertThat(output.getAll()).contains("Refused upload to /legacy/")
			.doesNotContain("ServletException")
			.doesNotContain("\tat org.springframework");
	}

	@Test
	void aFileOverTheLimitIsRefusedAsPlainTextWithTheLimit() throws Exception {
		byte[] large = new byte[3 * 1024 * 1024];
		RawHttp.Answer answer = RawHttp.post(this.port, "/legacy/", MULTIPART,
				form("hostile-1.0.dev3-py3-none-any.whl", "bdist_wheel", "1.0.dev3", large));
		assertThat(answer.status()).isEqualTo(413);
		assertThat(answer.head()).containsIgnoringCase("Content-Type: text/plain");
		assertThat(answer.statusLine()).isEqualTo("HTTP/1.1 413 The upload is larger than the limit of 2097152 bytes"
				+ " for the file (plus 16 MB for the other fields)");
		assertThat(answer.body()).startsWith("413 The upload is larger than the limit of 2097152 bytes");
	}

	@Test
	void twineShowsWhyAnUploadWasRefusedWithoutVerbose() throws Exception {
		Path first = Files.createDirectories(scratch.resolve("first"));
		Path second = Files.createDirectories(scratch.resolve("second"));
		String filename = "hostile-1.0.dev4-py3-none-any.whl";
		Path original = TestWheels.of("hostile", "1.0.dev4").write(first, filename);
		Path changed = TestWheels.of("hostile", "1.0.dev4")
			.member("hostile/changed.py", "X = 1\n".getBytes(StandardCharsets.UTF_8))
			.write(second, filename);
		assertThat(this.clients.twine(legacy(), TOKEN, original).exitCode()).isZero();
		Venv.Result refused = this.clients.twineQuietly(legacy(), TOKEN, changed);
		assertThat(refused.exitCode()).isNotZero();
		// twine prints the status code and the status line's reason phrase only:
		// "HTTPError: 400 Bad Request from <url>", then the reason on a line of its own.
		assertThat(refused.output()).contains("File already exists: " + filename + " is stored with other bytes");

		RawHttp.Answer raw = RawHttp.post(this.port, "/legacy/", MULTIPART,
				form(filename, "bdist_wheel", "1.0.dev4", Files.readAllBytes(changed)),
				"Authorization: " + basic(TOKEN));
		assertThat(raw.statusLine()).startsWith("HTTP/1.1 400 File already exists: " + filename)
			.hasSizeLessThanOrEqualTo("HTTP/1.1 400 ".length() + 200)
			.matches("[\\x20-\\x7e]+");
		assertThat(raw.head()).doesNotContainIgnoringCase("X-Wheelfarm-Reason");
		assertThat(raw.body()).contains("Give the new build another version or build tag.");
	}

	@Test
	void aWheelNameOrVersionNotInNormalFormIsRefusedWithTheNormalForm() throws Exception {
		Path dir = Files.createDirectories(scratch.resolve("normal"));
		Path upper = TestWheels.of("hostile", "2.0.dev1").write(dir, "Hostile-2.0.dev1-py3-none-any.whl");
		Venv.Result name = this.clients.twineQuietly(legacy(), TOKEN, upper);
		assertThat(name.exitCode()).isNotZero();
		assertThat(name.output()).contains("is not in normal form: upload it as hostile-2.0.dev1-py3-none-any.whl");

		Path dotted = TestWheels.of("hostile", "2.0.dev1").write(dir, "hostile-02.0.DEV1-py3-none-any.whl");
		HttpResponse<String> version = TwineUploadTest.post(legacy(), dotted, "bdist_wheel", "2.0.dev1", TOKEN, null);
		assertThat(version.statusCode()).isEqualTo(400);
		assertThat(version.body()).contains("upload it as hostile-2.0.dev1-py3-none-any.whl");
		assertThat(this.rows.files(upper.getFileName().toString()) + this.rows.files(dotted.getFileName().toString()))
			.isZero();
	}

	@Test
	void aVersionTheProjectHasInAnotherSpellingIsRefusedWithThatSpelling() throws Exception {
		Path dir = Files.createDirectories(scratch.resolve("spelling"));
		Path first = TestWheels.of("hostile", "3.0.dev1").write(dir, "hostile-3.0.dev1-py3-none-any.whl");
		assertThat(TwineUploadTest.post(legacy(), first, "bdist_wheel", "3.0.dev1", TOKEN, null).statusCode())
			.isEqualTo(200);
		// 3.0.0.dev1 is in normal form, and equal to 3.0.dev1 under PEP 440.
		Path other = TestWheels.of("hostile", "3.0.0.dev1").write(dir, "hostile-3.0.0.dev1-py3-none-any.whl");
		HttpResponse<String> refused = TwineUploadTest.post(legacy(), other, "bdist_wheel", "3.0.0.dev1", TOKEN, null);
		assertThat(refused.statusCode()).isEqualTo(400);
		assertThat(refused.body()).contains("upload it as hostile-3.0.dev1-py3-none-any.whl")
			.contains("3.0.0.dev1 is the same PEP 440 version as 3.0.dev1");
		assertThat(this.rows.files("hostile-3.0.0.dev1-py3-none-any.whl")).isZero();

	}

	@Test
	void theVersionsListNamesAPep440VersionOnceWhateverTheRowsSpell() throws Exception {
		Path dir = Files.createDirectories(scratch.resolve("listed"));
		Path wheel = TestWheels.of("hostile", "4.0.dev1").write(dir, "hostile-4.0.dev1-py3-none-any.whl");
		assertThat(TwineUploadTest.post(legacy(), wheel, "bdist_wheel", "4.0.dev1", TOKEN, null).statusCode())
			.isEqualTo(200);
		// A row stored before the one-spelling rule (or a release PyPI spells otherwise).
		this.jdbc.sql("""
				INSERT INTO wheel (project_id, version, filename, sha256, size, metadata_sha256, origin, kind,
				                   uploaded_by)
				SELECT project_id, '4.0.0.dev1', 'hostile-4.0.0.dev1-cp312-cp312-linux_x86_64.whl', sha256, size,
				       metadata_sha256, origin, kind, uploaded_by
				FROM wheel WHERE filename = 'hostile-4.0.dev1-py3-none-any.whl'
				""").update();
		JsonNode page = simpleJson(url("/simple/hostile/"));
		List<String> versions = new ArrayList<>();
		page.path("versions").forEach((version) -> versions.add(version.stringValue()));
		assertThat(versions).containsOnlyOnce("4.0.dev1").doesNotContain("4.0.0.dev1");
		assertThat(page.path("files").toString()).contains("hostile-4.0.0.dev1-cp312-cp312-linux_x86_64.whl");
	}

	/**
	 * twine's form; the filename is written into the part header as it is, quotes and
	 * line breaks included.
	 */
	private static byte[] form(String filename, String filetype, String version, byte[] content) {
		String[][] fields = { { ":action", "file_upload" }, { "protocol_version", "1" }, { "name", "hostile" },
				{ "version", version }, { "filetype", filetype }, { "pyversion", "py3" },
				{ "metadata_version", "2.1" } };
		Map<String, String> form = new LinkedHashMap<>();
		for (String[] field : fields) {
			form.put(field[0], field[1]);
		}
		return RawHttp.form(BOUNDARY, form, filename, content);
	}

}

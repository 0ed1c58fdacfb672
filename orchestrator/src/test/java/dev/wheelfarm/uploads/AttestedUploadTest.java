package dev.wheelfarm.uploads;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.wheelfarm.artifacts.TestWheels;
import dev.wheelfarm.index.IndexExports;
import dev.wheelfarm.provenance.AttestationVerifier;
import dev.wheelfarm.provenance.Publisher;
import dev.wheelfarm.provenance.SigstoreFixtures;
import dev.wheelfarm.provenance.VerifiedAttestation;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.testsupport.IntegrationTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.TestPropertySource;

import static dev.wheelfarm.provenance.SigstoreFixtures.GITLAB;
import static dev.wheelfarm.provenance.SigstoreFixtures.PYPI_ATTESTATIONS;
import static dev.wheelfarm.provenance.SigstoreFixtures.RFC8785;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * PEP 740 attestations on the way in and out, with real recorded attestations and the
 * public-good trusted root as a file (the tests'
 * {@code wheelfarm.provenance.trusted-root}, in {@code config/application.properties}):
 * the {@code attestations} field of a real multipart upload is verified against the
 * project's trusted publisher (its opted-in GitHub repository, narrowed by its config),
 * refused with the reason as the status line twine prints, and once accepted served as
 * PyPI serves it: a {@code provenance} link in PEP 691 JSON, {@code data-provenance} in
 * PEP 503 HTML, and the provenance object itself, which verifies again.
 */
@IntegrationTest
@TestPropertySource(properties = { "wheelfarm.dispatch.enabled=false", "wheelfarm.index.page-cache-ttl=0s" })
class AttestedUploadTest extends UploadTestBase {

	static final String TOKEN = "wf-attested-token-0a1b2c3d4e5f60718293a4b5c6d7e8f9";

	private static final String BOUNDARY = "attested-boundary";

	@Autowired
	ApplicationContext context;

	@Override
	void seed(UploadFixtures rows) {
		rows.optedIn("pypi-attestations", "https://github.com/trailofbits/pypi-attestations", "immediate", TOKEN);
		rows.optedIn("gitlab-oidc-project", "https://github.com/facutuesca/gitlab-oidc-project", "immediate", TOKEN);
		rows.optedIn("rfc8785", "https://gitlab.com/trailofbits/rfc8785.py", "immediate", TOKEN);
	}

	@Test
	void anAttestedUploadIsVerifiedStoredAndServedAsPypiServesIt() throws Exception {
		String sdist = PYPI_ATTESTATIONS;
		String attestation = SigstoreFixtures.attestation(sdist);

		// The project's config narrows its publisher to a workflow that did not sign.
		trustedPublisher("pypi-attestations", "{\"workflow\": \"nightly.yml\"}");
		RawHttp.Answer otherWorkflow = upload("/legacy/", "pypi-attestations", "0.0.19", sdist,
				"[" + attestation + "]");
		assertThat(otherWorkflow.status()).isEqualTo(400);
		assertThat(otherWorkflow.statusLine()).startsWith("HTTP/1.1 400 Invalid attestations supplied during upload:"
				+ " The attestation's certificate names the workflow release.yml of trailofbits/pypi-attestations,"
				+ " not nightly.yml");

		trustedPublisher("pypi-attestations", "{\"workflow\": \"release.yml\"}");
		ObjectNode swapped = (ObjectNode) JSON.readTree(attestation);
		((ObjectNode) swapped.path("envelope")).put("signature",
				JSON.readTree(SigstoreFixtures.attestation(RFC8785)).path("envelope").path("signature").stringValue());
		RawHttp.Answer forged = upload("/legacy/", "pypi-attestations", "0.0.19", sdist, "[" + swapped + "]");
		assertThat(forged.status()).isEqualTo(400);
		assertThat(forged.body()).contains("Invalid attestations supplied during upload: The attestation's signature"
				+ " does not verify: DSSE signature was not valid");

		RawHttp.Answer notAList = upload("/legacy/", "pypi-attestations", "0.0.19", sdist, attestation);
		assertThat(notAList.status()).isEqualTo(400);
		assertThat(notAList.body()).contains("the attestations field must be a JSON array of attestation objects");
		assertThat(this.rows.files(sdist)).as("a refused upload stores nothing").isZero();

		// Staged: the stage's view links the provenance below the stage's URL, where it
		// is served while the stage is open, and only there.
		String link = "../../integrity/pypi-attestations/0.0.19/pypi_attestations-0.0.19.tar.gz/provenance";
		RawHttp.Answer staged = upload("/legacy/?stage=true", "pypi-attestations", "0.0.19", sdist,
				"[" + attestation + "]");
		assertThat(staged.status()).as(staged.body()).isEqualTo(200);
		String stageIndex = JSON.readTree(call("GET", "/api/projects/pypi-attestations/stages", TOKEN).body())
			.path("stages")
			.get(0)
			.path("index_url")
			.stringValue();
		String stagePage = stageIndex + "pypi-attestations/";
		assertThat(file(simpleJson(stagePage), sdist).path("provenance").stringValue()).isEqualTo(link);
		assertThat(html(stagePage)).contains("data-provenance=\"" + link + "\">" + sdist + "</a>");
		String stagedLink = URI.create(stagePage).resolve(link).toString();
		assertThat(stagedLink).startsWith(stageIndex.replace("/simple/", "/integrity/"));
		HttpResponse<byte[]> stagedProvenance = get(stagedLink);
		assertThat(stagedProvenance.statusCode()).isEqualTo(200);
		assertThat(stagedProvenance.headers().firstValue("Content-Type"))
			.hasValue("application/vnd.pypi.integrity.v1+json");
		assertThat(stagedProvenance.headers().firstValue("Cache-Control")).hasValue("private, no-store");
		assertThat(JSON.readTree(stagedProvenance.body()))
			.isEqualTo(JSON.readTree(SigstoreFixtures.file(sdist + ".provenance")));
		assertThat(get(url("/integrity/pypi-attestations/0.0.19/" + sdist + "/provenance")).statusCode())
			.as("a staged file's provenance is not public")
			.isEqualTo(404);
		String stageToken = stageIndex.replaceAll(".*/stage/([^/]+)/simple/$", "$1");
		HttpResponse<String> discarded = call("DELETE", "/api/stages/" + stageToken, TOKEN);
		assertThat(discarded.statusCode()).as(discarded.body()).isEqualTo(200);
		assertThat(get(stagedLink).statusCode()).as("gone with the discarded stage").isEqualTo(404);

		// Bound to GitHub's ids of the repository (its first OIDC upload): a certificate
		// of a repository re-created under the name carries other ids. This one carries
		// trailofbits/pypi-attestations' (772247423, owner 2314423).
		bind("pypi-attestations", 772247400, 2314423);
		RawHttp.Answer recreated = upload("/legacy/", "pypi-attestations", "0.0.19", sdist, "[" + attestation + "]");
		assertThat(recreated.status()).isEqualTo(400);
		assertThat(recreated.statusLine()).startsWith("HTTP/1.1 400 Invalid attestations supplied during upload:"
				+ " The repository trailofbits/pypi-attestations was re-created or transferred");
		assertThat(recreated.body()).contains("(repository 772247423, owner 2314423), not those the project was bound"
				+ " to (repository 772247400, owner 2314423)");
		bind("pypi-attestations", 772247423, 2314423);

		RawHttp.Answer accepted = upload("/legacy/", "pypi-attestations", "0.0.19", sdist, "[" + attestation + "]");
		assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);

		// PEP 691: the link, relative to the page as every other link.
		String page = url("/simple/pypi-attestations/");
		JsonNode file = file(simpleJson(page), sdist);
		assertThat(file.path("provenance").stringValue()).isEqualTo(link);
		assertThat(html(page)).contains("data-provenance=\"" + link + "\">" + sdist + "</a>");

		HttpResponse<byte[]> provenance = get(URI.create(page).resolve(link).toString());
		assertThat(provenance.statusCode()).isEqualTo(200);
		assertThat(provenance.headers().firstValue("Content-Type")).hasValue("application/vnd.pypi.integrity.v1+json");
		JsonNode served = JSON.readTree(provenance.body());
		// The object PyPI serves for this very file, recorded: the same publisher, the
		// same attestation.
		assertThat(served).isEqualTo(JSON.readTree(SigstoreFixtures.file(sdist + ".provenance")));

		// And it verifies again, as a user checks it.
		JsonNode bundle = served.path("attestation_bundles").get(0);
		Publisher publisher = JSON.treeToValue(bundle.path("publisher"), Publisher.class);
		VerifiedAttestation again = AttestationVerifier.forTrustedRoot(SigstoreFixtures.trustedRoot())
			.verify(sdist, SigstoreFixtures.sha256(sdist), bundle.path("attestations").get(0).toString(), publisher);
		assertThat(again.publisher()).isEqualTo(publisher);

		// The static export holds the same object where the exported page's link points.
		Path export = scratch.resolve("export");
		IndexExports.export(this.context, export);
		Path exportedPage = export.resolve("simple/pypi-attestations/index.json");
		assertThat(file(JSON.readTree(Files.readString(exportedPage)), sdist).path("provenance").stringValue())
			.isEqualTo(link);
		assertThat(exportedPage.getParent().resolve(link).normalize()).hasBinaryContent(provenance.body());
	}

	@Test
	void aFileWithoutAttestationsIsAcceptedAndListedWithoutProvenance() throws Exception {
		TestWheels wheel = TestWheels.of("pypi-attestations", "0.0.18");
		RawHttp.Answer accepted = upload("/legacy/", "pypi-attestations", "0.0.18", wheel.filename(), wheel.bytes(),
				"bdist_wheel", null);
		assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);

		JsonNode file = file(simpleJson(url("/simple/pypi-attestations/")), wheel.filename());
		assertThat(file.has("provenance")).isFalse();
		String html = html(url("/simple/pypi-attestations/"));
		assertThat(html.lines().filter((line) -> line.contains(">" + wheel.filename() + "<"))).singleElement()
			.asString()
			.doesNotContain("data-provenance");
		assertThat(get(url("/integrity/pypi-attestations/0.0.18/" + wheel.filename() + "/provenance")).statusCode())
			.isEqualTo(404);
	}

	@Test
	void aStagedUploadsAttestationIsCheckedToo() throws Exception {
		// A GitLab CI signature: genuine, but no GitHub workflow of the project's
		// repository made it.
		RawHttp.Answer gitLab = upload("/legacy/?stage=true", "gitlab-oidc-project", "0.0.3", GITLAB,
				"[" + SigstoreFixtures.attestation(GITLAB) + "]");
		assertThat(gitLab.status()).isEqualTo(400);
		assertThat(gitLab.body()).contains("Invalid attestations supplied during upload: The attestation's certificate"
				+ " names https://gitlab.com/facutuesca/gitlab-oidc-project//.gitlab-ci.yml@refs/heads/main"
				+ " (issuer https://gitlab.com), not a GitHub Actions workflow");
		assertThat(this.rows.files(GITLAB)).isZero();
		// Only this project's stages: the context, hence the database, is shared with
		// other upload tests.
		assertThat(this.jdbc.sql(
				"SELECT count(*) FROM stage s JOIN project p ON p.id = s.project_id WHERE p.name = 'gitlab-oidc-project'")
			.query(Integer.class)
			.single()).as("a refused upload opens no stage").isZero();
	}

	@Test
	void aProjectOutsideGitHubHasNoTrustedPublisher() throws Exception {
		RawHttp.Answer refused = upload("/legacy/", "rfc8785", "0.1.2", RFC8785, SigstoreFixtures.file(RFC8785),
				"bdist_wheel", "[" + SigstoreFixtures.attestation(RFC8785) + "]");
		assertThat(refused.status()).isEqualTo(400);
		assertThat(refused.body()).contains("Invalid attestations supplied during upload: rfc8785 is not opted in"
				+ " through a GitHub repository, so no workflow can be its trusted publisher");
	}

	/** What the project's first OIDC upload records (uploads.TrustedPublishers). */
	private void bind(String project, long repositoryId, long ownerId) {
		this.jdbc.sql("""
				INSERT INTO trusted_publisher (project_id, github_repository_id, github_owner_id, repository)
				SELECT id, :repository_id, :owner_id, 'trailofbits/pypi-attestations' FROM project WHERE name = :project
				ON CONFLICT (project_id) DO UPDATE
				SET github_repository_id = excluded.github_repository_id, github_owner_id = excluded.github_owner_id
				""").param("repository_id", repositoryId).param("owner_id", ownerId).param("project", project).update();
	}

	private void trustedPublisher(String project, String table) {
		this.jdbc.sql("""
				UPDATE repository SET config = jsonb_set(config, '{trusted-publisher}', CAST(:table AS jsonb))
				WHERE id = (SELECT repository_id FROM project WHERE name = :project)
				""").param("table", table).param("project", project).update();
	}

	private static String html(String url) throws Exception {
		HttpResponse<String> response = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/html").build(),
					HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		return response.body();
	}

	private static JsonNode file(JsonNode page, String filename) {
		for (JsonNode file : page.path("files")) {
			if (filename.equals(file.path("filename").stringValue())) {
				return file;
			}
		}
		throw new AssertionError(filename + " is not listed: " + page);
	}

	private RawHttp.Answer upload(String path, String name, String version, String sdist, String attestations)
			throws IOException {
		return upload(path, name, version, sdist, SigstoreFixtures.file(sdist), "sdist", attestations);
	}

	/** The multipart form twine ≥ 6.1 sends with {@code --attestations}. */
	private RawHttp.Answer upload(String path, String name, String version, String filename, byte[] content,
			String filetype, String attestations) throws IOException {
		Map<String, String> fields = new LinkedHashMap<>();
		fields.put(":action", "file_upload");
		fields.put("protocol_version", "1");
		fields.put("name", name);
		fields.put("version", version);
		fields.put("filetype", filetype);
		fields.put("sha256_digest", Sha256.digest(content).hex());
		if (attestations != null) {
			fields.put("attestations", attestations);
		}
		return RawHttp.post(this.port, path, "multipart/form-data; boundary=" + BOUNDARY,
				RawHttp.form(BOUNDARY, fields, filename, content), "Authorization: " + basic(TOKEN));
	}

}

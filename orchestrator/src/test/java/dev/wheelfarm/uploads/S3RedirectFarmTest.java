package dev.wheelfarm.uploads;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.wheelfarm.artifacts.TestWheels;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.testsupport.IntegrationTest;
import dev.wheelfarm.testsupport.S3Server;
import dev.wheelfarm.testsupport.Venv;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code wheelfarm.blobs.serve=redirect}: {@code /files/} answers a redirect to the
 * bucket's public address (where an operator puts a CDN; here an s3proxy that serves the
 * same storage without credentials), and real pip follows it and checks every hash.
 */
@IntegrationTest
@TestPropertySource(properties = { "wheelfarm.dispatch.enabled=false", "wheelfarm.index.page-cache-ttl=0s",
		"wheelfarm.blobs.serve=redirect" })
class S3RedirectFarmTest extends UploadTestBase {

	static final String TOKEN = "wf-redirect-token-9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b";

	static final String BUCKET = "public-wheels";

	static S3Server s3;

	@DynamicPropertySource
	static void bucket(DynamicPropertyRegistry registry) throws IOException {
		s3 = S3Server.start(scratch.resolve("s3"));
		s3.createBucket(BUCKET);
		s3.farmProperties(BUCKET).forEach((name, value) -> registry.add(name, () -> value));
		registry.add("wheelfarm.blobs.public-base-url", () -> s3.publicUrl(BUCKET).toString());
	}

	@AfterAll
	static void stop() throws IOException {
		s3.close();
	}

	@Override
	void seed(UploadFixtures rows) {
		rows.optedIn("cdnpkg", "https://github.com/example-org/cdnpkg", "immediate", TOKEN);
	}

	@Test
	void filesRedirectToTheBucketsPublicAddressAndPipInstallsWithRequireHashes() throws Exception {
		Path dir = Files.createDirectories(scratch.resolve("redirected"));
		Path wheel = TestWheels.of("cdnpkg", "1.0").write(dir, "cdnpkg-1.0-py3-none-any.whl");
		Venv.Result upload = this.clients.twine(legacy(), TOKEN, wheel);
		assertThat(upload.exitCode()).as(upload.output()).isZero();
		String sha256 = Sha256.digest(Files.readAllBytes(wheel)).hex();

		HttpResponse<byte[]> redirect = get(
				url("/files/" + sha256.substring(0, 2) + "/" + sha256 + "/" + wheel.getFileName()));
		assertThat(redirect.statusCode()).isEqualTo(302);
		URI location = URI.create(redirect.headers().firstValue("Location").orElseThrow());
		assertThat(location).isEqualTo(URI.create(s3.publicUrl(BUCKET) + "sha256/" + sha256.substring(0, 2) + "/"
				+ sha256.substring(2, 4) + "/" + sha256));
		// The public address serves the bytes to anyone, without credentials.
		assertThat(get(location.toString()).body()).isEqualTo(Files.readAllBytes(wheel));

		Path requirements = Files.writeString(dir.resolve("requirements.txt"),
				"cdnpkg==1.0 --hash=sha256:" + sha256 + "\n");
		Venv.Result install = this.clients.pip(url("/simple/"), "install", "--require-hashes", "-r",
				requirements.toString());
		assertThat(install.exitCode()).as(install.output()).isZero();
		assertThat(install.output()).contains("Successfully installed cdnpkg-1.0");
	}

}

package dev.wheelfarm.dispatch.local;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.testsupport.Browser;
import dev.wheelfarm.testsupport.IntegrationTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A person's path through the farm in a real headless Chromium: the start page, a refused
 * request with its reason, an accepted one, and the build page following the local build
 * to its end. Screenshots at laptop and phone widths land in {@code target/screenshots/}
 * (copies are in docs/screenshots/).
 */
@IntegrationTest
@TestPropertySource(properties = { "wheelfarm.builder=local", "wheelfarm.builder.local.python=" + Sdists.PYTHON,
		"wheelfarm.builder.local.fetch-retries=0", "wheelfarm.dispatch.interval=300ms" })
class RequestInBrowserTest {

	private static final Path SHOTS = Path.of("target", "screenshots");

	@TempDir
	static Path scratch;

	static SdistServer files;

	static Browser browser;

	@LocalServerPort
	int port;

	@Autowired
	JdbcClient jdbc;

	@BeforeAll
	static void start() throws Exception {
		files = new SdistServer();
		browser = new Browser();
	}

	@AfterAll
	static void stop() {
		browser.close();
		files.close();
	}

	@Test
	void aRequestFromTheFormEndsInABuiltRelease() throws Exception {
		seedOptedInProjectWithAnSdist("purepkg", "1.0");
		WebDriver page = browser.driver();

		page.get(url("/"));
		assertThat(page.getTitle()).contains("Wheelfarm");
		assertThat(page.findElement(By.tagName("pre")).getText()).contains("--extra-index-url " + url("/simple/"));
		shoot("home");

		page.get(url("/request"));
		page.findElement(By.id("project")).sendKeys("purepkg");
		page.findElement(By.id("version")).sendKeys("9.9");
		page.findElement(By.cssSelector("button[type=submit]")).click();
		assertThat(page.findElement(By.id("version-error")).getText()).isEqualTo("PyPI has no release 9.9 of purepkg.");
		shoot("request-refused");

		page.findElement(By.id("version")).clear();
		page.findElement(By.id("version")).sendKeys("1.0");
		page.findElement(By.cssSelector("button[type=submit]")).click();
		assertThat(page.getCurrentUrl()).matches(".*/builds/[0-9]+$");
		assertThat(page.findElement(By.className("notice")).getText()).isEqualTo("Your build is queued.");

		String state = awaitEndState(page);
		assertThat(state).isIn("SUCCEEDED", "PUBLISHED");
		assertThat(page.findElement(By.tagName("main")).getText()).contains("Strategy", "pure", "SUCCEEDED");
		shoot("build");

		page.findElement(By.linkText("purepkg")).click();
		assertThat(page.getCurrentUrl()).endsWith("/projects/purepkg");
		assertThat(page.findElement(By.id("optin")).getText()).isEqualTo("OPTED_IN");
		shoot("project");
	}

	private String awaitEndState(WebDriver page) throws InterruptedException {
		Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
		String state = "";
		while (Instant.now().isBefore(deadline)) {
			// The page refreshes itself every 5 s; read what it shows now.
			state = page.findElement(By.id("state")).getText();
			if (List.of("SUCCEEDED", "PUBLISHED", "FAILED", "CANCELLED", "SKIPPED").contains(state)
					&& page.findElements(By.cssSelector("meta[http-equiv=refresh]")).isEmpty()
					|| "SUCCEEDED".equals(state)) {
				return state;
			}
			Thread.sleep(500);
		}
		throw new AssertionError("the build page still shows " + state);
	}

	private void seedOptedInProjectWithAnSdist(String name, String version) throws Exception {
		byte[] sdist = Sdists.sdist(scratch, name, version, Sdists.PURE_SETUPTOOLS);
		String filename = name + "-" + version + ".tar.gz";
		String url = files.publish(filename, sdist, 0).toString();
		long repository = this.jdbc
			.sql("INSERT INTO repository (url) VALUES ('https://git.example/purepkg') RETURNING id")
			.query(Long.class)
			.single();
		long project = this.jdbc.sql("""
				INSERT INTO project (name, display_name, optin_state, repository_id) VALUES (?, ?, 'OPTED_IN', ?)
				RETURNING id
				""").params(name, name, repository).query(Long.class).single();
		long release = this.jdbc
			.sql("INSERT INTO release (project_id, version, pep440) VALUES (?, ?, true) RETURNING id")
			.params(project, version)
			.query(Long.class)
			.single();
		this.jdbc.sql("""
				INSERT INTO pypi_file (release_id, filename, kind, url, sha256, size) VALUES (?, ?, 'sdist', ?, ?, ?)
				""").params(release, filename, url, Sha256.digest(sdist).hex(), sdist.length).update();
	}

	private void shoot(String name) {
		browser.screenshot(SHOTS.resolve(name + "-laptop.png"));
		browser.phone();
		browser.driver().navigate().refresh();
		browser.screenshot(SHOTS.resolve(name + "-phone.png"));
		browser.laptop();
	}

	private String url(String path) {
		return "http://127.0.0.1:" + this.port + path;
	}

}

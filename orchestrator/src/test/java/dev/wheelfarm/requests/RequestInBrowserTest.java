package dev.wheelfarm.requests;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.wheelfarm.dispatch.local.Sdists;
import dev.wheelfarm.pypi.PypiWatcher;
import dev.wheelfarm.pypi.standin.PypiStandIn;
import dev.wheelfarm.testsupport.Axe;
import dev.wheelfarm.testsupport.Browser;
import dev.wheelfarm.testsupport.IntegrationTest;
import dev.wheelfarm.testsupport.Waiting;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedCondition;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A person's path through the farm in a real headless Chromium. The PyPI stand-in serves
 * a project with two sdist-only releases; the maintainer's settings backfill only from
 * 1.0, so the watcher queues 1.0 by itself and 0.9 is what the person requests. The
 * request is refused once with its reason, then accepted, and the build page follows the
 * local build until its wheel is published. Screenshots at laptop and phone widths land
 * in {@code target/screenshots/} (copies are in docs/screenshots/).
 */
@IntegrationTest
@TestPropertySource(properties = { "wheelfarm.engine=local", "wheelfarm.local.python=" + Sdists.PYTHON,
		"wheelfarm.local.offline=true", "wheelfarm.local.fetch-retries=0", "wheelfarm.dispatch.interval=300ms" })
class RequestInBrowserTest {

	private static final Path SHOTS = Path.of("target", "screenshots");

	@TempDir
	static Path scratch;

	static final PypiStandIn pypi = PypiStandIn.start();

	static Browser browser;

	@LocalServerPort
	int port;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	PypiWatcher watcher;

	@DynamicPropertySource
	static void pypiStandIn(DynamicPropertyRegistry registry) {
		registry.add("wheelfarm.pypi.base-url", () -> pypi.baseUrl().toString());
	}

	@BeforeAll
	static void start() {
		browser = new Browser();
	}

	@AfterAll
	static void stop() {
		browser.close();
		pypi.close();
	}

	@Test
	void aRequestFromTheFormEndsInAPublishedWheel() throws Exception {
		PypiStandIn.Project project = pypi.project("purepkg");
		for (String version : new String[] { "0.9", "1.0" }) {
			byte[] sdist = Sdists.sdist(scratch, "purepkg", version, Sdists.pure("purepkg", version));
			project.release(version).upload("purepkg-" + version + ".tar.gz", sdist);
		}
		optIn("purepkg", Map.of("since", "1.0"));
		this.watcher.watch(PypiWatcher.Mode.FULL);
		WebDriver page = browser.driver();

		page.get(url("/"));
		assertThat(page.getTitle()).contains("Wheelfarm");
		assertThat(page.findElement(By.tagName("pre")).getText()).contains("--extra-index-url " + url("/simple/"));

		page.get(url("/request"));
		page.findElement(By.id("project")).sendKeys("PurePkg");
		page.findElement(By.id("version")).sendKeys("9.9");
		page.findElement(By.cssSelector("button[type=submit]")).click();
		// A click returns once the form is submitted, not once the answer is shown: wait
		// for the answer's page, as a person would.
		assertThat(waitFor(page, ExpectedConditions.presenceOfElementLocated(By.id("version-error"))).getText())
			.isEqualTo("PyPI has no release 9.9 of purepkg.");
		shoot("request-refused");
		assertThat(Axe.seriousViolations(page)).as("the refused form, with its error").isEmpty();

		page.findElement(By.id("version")).clear();
		page.findElement(By.id("version")).sendKeys("0.9");
		page.findElement(By.cssSelector("button[type=submit]")).click();
		waitFor(page, ExpectedConditions.urlMatches(".*/builds/[0-9]+$"));
		assertThat(page.findElement(By.className("notice")).getText()).isEqualTo("Your build is queued.");

		assertThat(awaitEndState(page)).isEqualTo("PUBLISHED");
		assertThat(page.findElement(By.tagName("main")).getText()).contains("pure", "purepkg-0.9-py3-none-any.whl",
				"pip install --prefer-binary --extra-index-url " + url("/simple/") + " purepkg==0.9");
		shoot("request-build");
		// The worker's whole log, as the local engine handed it over, is kept for the
		// page.
		String buildUrl = page.getCurrentUrl();
		page.findElement(By.id("full-log")).click();
		waitFor(page, ExpectedConditions.urlMatches(".*/builds/[0-9]+/log$"));
		assertThat(page.findElement(By.tagName("body")).getText()).contains("wheelfarm worker", "request wf-",
				"purepkg 0.9", "purepkg-0.9-py3-none-any.whl");
		page.get(buildUrl);

		page.findElement(By.linkText("purepkg")).click();
		waitFor(page, ExpectedConditions.urlMatches(".*/projects/purepkg$"));
		assertThat(page.findElement(By.id("optin")).getText()).isEqualTo("opted in");
		assertThat(page.findElements(By.cssSelector("#releases article")))
			.extracting((release) -> release.getAttribute("data-version") + " "
					+ !release.findElements(By.cssSelector("a[href*='/builds/']")).isEmpty())
			.as("the watcher queued 1.0 itself; 0.9 came from the request")
			.containsExactlyInAnyOrder("1.0 true", "0.9 true");
	}

	/** Waits for the condition; on a time-out, says what the page showed instead. */
	private static <T> T waitFor(WebDriver page, ExpectedCondition<T> condition) {
		try {
			return new WebDriverWait(page, Duration.ofSeconds(30)).until(condition);
		}
		catch (TimeoutException ex) {
			throw new AssertionError("waited 30 s for " + condition + "; the browser shows " + page.getCurrentUrl()
					+ ":\n" + page.findElement(By.tagName("body")).getText(), ex);
		}
	}

	private String awaitEndState(WebDriver page) {
		String state = Waiting.until("the build page to show an ended build", Duration.ofMinutes(3), () -> {
			// The page reloads itself every 5 s while the build runs; between two loads
			// the element may be gone or stale, which only means: look again.
			try {
				return page.findElement(By.id("state")).getAttribute("data-state");
			}
			catch (NoSuchElementException | StaleElementReferenceException ex) {
				return "";
			}
		}, List.of("PUBLISHED", "FAILED", "CANCELLED", "SKIPPED")::contains);
		assertThat(page.findElements(By.cssSelector("meta[http-equiv=refresh]")))
			.as("an ended build's page stops refreshing")
			.isEmpty();
		return state;
	}

	private void optIn(String name, Map<String, String> settings) {
		long repository = this.jdbc.sql("INSERT INTO repository (url) VALUES (?) RETURNING id")
			.param("https://git.example/" + name)
			.query(Long.class)
			.single();
		String json = settings.entrySet()
			.stream()
			.map((entry) -> "\"" + entry.getKey() + "\": \"" + entry.getValue() + "\"")
			.reduce((a, b) -> a + ", " + b)
			.map((body) -> "{" + body + "}")
			.orElse("{}");
		this.jdbc.sql("""
				INSERT INTO project (name, display_name, optin_state, repository_id, settings)
				VALUES (?, ?, 'OPTED_IN', ?, ?::jsonb)
				""").params(name, name, repository, json).update();
	}

	private void shoot(String name) {
		browser.screenshot(SHOTS.resolve(name + "-laptop.png"));
		browser.phone();
		browser.screenshot(SHOTS.resolve(name + "-phone.png"));
		browser.laptop();
	}

	private String url(String path) {
		return "http://127.0.0.1:" + this.port + path;
	}

}

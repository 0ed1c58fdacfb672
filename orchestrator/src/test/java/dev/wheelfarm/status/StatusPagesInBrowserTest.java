package dev.wheelfarm.status;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import dev.wheelfarm.builds.BuildLogs;
import dev.wheelfarm.testsupport.Axe;
import dev.wheelfarm.testsupport.Browser;
import dev.wheelfarm.testsupport.IntegrationTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pages for people in a real headless Chromium, over a farm whose ledger holds a
 * published build, a failed one with its stored log, a queued one, PyPI's files, the
 * farm's wheels and a nightly. Every page is checked with axe-core (no serious or
 * critical violation), for a horizontal scroll at 390 px, and for raw state codes;
 * screenshots of each at laptop and phone width land in {@code target/screenshots/}
 * (copied to docs/screenshots/, see docs/maintainers.md, "The farm's pages").
 */
@IntegrationTest
@TestPropertySource(properties = { "wheelfarm.dispatch.enabled=false", "wheelfarm.engine=local" })
class StatusPagesInBrowserTest {

	private static final Path SHOTS = Path.of("target", "screenshots");

	// The ledger's codes: words stand for them on every page (StateWords).
	private static final Pattern RAW_STATE = Pattern
		.compile("\\b(OPTED_IN|PENDING|DISPATCHED|RUNNING|SUCCEEDED|PUBLISHED|FAILED|CANCELLED|SKIPPED|REJECTED)\\b");

	// A compile that fails on a missing header: the decisive line is in the middle, the
	// tail is the build tool's noise.
	private static final String FAILED_LOG = """
			wheelfarm worker 1, stage pure, request wf-2-1: native-ext 2.0
			$ python -m build --wheel
			running build_ext
			building 'native_ext._speedups' extension
			gcc -pthread -fPIC -I/usr/include/python3.12 -c src/speedups.c -o build/speedups.o
			src/speedups.c:3:10: fatal error: yaml.h: No such file or directory
			    3 | #include <yaml.h>
			      |          ^~~~~~~~
			compilation terminated.
			error: command '/usr/bin/gcc' failed with exit code 1
			""" + "cleanup line\n".repeat(40) + "ERROR Backend subprocess exited when trying to invoke build_wheel\n";

	static Browser browser;

	static long published;

	static long failed;

	static long queued;

	static boolean seeded;

	@LocalServerPort
	int port;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	BuildLogs logs;

	@BeforeAll
	static void start() {
		browser = new Browser();
	}

	@AfterAll
	static void stop() {
		browser.close();
	}

	@BeforeEach
	void farm() {
		if (seeded) {
			return;
		}
		long repository = this.jdbc
			.sql("INSERT INTO repository (url) VALUES ('https://git.example/native-ext') RETURNING id")
			.query(Long.class)
			.single();
		long project = project("native-ext", "Native_Ext", "OPTED_IN", repository);
		project("other-lib", "other-lib", "OPTED_IN", repository);
		long release10 = release(project, "1.0", "2026-10-01T10:00:00Z", true);
		long release20 = release(project, "2.0", "2026-11-01T10:00:00Z", false);
		release(project, "2.1", "2026-11-20T10:00:00Z", false);
		pypiFile(release10, "native_ext-1.0.tar.gz", "sdist", 20_480);
		pypiFile(release20, "native_ext-2.0.tar.gz", "sdist", 21_504);
		published = build(project, "2.0", "a");
		this.jdbc.sql("UPDATE build SET state = 'DISPATCHED', builder = 'local', external_run_id = 'r1' WHERE id = ?")
			.param(published)
			.update();
		this.jdbc.sql("UPDATE build SET state = 'SUCCEEDED', strategy = 'cibuildwheel' WHERE id = ?")
			.param(published)
			.update();
		this.jdbc.sql("UPDATE build SET state = 'PUBLISHED', reason = 'wheels published' WHERE id = ?")
			.param(published)
			.update();
		wheel(project, "2.0", "native_ext-2.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", published);
		wheel(project, "2.0", "native_ext-2.0-cp312-cp312-macosx_11_0_arm64.whl", published);
		failed = build(project, "1.0", "b");
		this.jdbc
			.sql("""
					UPDATE build SET state = 'FAILED', failure_kind = 'permanent', failure_class = 'missing-system-dependency',
					       reason = 'missing-system-dependency: the build needs yaml.h', attempts = 1,
					       log_excerpt = 'ERROR Backend subprocess exited when trying to invoke build_wheel'
					WHERE id = ?""")
			.param(failed)
			.update();
		this.logs.store(failed, 1, FAILED_LOG);
		queued = build(project, "2.1", "c");
		wheel(project, "2.2.dev20261201", "native_ext-2.2.dev20261201-py3-none-any.whl", null);
		seeded = true;
	}

	@Test
	void homeCountersLeadToTheListsAndTheHeaderToThePages() {
		WebDriver page = browser.driver();
		page.get(url("/"));
		assertThat(page.findElement(By.id("total-failures")).getText()).contains("1", "failed builds");
		assertThat(page.findElement(By.tagName("main")).getText()).contains(
				"pip install --prefer-binary --extra-index-url " + url("/simple/") + " PROJECT", "[[tool.uv.index]]",
				"url = \"" + url("/simple/") + "\"");
		checkPage("home");
		page.findElement(By.id("total-failures")).click();
		waitFor(page, ExpectedConditions.urlContains("/builds?state=failed"));
		assertThat(page.findElements(By.cssSelector("#builds tbody tr")))
			.extracting((row) -> row.getAttribute("data-build"))
			.containsExactly(Long.toString(failed));
		page.findElement(By.linkText("Projects")).click();
		waitFor(page, ExpectedConditions.urlMatches(".*/projects$"));
		assertThat(page.findElements(By.cssSelector("header nav a"))).extracting(WebElement::getText)
			.doesNotContain("Index");
	}

	@Test
	void theProjectListIsSearchedWithTheKeyboard() {
		WebDriver page = browser.driver();
		page.get(url("/projects"));
		assertThat(page.findElements(By.cssSelector("#projects tbody tr")))
			.extracting((row) -> row.getAttribute("data-project"))
			.containsExactly("native-ext", "other-lib");
		assertThat(page.findElement(By.cssSelector("tr[data-project=native-ext]")).getText())
			.isEqualTo("Native_Ext 2.1 2 1 1 opted in, 1 building or queued");
		checkPage("projects");
		WebElement search = page.findElement(By.id("q"));
		search.sendKeys("NATIVE.ext", Keys.ENTER);
		waitFor(page, ExpectedConditions.urlContains("q=NATIVE.ext"));
		assertThat(page.findElements(By.cssSelector("#projects tbody tr")))
			.extracting((row) -> row.getAttribute("data-project"))
			.containsExactly("native-ext");
		assertThat(page.findElement(By.id("project-count")).getText()).startsWith("1 project matching “NATIVE.ext”");
		// The box takes at most 200 characters; a longer search typed into the address
		// bar is answered with the reason, not an error page.
		page.get(url("/projects?q=" + "x".repeat(201)));
		assertThat(page.findElement(By.id("q-error")).getText()).contains("at most 200 characters");
	}

	@Test
	void aProjectPageListsEveryFileWithItsTagsInWordsAndTheNightliesBelow() {
		WebDriver page = browser.driver();
		page.get(url("/projects/native-ext"));
		assertThat(page.findElement(By.id("optin")).getText()).isEqualTo("opted in");
		assertThat(page.findElement(By.id("link-pypi")).getAttribute("href"))
			.isEqualTo("https://pypi.org/project/native-ext/");
		assertThat(page.findElement(By.id("link-repository")).getAttribute("href"))
			.isEqualTo("https://git.example/native-ext");
		assertThat(page.findElement(By.id("link-simple")).getAttribute("href")).isEqualTo(url("/simple/native-ext/"));
		assertThat(page.findElement(By.id("install")).getText()).contains(
				"pip install --prefer-binary --extra-index-url " + url("/simple/") + " native-ext",
				"[[tool.uv.index]]");

		WebElement linux = page.findElement(By.cssSelector(
				"li[data-filename='native_ext-2.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl']"));
		assertThat(linux.getAttribute("data-source")).isEqualTo("build");
		assertThat(linux.findElement(By.className("tag-python")).getText()).isEqualTo("CPython 3.12");
		assertThat(linux.findElement(By.className("tag-abi")).getText()).isEqualTo("CPython 3.12 only");
		assertThat(linux.findElement(By.className("tag-platform")).getText()).isEqualTo("Linux x86-64, glibc 2.17+");
		assertThat(linux.getText()).contains("built by the farm", "1.2 MB", "d".repeat(64));
		assertThat(linux.findElement(By.linkText("the file's record")).getAttribute("href"))
			.isEqualTo(url("/api/files/native_ext-2.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"));
		WebElement mac = page
			.findElement(By.cssSelector("li[data-filename='native_ext-2.0-cp312-cp312-macosx_11_0_arm64.whl']"));
		assertThat(mac.findElement(By.className("tag-platform")).getText()).isEqualTo("macOS 11.0+ ARM64");
		WebElement sdist = page.findElement(By.cssSelector("li[data-filename='native_ext-1.0.tar.gz']"));
		assertThat(sdist.getText()).contains("PyPI", "yanked: broken on 3.13", "20.5 kB");
		assertThat(page.findElement(By.cssSelector("article[data-version='1.0'] h3")).getText())
			.contains("failed: a missing system library or tool", "yanked");

		assertThat(page.findElement(By.id("history")).getText()).contains("failed — will not retry until", "built",
				"queued");
		WebElement nightly = page.findElement(By.cssSelector("#nightlies article[data-version='2.2.dev20261201']"));
		assertThat(nightly.getText()).contains("native_ext-2.2.dev20261201-py3-none-any.whl", "uploaded by the project",
				"Python 3", "none (pure Python)");
		assertThat(page.findElements(By.cssSelector("#releases article[data-version='2.2.dev20261201']")))
			.as("a nightly is not a release")
			.isEmpty();
		assertThat(documentOrder(page, "releases", "history", "nightlies")).isTrue();
		checkPage("project");
	}

	@Test
	void aFailedBuildShowsTheDecisiveLineWhatToDoAndTheFullLog() throws Exception {
		WebDriver page = browser.driver();
		page.get(url("/builds/" + failed));
		assertThat(page.findElement(By.id("state")).getText())
			.startsWith("failed — will not retry until the recipe or the sdist changes");
		assertThat(page.findElement(By.id("failure-class")).getText()).startsWith("A missing system library or tool");
		assertThat(page.findElement(By.cssSelector("#decisive-log .decisive")).getText())
			.isEqualTo("6src/speedups.c:3:10: fatal error: yaml.h: No such file or directory");
		assertThat(page.findElement(By.id("advice")).getText()).contains("before-all", "platforms = [\"linux\"]");
		assertThat(page.findElements(By.cssSelector("meta[http-equiv=refresh]"))).isEmpty();
		checkPage("build-failed");

		page.findElement(By.id("full-log")).click();
		waitFor(page, ExpectedConditions.urlMatches(".*/builds/" + failed + "/log$"));
		HttpResponse<String> log = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create(url("/builds/" + failed + "/log"))).build(),
					HttpResponse.BodyHandlers.ofString());
		assertThat(log.statusCode()).isEqualTo(200);
		assertThat(log.headers().firstValue("Content-Type")).hasValue("text/plain;charset=utf-8");
		assertThat(log.body()).isEqualTo(FAILED_LOG);
		assertThat(HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create(url("/builds/" + published + "/log"))).build(),
					HttpResponse.BodyHandlers.ofString())
			.statusCode()).as("a build without a stored log").isEqualTo(404);
	}

	@Test
	void theBuildListShowsTheQueueLiveAndFiltersByStateWithTheKeyboard() throws Exception {
		WebDriver page = browser.driver();
		page.get(url("/builds"));
		assertThat(page.findElements(By.cssSelector("#queue-table tbody tr"))).extracting(
				(row) -> row.getAttribute("data-build") + " " + row.findElement(By.className("state-words")).getText())
			.containsExactly(queued + " queued");
		assertThat(page.findElements(By.cssSelector("meta[http-equiv=refresh]"))).as("refreshes while builds wait")
			.hasSize(1);
		shoot("builds");

		WebElement state = page.findElement(By.id("state"));
		state.sendKeys("failed");
		state.sendKeys(Keys.TAB);
		page.switchTo().activeElement().sendKeys(Keys.ENTER);
		waitFor(page, ExpectedConditions.urlContains("state=failed"));
		assertThat(page.findElements(By.cssSelector("#builds tbody tr")))
			.extracting((row) -> row.getAttribute("data-build"))
			.containsExactly(Long.toString(failed));
		page.get(url("/builds?state=built"));
		assertThat(page.findElements(By.cssSelector("#builds tbody tr")))
			.extracting((row) -> row.getAttribute("data-build"))
			.containsExactly(Long.toString(published));

		page.get(url("/builds/" + published));
		assertThat(page.findElement(By.id("state")).getText()).isEqualTo("built");
		checkPage("build");

		// The queue's page reloads itself; the checks need a page that holds still, so
		// the
		// queued build is cancelled meanwhile (its row's markup is the list's), and
		// queued
		// again for the other tests.
		this.jdbc.sql("UPDATE build SET state = 'CANCELLED', reason = 'test' WHERE id = ?").param(queued).update();
		try {
			page.get(url("/builds"));
			assertThat(page.findElements(By.cssSelector("meta[http-equiv=refresh]"))).isEmpty();
			check();
			// An unknown state is refused, in words naming the states there are, not
			// answered with every build.
			page.get(url("/builds?state=finished"));
			assertThat(page.findElement(By.id("state-error")).getText())
				.isEqualTo("There is no build state “finished”. Show all builds, or those queued, building, built,"
						+ " failed, cancelled or skipped.");
			assertThat(page.findElement(By.id("state")).getAttribute("aria-describedby")).isEqualTo("state-error");
			assertThat(page.findElements(By.cssSelector("#builds tbody tr"))).isEmpty();
			check();
			assertThat(HttpClient.newHttpClient()
				.send(HttpRequest.newBuilder(URI.create(url("/builds?state=finished"))).build(),
						HttpResponse.BodyHandlers.ofString())
				.statusCode()).isEqualTo(400);
		}
		finally {
			this.jdbc.sql("UPDATE build SET state = 'PENDING', reason = 'test' WHERE id = ?").param(queued).update();
		}
		page.get(url("/request"));
		check();
		page.get(url("/builds/999999"));
		check();
	}

	/** Accessibility, width and words at both widths, then the screenshots. */
	private void checkPage(String name) {
		check();
		shoot(name);
	}

	private void check() {
		WebDriver page = browser.driver();
		assertThat(RAW_STATE.matcher(page.findElement(By.tagName("body")).getText()).results().map((m) -> m.group()))
			.as("raw state codes on %s", page.getCurrentUrl())
			.isEmpty();
		List<String> problems = new ArrayList<>();
		for (boolean phone : new boolean[] { false, true }) {
			if (phone) {
				browser.phone();
			}
			Axe.seriousViolations(page)
				.forEach((violation) -> problems.add((phone ? "phone: " : "laptop: ") + violation));
			if (phone) {
				long overflow = (Long) ((JavascriptExecutor) page).executeScript(
						"return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
				if (overflow > 0) {
					problems.add("scrolls sideways by " + overflow + " px at 390 px");
				}
			}
		}
		browser.laptop();
		assertThat(problems).as("accessibility and width of %s", page.getCurrentUrl()).isEmpty();
	}

	private void shoot(String name) {
		browser.fullPageScreenshot(SHOTS.resolve(name + "-laptop.png"), 2400);
		browser.phone();
		browser.fullPageScreenshot(SHOTS.resolve(name + "-phone.png"), 3200);
		browser.laptop();
	}

	private static boolean documentOrder(WebDriver page, String... ids) {
		Object ordered = ((JavascriptExecutor) page).executeScript("""
				const ids = arguments[0];
				for (let i = 1; i < ids.length; i++) {
				  const a = document.getElementById(ids[i - 1]), b = document.getElementById(ids[i]);
				  if (!(a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING)) return false;
				}
				return true;""", List.of(ids));
		return Boolean.TRUE.equals(ordered);
	}

	private static void waitFor(WebDriver page, org.openqa.selenium.support.ui.ExpectedCondition<?> condition) {
		new WebDriverWait(page, Duration.ofSeconds(20)).until(condition);
	}

	private long project(String name, String display, String state, long repository) {
		return this.jdbc
			.sql("""
					INSERT INTO project (name, display_name, optin_state, repository_id) VALUES (?, ?, ?, ?) RETURNING id""")
			.params(name, display, state, repository)
			.query(Long.class)
			.single();
	}

	private long release(long project, String version, String seen, boolean yanked) {
		return this.jdbc.sql("""
				INSERT INTO release (project_id, version, pep440, first_seen_at, yanked, yanked_reason)
				VALUES (?, ?, true, ?::timestamptz, ?, ?) RETURNING id""")
			.params(project, version, seen, yanked, yanked ? "broken on 3.13" : null)
			.query(Long.class)
			.single();
	}

	private void pypiFile(long release, String filename, String kind, long size) {
		this.jdbc.sql("""
				INSERT INTO pypi_file (release_id, filename, kind, url, sha256, size, upload_time)
				VALUES (?, ?, ?, ?, ?, ?, '2026-10-01T10:00:00Z')""")
			.params(release, filename, kind, "https://files.example/" + filename, "e".repeat(64), size)
			.update();
	}

	private long build(long project, String version, String recipe) {
		return this.jdbc
			.sql("""
					INSERT INTO build (project_id, version, sdist_filename, sdist_url, sdist_sha256, recipe_fingerprint, origin)
					VALUES (?, ?, ?, ?, ?, ?, 'watcher') RETURNING id""")
			.params(project, version, "native_ext-" + version + ".tar.gz",
					"https://files.example/native_ext-" + version + ".tar.gz", "e".repeat(64), recipe.repeat(64))
			.query(Long.class)
			.single();
	}

	private void wheel(long project, String version, String filename, Long build) {
		this.jdbc
			.sql("""
					INSERT INTO wheel (build_id, project_id, version, filename, sha256, size, metadata_sha256, origin, uploaded_by)
					VALUES (?, ?, ?, ?, ?, 1234567, ?, ?, ?)""")
			.params(build, project, version, filename, "d".repeat(64), "c".repeat(64),
					(build != null) ? "build" : "upload", (build != null) ? null : "token")
			.update();
	}

	private String url(String path) {
		return "http://127.0.0.1:" + this.port + path;
	}

}

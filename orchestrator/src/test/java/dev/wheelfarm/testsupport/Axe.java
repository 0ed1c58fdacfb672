package dev.wheelfarm.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import dev.wheelfarm.shared.Sha256;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * axe-core, the accessibility engine, run in the browser on the page it shows. The script
 * is the npm package axe-core's {@code axe.min.js}, as Deque's Maven artifact
 * {@code com.deque.html.axe-core:selenium} repackages it; its hash is checked against the
 * file in the npm tarball, so the test runs exactly the engine npm publishes.
 */
public final class Axe {

	/**
	 * sha256 of {@code package/axe.min.js} in npm's {@code axe-core-4.11.1.tgz} (npm
	 * integrity
	 * {@code sha512-BASOg+YwO2C+346x3LZOeoovTIoTrRqEsqMa6fmfAV0P+U9mFr9NsyOEpiYvFjbc64NMrSswhV50WdXzdb/Z5A==}).
	 */
	public static final String NPM_AXE_MIN_JS_SHA256 = "7dbfabdfc6062936d79c873ddbb5f811a1219fca3928bd8cc9dd81f1e65f4720";

	private static final Set<String> BLOCKING = Set.of("serious", "critical");

	private static final String RUN = """
			const done = arguments[arguments.length - 1];
			axe.run(document, { resultTypes: ['violations'] })
			  .then((results) => done(JSON.stringify(results.violations)), (error) => done('error: ' + error));
			""";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final String SOURCE = load();

	private Axe() {
	}

	/**
	 * The serious and critical violations on the page the browser shows, one line each
	 * (rule, impact, help, the elements), empty when there are none.
	 */
	public static List<String> seriousViolations(WebDriver driver) {
		driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(60));
		JavascriptExecutor script = (JavascriptExecutor) driver;
		script.executeScript(SOURCE);
		String answer = (String) script.executeAsyncScript(RUN);
		if (answer.startsWith("error: ")) {
			throw new IllegalStateException("axe-core failed on " + driver.getCurrentUrl() + ": " + answer);
		}
		List<String> violations = new ArrayList<>();
		for (JsonNode violation : JSON.readTree(answer)) {
			String impact = violation.path("impact").asString("");
			if (!BLOCKING.contains(impact)) {
				continue;
			}
			List<String> targets = new ArrayList<>();
			violation.path("nodes").forEach((node) -> targets.add(node.path("target").toString()));
			violations.add(violation.path("id").asString() + " (" + impact + "): " + violation.path("help").asString()
					+ " at " + targets);
		}
		return violations;
	}

	private static String load() {
		try (InputStream in = Axe.class.getResourceAsStream("/axe.min.js")) {
			if (in == null) {
				throw new IllegalStateException("axe.min.js is not on the test classpath (com.deque.html.axe-core)");
			}
			byte[] bytes = in.readAllBytes();
			String actual = Sha256.digest(bytes).hex();
			if (!NPM_AXE_MIN_JS_SHA256.equals(actual)) {
				throw new IllegalStateException("axe.min.js on the classpath has sha256 " + actual
						+ ", not the one of npm's axe-core 4.11.1: " + NPM_AXE_MIN_JS_SHA256);
			}
			return new String(bytes, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}

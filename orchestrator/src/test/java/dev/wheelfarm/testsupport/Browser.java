package dev.wheelfarm.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * A real headless Chromium driven through Debian's chromedriver. The flags keep it off
 * the network this machine does not have (environment.md), and a fresh profile per
 * browser keeps tests apart.
 */
public final class Browser implements AutoCloseable {

	private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

	private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

	private final WebDriver driver;

	private final Path profile;

	public Browser() {
		if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
			throw new IllegalStateException(
					"Chromium is missing: apt-get install chromium chromium-driver (.ci/run installs them)");
		}
		try {
			this.profile = Files.createTempDirectory("wheelfarm-chromium");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		ChromeOptions options = new ChromeOptions();
		options.setBinary(CHROMIUM.toFile());
		options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
				"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
				"--disable-quic", "--user-data-dir=" + this.profile);
		ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
			.usingAnyFreePort()
			.build();
		this.driver = new ChromeDriver(service, options);
		this.driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
		laptop();
	}

	public WebDriver driver() {
		return this.driver;
	}

	/** A laptop's viewport. */
	public Browser laptop() {
		this.driver.manage().window().setSize(new Dimension(1280, 900));
		return this;
	}

	/** A phone's viewport (a common 390 CSS pixels wide). */
	public Browser phone() {
		this.driver.manage().window().setSize(new Dimension(390, 844));
		return this;
	}

	/** Saves what the browser shows as a PNG. */
	public Path screenshot(Path file) {
		try {
			Files.createDirectories(file.getParent());
			byte[] png = ((TakesScreenshot) this.driver).getScreenshotAs(OutputType.BYTES);
			return Files.write(file, png);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Saves the whole page, not only what the window shows, as a PNG: the window grows to
	 * the page's height (at most {@code maxHeight} pixels) for the shot and is put back.
	 */
	public Path fullPageScreenshot(Path file, int maxHeight) {
		Dimension before = this.driver.manage().window().getSize();
		Number height = (Number) ((org.openqa.selenium.JavascriptExecutor) this.driver)
			.executeScript("return document.documentElement.scrollHeight;");
		int chrome = before.getHeight() - ((Number) ((org.openqa.selenium.JavascriptExecutor) this.driver)
			.executeScript("return window.innerHeight;")).intValue();
		this.driver.manage()
			.window()
			.setSize(new Dimension(before.getWidth(), Math.min(maxHeight, height.intValue() + chrome)));
		try {
			return screenshot(file);
		}
		finally {
			this.driver.manage().window().setSize(before);
		}
	}

	@Override
	public void close() {
		this.driver.quit();
	}

}

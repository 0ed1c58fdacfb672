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

	@Override
	public void close() {
		this.driver.quit();
	}

}

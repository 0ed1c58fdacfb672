package dev.wheelfarm.uploads;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import jakarta.servlet.MultipartConfigElement;

import dev.wheelfarm.artifacts.ArtifactsProperties;
import dev.wheelfarm.database.DataDirectoryProperties;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.jetty.JettyServerCustomizer;
import org.springframework.boot.servlet.MultipartConfigFactory;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.util.unit.DataSize;

/**
 * Multipart limits that follow the artifacts' size cap, so that an upload the farm would
 * accept is never cut off by the servlet container's own (much smaller) defaults, and one
 * it would refuse is not read to the end; the parts of uploads in flight kept under the
 * data directory and swept at start; the filter that refuses broken bodies; and the
 * reason phrase of refusals in the status line.
 */
@Configuration(proxyBeanMethods = false)
class UploadConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(UploadConfiguration.class);

	/**
	 * Room for twine's other fields (a long description, classifiers) beside the file.
	 */
	private static final DataSize FIELDS = DataSize.ofMegabytes(16);

	/** The upload paths: twine's, and a stage's. */
	private static final List<String> UPLOAD_PATHS = List.of("/legacy", "/legacy/", "/stage/*");

	@Bean
	UploadsInFlight uploadsInFlight(DataDirectoryProperties dataDirectory) {
		return UploadsInFlight.sweep(dataDirectory.dataDir().resolve("uploads-in-flight"));
	}

	@Bean
	MultipartConfigElement multipartConfigElement(ArtifactsProperties limits, UploadsInFlight inFlight) {
		MultipartConfigFactory factory = new MultipartConfigFactory();
		// Not java.io.tmpdir: parts spooled there by a process that is killed stay
		// forever, and a 100 MB wheel is spooled whole before the controller runs.
		factory.setLocation(inFlight.directory().toString());
		factory.setMaxFileSize(limits.maxWheelSize());
		factory.setMaxRequestSize(DataSize.ofBytes(limits.maxWheelSize().toBytes() + FIELDS.toBytes()));
		factory.setFileSizeThreshold(DataSize.ofMegabytes(1));
		return factory.createMultipartConfig();
	}

	@Bean
	FilterRegistrationBean<UploadBodyFilter> uploadBodyFilter(ArtifactsProperties limits) {
		FilterRegistrationBean<UploadBodyFilter> registration = new FilterRegistrationBean<>(
				new UploadBodyFilter(limits.maxWheelSize().toBytes()));
		registration.setUrlPatterns(UPLOAD_PATHS);
		// After the character encoding filter (HIGHEST_PRECEDENCE: the form's text fields
		// are decoded as UTF-8 when the parts are parsed), before Spring Security's chain
		// and everything else that might touch the body.
		registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
		return registration;
	}

	@Bean
	JettyServerCustomizer reasonPhrases() {
		return (server) -> {
			for (var connector : server.getConnectors()) {
				HttpConnectionFactory http = connector.getConnectionFactory(HttpConnectionFactory.class);
				if (http != null) {
					http.getHttpConfiguration().addCustomizer(new ReasonPhrase());
				}
			}
		};
	}

	/**
	 * The directory of the files of uploads being received; whatever is in it at start
	 * was left by a process that died mid-upload.
	 *
	 * @param directory where the parts and the upload's own copy are written
	 */
	record UploadsInFlight(Path directory) {

		static UploadsInFlight sweep(Path directory) {
			try {
				Files.createDirectories(directory);
				long removed = 0;
				long bytes = 0;
				try (Stream<Path> left = Files.walk(directory)) {
					for (Path path : left.sorted(Comparator.reverseOrder()).toList()) {
						if (!path.equals(directory)) {
							bytes += Files.isRegularFile(path) ? Files.size(path) : 0;
							Files.delete(path);
							removed++;
						}
					}
				}
				if (removed > 0) {
					logger.info("Removed {} files ({} bytes) of uploads interrupted before the last start from {}",
							removed, bytes, directory);
				}
				return new UploadsInFlight(directory);
			}
			catch (IOException ex) {
				throw new UncheckedIOException("Cannot prepare the directory of uploads in flight " + directory, ex);
			}
		}

	}

}

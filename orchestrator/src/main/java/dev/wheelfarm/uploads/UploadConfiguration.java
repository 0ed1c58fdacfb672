package dev.wheelfarm.uploads;

import jakarta.servlet.MultipartConfigElement;

import dev.wheelfarm.artifacts.ArtifactsProperties;

import org.springframework.boot.servlet.MultipartConfigFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;

/**
 * Multipart limits that follow the artifacts' size cap, so that an upload the farm would
 * accept is never cut off by the servlet container's own (much smaller) defaults, and one
 * it would refuse is not read to the end.
 */
@Configuration(proxyBeanMethods = false)
class UploadConfiguration {

	/**
	 * Room for twine's other fields (a long description, classifiers) beside the file.
	 */
	private static final DataSize FIELDS = DataSize.ofMegabytes(16);

	@Bean
	MultipartConfigElement multipartConfigElement(ArtifactsProperties limits) {
		MultipartConfigFactory factory = new MultipartConfigFactory();
		factory.setMaxFileSize(limits.maxWheelSize());
		factory.setMaxRequestSize(DataSize.ofBytes(limits.maxWheelSize().toBytes() + FIELDS.toBytes()));
		factory.setFileSizeThreshold(DataSize.ofMegabytes(1));
		return factory.createMultipartConfig();
	}

}

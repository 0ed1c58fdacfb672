package dev.wheelfarm.index;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * Mounts the Simple API ahead of Spring Security and the DispatcherServlet, just after
 * the request-metrics filter (so index traffic still shows in
 * {@code /actuator/prometheus}).
 */
@Configuration(proxyBeanMethods = false)
class SimpleIndexConfiguration {

	@Bean
	FilterRegistrationBean<SimpleIndexFilter> simpleIndexFilter(PageCache pages, IndexPages uncached,
			IndexRepository repository, IndexProperties properties, MeterRegistry meters) {
		FilterRegistrationBean<SimpleIndexFilter> registration = new FilterRegistrationBean<>(
				new SimpleIndexFilter(pages, uncached, repository, properties, meters));
		registration.addUrlPatterns("/simple", "/simple/*", "/stage/*");
		registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
		return registration;
	}

}

package dev.wheelfarm.index;

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
	FilterRegistrationBean<SimpleIndexFilter> simpleIndexFilter(PageCache pages, IndexProperties properties) {
		FilterRegistrationBean<SimpleIndexFilter> registration = new FilterRegistrationBean<>(
				new SimpleIndexFilter(pages, properties));
		registration.addUrlPatterns("/simple", "/simple/*");
		registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
		return registration;
	}

}

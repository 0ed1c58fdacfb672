package dev.wheelfarm.index;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.jetty.JettyServerCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * Mounts the Simple API ahead of Spring Security and the DispatcherServlet: its cached
 * pages in front of the servlet container ({@link CachedPageHandler}), the rest of it as
 * the first servlet filter ({@link SimpleIndexFilter}), ahead of the request-metrics
 * filter; the index counts its own answers ({@code wheelfarm_index_requests_total}).
 */
@Configuration(proxyBeanMethods = false)
class SimpleIndexConfiguration {

	@Bean
	AnswerCounters indexAnswerCounters(MeterRegistry meters) {
		return new AnswerCounters(meters);
	}

	@Bean
	FilterRegistrationBean<SimpleIndexFilter> simpleIndexFilter(PageCache pages, IndexPages uncached,
			IndexRepository repository, IndexProperties properties, AnswerCounters counters) {
		FilterRegistrationBean<SimpleIndexFilter> registration = new FilterRegistrationBean<>(
				new SimpleIndexFilter(pages, uncached, repository, properties, counters));
		registration.addUrlPatterns("/simple", "/simple/*", "/stage/*");
		registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
		return registration;
	}

	@Bean
	JettyServerCustomizer cachedIndexPages(PageCache pages, AnswerCounters counters, IndexProperties properties,
			@Value("${server.servlet.context-path:}") String contextPath) {
		String context = contextPath.endsWith("/") ? contextPath.substring(0, contextPath.length() - 1) : contextPath;
		return (server) -> server.setHandler(new CachedPageHandler(server.getHandler(), pages, counters, context,
				SimpleIndexFilter.cacheControl(properties)));
	}

}

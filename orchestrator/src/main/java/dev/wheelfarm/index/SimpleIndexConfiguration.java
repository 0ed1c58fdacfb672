package dev.wheelfarm.index;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.jetty.JettyServerCustomizer;
import org.springframework.boot.jetty.servlet.JettyServletWebServerFactory;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * Mounts the Simple API ahead of Spring Security and the DispatcherServlet: its cached
 * pages in front of every handler of the server ({@link CachedPageHandler}), the rest of
 * it as the first servlet filter ({@link SimpleIndexFilter}), ahead of the
 * request-metrics filter; the index counts its own answers
 * ({@code wheelfarm_index_requests_total}).
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

	/**
	 * Boot's own factory (it backs off for this one) with the same customizers, but with
	 * the cached pages answered ahead of every handler Boot adds.
	 */
	@Bean
	JettyServletWebServerFactory jettyServletWebServerFactory(ObjectProvider<JettyServerCustomizer> customizers,
			PageCache pages, AnswerCounters counters, IndexProperties properties,
			@Value("${server.servlet.context-path:}") String contextPath) {
		String context = contextPath.endsWith("/") ? contextPath.substring(0, contextPath.length() - 1) : contextPath;
		JettyServletWebServerFactory factory = new CachedPagesWebServerFactory((next) -> new CachedPageHandler(next,
				pages, counters, context, SimpleIndexFilter.cacheControl(properties)));
		factory.getServerCustomizers().addAll(customizers.orderedStream().toList());
		return factory;
	}

}

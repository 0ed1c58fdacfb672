package dev.wheelfarm.web;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Nobody logs in to the farm: every page is public. Spring Security is here for what a
 * public site still needs: CSRF tokens on the browser forms and the standard security
 * headers. The JSON API, the GitHub webhook and twine's uploads ({@code /legacy/} and a
 * stage's {@code /stage/<token>/legacy/}) carry no cookies and authenticate differently
 * (a signature, or a token in the Authorization header), so CSRF does not apply to them.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

	@Bean
	SecurityFilterChain publicSite(HttpSecurity http) throws Exception {
		return http.authorizeHttpRequests((requests) -> requests.anyRequest().permitAll())
			.csrf((csrf) -> csrf.ignoringRequestMatchers("/api/**", "/legacy", "/legacy/**", "/stage/*/legacy",
					"/stage/*/legacy/**"))
			.formLogin(AbstractHttpConfigurer::disable)
			.httpBasic(AbstractHttpConfigurer::disable)
			.logout(AbstractHttpConfigurer::disable)
			.requestCache(AbstractHttpConfigurer::disable)
			.headers((headers) -> headers
				.contentSecurityPolicy((csp) -> csp.policyDirectives(SecurityHeaders.CONTENT_SECURITY_POLICY)))
			.build();
	}

}

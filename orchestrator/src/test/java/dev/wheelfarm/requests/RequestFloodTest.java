package dev.wheelfarm.requests;

import dev.wheelfarm.testsupport.IntegrationTest;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.servlet.MockMvc;

import static org.hamcrest.Matchers.containsString;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/** A flood of requests from one client is turned away with a time to come back. */
@IntegrationTest
@AutoConfigureMockMvc
@TestPropertySource(properties = { "wheelfarm.dispatch.enabled=false", "wheelfarm.requests.per-client=3",
		"wheelfarm.requests.window=1h" })
class RequestFloodTest {

	@Autowired
	MockMvc mvc;

	@Test
	void theFourthRequestWithinTheWindowIsTooMany() throws Exception {
		for (int i = 0; i < 3; i++) {
			this.mvc.perform(post("/request").with(csrf()).param("project", "nobody").param("version", "1.0"))
				.andExpect(status().isNotFound());
		}
		this.mvc.perform(post("/request").with(csrf()).param("project", "nobody").param("version", "1.0"))
			.andExpect(status().isTooManyRequests())
			.andExpect(header().exists("Retry-After"))
			.andExpect(content().string(containsString("Too many requests from your address")));
		this.mvc
			.perform(post("/api/requests").contentType(MediaType.APPLICATION_JSON)
				.content("{\"project\":\"nobody\",\"version\":\"1.0\"}"))
			.andExpect(status().isTooManyRequests())
			.andExpect(header().exists("Retry-After"))
			.andExpect(jsonPath("$.title").value("Too many requests"));
	}

}

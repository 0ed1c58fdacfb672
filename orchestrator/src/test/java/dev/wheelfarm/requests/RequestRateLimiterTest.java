package dev.wheelfarm.requests;

import java.time.Duration;
import java.time.Instant;

import dev.wheelfarm.testsupport.MutableClock;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RequestRateLimiterTest {

	private final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T10:00:00Z"));

	@Test
	void aClientGetsItsShareAndIsToldHowLongToWait() {
		RequestRateLimiter limiter = new RequestRateLimiter(new RequestsProperties(2, Duration.ofMinutes(1), 100),
				this.clock);
		assertThat(limiter.tryAcquire("a")).isEmpty();
		assertThat(limiter.tryAcquire("a")).isEmpty();
		this.clock.advance(Duration.ofSeconds(20));
		assertThat(limiter.tryAcquire("a")).contains(Duration.ofSeconds(40));
		assertThat(limiter.tryAcquire("b")).as("others are not affected").isEmpty();
		this.clock.advance(Duration.ofSeconds(40));
		assertThat(limiter.tryAcquire("a")).as("a new window").isEmpty();
	}

	@Test
	void theTableOfClientsStaysBounded() {
		RequestRateLimiter limiter = new RequestRateLimiter(new RequestsProperties(1, Duration.ofHours(1), 100),
				this.clock);
		assertThat(limiter.tryAcquire("first")).isEmpty();
		for (int i = 0; i < 100; i++) {
			limiter.tryAcquire("client-" + i);
		}
		assertThat(limiter.tryAcquire("first")).as("forgotten, so allowed again").isEmpty();
		assertThat(limiter.tryAcquire("first")).isPresent();
	}

}

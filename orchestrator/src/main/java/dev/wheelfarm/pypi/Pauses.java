package dev.wheelfarm.pypi;

import java.net.URI;
import java.time.Duration;

/**
 * What {@link PypiHttp} does with the pause its backoff wants before a retry. The farm
 * hands the whole pause to {@link org.springframework.core.retry.RetryTemplate}, which
 * sleeps it (Spring's core retry has no pluggable sleeper); tests record the pause and
 * sleep none of it, so a {@code Retry-After} of seconds costs them no time.
 */
@FunctionalInterface
interface Pauses {

	/** Sleeps every pause, as the farm does. */
	Pauses SLEEP = (target, pause) -> pause.toMillis();

	/**
	 * @param target the page about to be asked again
	 * @param pause what the backoff and {@code Retry-After} want
	 * @return the milliseconds {@code RetryTemplate} sleeps before the retry
	 */
	long before(URI target, Duration pause);

}

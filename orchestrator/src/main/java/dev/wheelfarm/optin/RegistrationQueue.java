package dev.wheelfarm.optin;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * Where a registration's first read waits its turn: one at a time, so that a burst of
 * registrations cannot open a burst of outgoing connections, and at most
 * {@value #CAPACITY} queued (the re-sync job reads the ones refused later anyway).
 */
@Configuration(proxyBeanMethods = false)
class RegistrationQueue {

	static final String EXECUTOR = "optInRegistrationExecutor";

	static final int CAPACITY = 1000;

	/**
	 * At a stop, when the bean is destroyed (not at the context's first close signal, so
	 * a registration accepted meanwhile is not refused as "queue full"), the queue is
	 * dropped and a read under way is interrupted, then given a few seconds to end. Its
	 * metrics are Spring Boot's {@code executor_*{name="optInRegistrationExecutor"}}.
	 */
	@Bean(EXECUTOR)
	ThreadPoolTaskExecutor optInRegistrationExecutor() {
		ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
		executor.setCorePoolSize(1);
		executor.setMaxPoolSize(1);
		executor.setQueueCapacity(CAPACITY);
		executor.setThreadNamePrefix("optin-registration-");
		executor.setDaemon(true);
		executor.setWaitForTasksToCompleteOnShutdown(false);
		executor.setAcceptTasksAfterContextClose(true);
		executor.setAwaitTerminationSeconds(5);
		return executor;
	}

}

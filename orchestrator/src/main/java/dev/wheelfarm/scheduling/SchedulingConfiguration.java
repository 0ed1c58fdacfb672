package dev.wheelfarm.scheduling;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.scheduling.config.FixedDelayTask;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;

/**
 * Runs every {@link RepeatingTask} bean on Spring's scheduler with a fixed delay, a
 * singleton task only while this replica holds its lock ({@link SingletonJobs}). The
 * scheduler is a bean of its own (Spring Boot's backs off), for two reasons: it has one
 * thread per task, so a slow PyPI watch cycle never holds back a dispatch round; and it
 * stays a thread pool when {@code spring.threads.virtual.enabled} is set, because the
 * virtual-thread scheduler Spring Boot would pick then runs every fixed-delay task on a
 * single thread.
 */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
public class SchedulingConfiguration implements SchedulingConfigurer {

	private static final Logger logger = LoggerFactory.getLogger(SchedulingConfiguration.class);

	/** How long a stopping farm gives a run that was interrupted to let go. */
	static final int AWAIT_TERMINATION_SECONDS = 10;

	private final ObjectProvider<RepeatingTask> tasks;

	private final ObjectProvider<SingletonJobs> singletonJobs;

	SchedulingConfiguration(ObjectProvider<RepeatingTask> tasks, ObjectProvider<SingletonJobs> singletonJobs) {
		this.tasks = tasks;
		this.singletonJobs = singletonJobs;
	}

	/**
	 * At a stop, no run starts any more and the runs under way finish (Spring's lifecycle
	 * waits for them up to {@code spring.lifecycle.timeout-per-shutdown-phase}); one
	 * still running when the scheduler is destroyed is interrupted, and given
	 * {@value #AWAIT_TERMINATION_SECONDS} s to end. Executor metrics
	 * ({@code executor_*{name="taskScheduler"}}) come from Spring Boot.
	 */
	@Bean
	ThreadPoolTaskScheduler taskScheduler() {
		ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
		scheduler.setPoolSize(Math.max(1, enabledTasks().size()));
		scheduler.setThreadNamePrefix("schedule-");
		scheduler.setWaitForTasksToCompleteOnShutdown(false);
		scheduler.setAwaitTerminationSeconds(AWAIT_TERMINATION_SECONDS);
		return scheduler;
	}

	@Override
	public void configureTasks(ScheduledTaskRegistrar registrar) {
		for (RepeatingTask task : enabledTasks()) {
			Runnable run = task::runOnce;
			if (task.singleton()) {
				SingletonJobs singletons = this.singletonJobs.getIfAvailable();
				if (singletons == null) {
					throw new IllegalStateException(
							"the singleton job " + task.name() + " needs a database to lock it in, and there is none");
				}
				run = () -> singletons.runIfFree(task);
			}
			Runnable named = run;
			registrar.addFixedDelayTask(
					new FixedDelayTask(() -> runNamed(task, named), task.interval(), task.initialDelay()));
		}
	}

	private List<RepeatingTask> enabledTasks() {
		return this.tasks.orderedStream().filter(RepeatingTask::enabled).toList();
	}

	/**
	 * The pool's threads are shared, so each run borrows its schedule's name: a log line
	 * says which schedule wrote it, as when each schedule had a thread of its own. A run
	 * that fails is logged here, under that name, and the schedule goes on: a database
	 * restart must not stop a farm job for good.
	 */
	private static void runNamed(RepeatingTask task, Runnable run) {
		Thread thread = Thread.currentThread();
		String poolName = thread.getName();
		thread.setName(task.name());
		try {
			run.run();
		}
		catch (RuntimeException ex) {
			// Deliberately broad: whatever one run throws (a database hiccup, a bug in a
			// job), the schedule must go on, and the failure must reach the log rather
			// than die silently in the scheduler's thread.
			logger.error("A {} run failed; the next starts in {}", task.name(), task.interval(), ex);
		}
		finally {
			thread.setName(poolName);
		}
	}

}

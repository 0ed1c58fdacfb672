package dev.wheelfarm.scheduling;

import java.time.Duration;
import java.time.Instant;

import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/**
 * Runs one task on a thread of its own, again and again, each run starting
 * {@code interval} after the previous one ended, so that a slow run never overlaps the
 * next. Started and stopped with the application. Spring's scheduler logs a run that
 * throws and keeps the schedule: a database restart must not stop a farm job for good.
 */
public class FixedDelaySchedule implements SmartLifecycle {

	private final String name;

	private final Duration initialDelay;

	private final Duration interval;

	private final Runnable task;

	private ThreadPoolTaskScheduler scheduler;

	/**
	 * @param name the thread's name prefix, e.g. {@code pypi-watch}
	 * @param initialDelay the wait before the first run
	 * @param interval the wait between the end of one run and the start of the next
	 * @param task what runs
	 */
	public FixedDelaySchedule(String name, Duration initialDelay, Duration interval, Runnable task) {
		this.name = name;
		this.initialDelay = initialDelay;
		this.interval = interval;
		this.task = task;
	}

	/** For a schedule whose task is its own {@link #runOnce()}. */
	protected FixedDelaySchedule(String name, Duration initialDelay, Duration interval) {
		this(name, initialDelay, interval, null);
	}

	/** The task of a subclass that passed none to the constructor. */
	protected void runOnce() {
		throw new IllegalStateException("schedule " + this.name + " has no task");
	}

	@Override
	public synchronized void start() {
		if (this.scheduler != null) {
			return;
		}
		ThreadPoolTaskScheduler newScheduler = new ThreadPoolTaskScheduler();
		newScheduler.setThreadNamePrefix(this.name + "-");
		newScheduler.setPoolSize(1);
		newScheduler.setWaitForTasksToCompleteOnShutdown(false);
		newScheduler.initialize();
		newScheduler.scheduleWithFixedDelay((this.task != null) ? this.task : this::runOnce,
				Instant.now().plus(this.initialDelay), this.interval);
		this.scheduler = newScheduler;
	}

	@Override
	public synchronized void stop() {
		if (this.scheduler != null) {
			this.scheduler.shutdown();
			this.scheduler = null;
		}
	}

	@Override
	public synchronized boolean isRunning() {
		return this.scheduler != null;
	}

}

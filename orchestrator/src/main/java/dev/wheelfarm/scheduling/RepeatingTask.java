package dev.wheelfarm.scheduling;

import java.time.Duration;

/**
 * Work the farm repeats for as long as it runs, each run starting {@link #interval()}
 * after the previous one ended, so that a slow run never overlaps the next. A bean of
 * this type is all a feature declares: {@link SchedulingConfiguration} hands it to
 * Spring's scheduler.
 */
public interface RepeatingTask {

	/** The schedule's name, e.g. {@code pypi-watch}: its runs' thread name in the log. */
	String name();

	/** The wait before the first run, counted from the application's start. */
	Duration initialDelay();

	/** The wait between the end of one run and the start of the next. */
	Duration interval();

	/** One run. What it throws is logged and the schedule goes on. */
	void runOnce();

	/** Whether the schedule runs at all in this configuration. */
	default boolean enabled() {
		return true;
	}

	/**
	 * Whether a run may happen on one replica at a time only (the default, the safe
	 * answer for a job that reads and writes shared state): each run first takes the
	 * job's lease in PostgreSQL ({@link SingletonJobs}), and a replica that cannot take
	 * it skips that turn. False for work that every replica does on its share, such as
	 * dispatch rounds, which claim builds row by row.
	 */
	default boolean singleton() {
		return true;
	}

	/** A singleton task that is only a name, its timing and what runs. */
	static RepeatingTask of(String name, Duration initialDelay, Duration interval, Runnable task) {
		return new Simple(name, initialDelay, interval, task, true);
	}

	/** A task every replica runs, each on its own share of the work. */
	static RepeatingTask onEveryReplica(String name, Duration initialDelay, Duration interval, Runnable task) {
		return new Simple(name, initialDelay, interval, task, false);
	}

	/** What {@link #of} and {@link #onEveryReplica} return. */
	record Simple(String name, Duration initialDelay, Duration interval, Runnable task,
			boolean singleton) implements RepeatingTask {

		@Override
		public void runOnce() {
			this.task.run();
		}

	}

}

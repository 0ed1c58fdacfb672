package dev.wheelfarm.scheduling;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.support.DefaultLifecycleProcessor;
import org.springframework.scheduling.config.ScheduledTaskHolder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The farm's schedules on Spring's scheduler, as the application wires them: each
 * {@link RepeatingTask} bean runs with its own fixed delay, on a thread of its own,
 * through failures, and stops with the farm. Waits are for conditions (latches), bounded.
 */
class SchedulingConfigurationTest {

	private static final long WAIT_SECONDS = 30;

	@Test
	void theIntervalIsTheWaitBetweenTheEndOfARunAndTheStartOfTheNext() throws Exception {
		Duration interval = Duration.ofMillis(150);
		List<long[]> runs = new CopyOnWriteArrayList<>();
		CountDownLatch threeRuns = new CountDownLatch(3);
		RepeatingTask task = RepeatingTask.onEveryReplica("timed", Duration.ZERO, interval, () -> {
			long start = System.nanoTime();
			runs.add(new long[] { start, System.nanoTime() });
			threeRuns.countDown();
		});
		try (AnnotationConfigApplicationContext farm = farm(task)) {
			assertThat(threeRuns.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
		}
		for (int i = 1; i < 3; i++) {
			assertThat(Duration.ofNanos(runs.get(i)[0] - runs.get(i - 1)[1])).as("pause before run %d", i)
				.isGreaterThanOrEqualTo(interval);
		}
	}

	@Test
	void aRunThatHangsHoldsBackNoOtherScheduleAndAFailingRunKeepsItsSchedule() throws Exception {
		CountDownLatch hanging = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		RepeatingTask slow = RepeatingTask.onEveryReplica("slow", Duration.ZERO, Duration.ofMillis(10), () -> {
			hanging.countDown();
			await(release);
		});
		CountDownLatch threeFailures = new CountDownLatch(3);
		List<String> threadNames = new CopyOnWriteArrayList<>();
		RepeatingTask failing = RepeatingTask.onEveryReplica("failing", Duration.ZERO, Duration.ofMillis(10), () -> {
			threadNames.add(Thread.currentThread().getName());
			threeFailures.countDown();
			throw new IllegalStateException("the database is restarting");
		});
		try (AnnotationConfigApplicationContext farm = farm(slow, failing)) {
			assertThat(hanging.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
			assertThat(threeFailures.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("runs while the other hangs").isTrue();
			release.countDown();
		}
		assertThat(threadNames).as("each run is named after its schedule").containsOnly("failing");
	}

	@Test
	void aDisabledTaskIsNotScheduled() {
		RepeatingTask off = new RepeatingTask() {

			@Override
			public String name() {
				return "off";
			}

			@Override
			public Duration initialDelay() {
				return Duration.ZERO;
			}

			@Override
			public Duration interval() {
				return Duration.ofMillis(10);
			}

			@Override
			public void runOnce() {
				throw new AssertionError("a disabled task ran");
			}

			@Override
			public boolean enabled() {
				return false;
			}

		};
		RepeatingTask on = RepeatingTask.onEveryReplica("on", Duration.ofHours(1), Duration.ofHours(1), () -> {
		});
		try (AnnotationConfigApplicationContext farm = farm(off, on)) {
			assertThat(farm.getBean(ScheduledTaskHolder.class).getScheduledTasks()).hasSize(1);
		}
	}

	@Test
	void aFarmThatStopsInterruptsARunThatDoesNotEndAndWaitsForIt() throws Exception {
		CountDownLatch started = new CountDownLatch(1);
		AtomicInteger interrupted = new AtomicInteger();
		CountDownLatch ended = new CountDownLatch(1);
		RepeatingTask stuck = RepeatingTask.onEveryReplica("stuck", Duration.ZERO, Duration.ofHours(1), () -> {
			started.countDown();
			try {
				new CountDownLatch(1).await();
			}
			catch (InterruptedException ex) {
				interrupted.incrementAndGet();
			}
			finally {
				ended.countDown();
			}
		});
		AnnotationConfigApplicationContext farm = farm(stuck);
		assertThat(started.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
		farm.close();
		assertThat(ended.getCount()).as("closing returned only once the run had ended").isZero();
		assertThat(interrupted).hasValue(1);
	}

	/** A context with the farm's scheduling and these tasks as beans. */
	private static AnnotationConfigApplicationContext farm(RepeatingTask... tasks) {
		AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
		context.register(SchedulingConfiguration.class);
		for (int i = 0; i < tasks.length; i++) {
			RepeatingTask task = tasks[i];
			context.registerBean("task" + i, RepeatingTask.class, () -> task);
		}
		// A run that does not end is waited for this long at a stop before it is
		// interrupted (the application's is spring.lifecycle.timeout-per-shutdown-phase).
		DefaultLifecycleProcessor lifecycle = new DefaultLifecycleProcessor();
		lifecycle.setTimeoutPerShutdownPhase(200);
		context.registerBean("lifecycleProcessor", DefaultLifecycleProcessor.class, () -> lifecycle);
		context.refresh();
		return context;
	}

	private static void await(CountDownLatch latch) {
		try {
			latch.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}

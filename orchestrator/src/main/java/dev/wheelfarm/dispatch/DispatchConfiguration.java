package dev.wheelfarm.dispatch;

import java.time.Clock;
import java.time.Duration;

import dev.wheelfarm.builds.BuildLedger;
import dev.wheelfarm.builds.BuildsProperties;
import dev.wheelfarm.database.DataDirectoryProperties;
import dev.wheelfarm.dispatch.github.WorkflowRunChanged;
import dev.wheelfarm.dispatch.local.LocalBuilderProperties;
import dev.wheelfarm.dispatch.local.LocalEngine;
import dev.wheelfarm.dispatch.local.LocalWorkerRunner;
import dev.wheelfarm.scheduling.RepeatingTask;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * Wires the dispatcher to the engine {@code wheelfarm.engine} selects, and runs its
 * rounds on a schedule unless {@code wheelfarm.dispatch.enabled} is false. The engine is
 * given {@code wheelfarm.dispatch.run-timeout}, the one limit of a run whichever engine
 * runs it.
 */
@Configuration(proxyBeanMethods = false)
class DispatchConfiguration {

	/** Its metrics are Spring Boot's {@code executor_*{name="localBuildExecutor"}}. */
	@Bean
	@ConditionalOnProperty(name = "wheelfarm.engine", havingValue = "local", matchIfMissing = true)
	ThreadPoolTaskExecutor localBuildExecutor(BuildsProperties builds) {
		return LocalEngine.pool(builds.maxConcurrent());
	}

	@Bean
	@ConditionalOnProperty(name = "wheelfarm.engine", havingValue = "local", matchIfMissing = true)
	LocalEngine localEngine(LocalBuilderProperties properties, DispatchProperties dispatch,
			DataDirectoryProperties dataDirectory,
			@Qualifier("localBuildExecutor") ThreadPoolTaskExecutor localBuildExecutor) {
		return new LocalEngine(new LocalWorkerRunner(properties, dispatch.runTimeout()),
				properties.runsDirUnder(dataDirectory.dataDir()), localBuildExecutor);
	}

	@Bean
	Dispatcher dispatcher(BuildLedger ledger, BuildEngine engine, BuildOutputs outputs,
			ApplicationEventPublisher events, DispatchProperties properties, EngineSelection selection, Clock clock) {
		if (!engine.name().equalsIgnoreCase(selection.engine().name())) {
			throw new IllegalStateException(
					"wheelfarm.engine is " + selection.engine() + " but the engine is " + engine.name());
		}
		return new Dispatcher(ledger, engine, outputs, events, properties, clock);
	}

	/**
	 * A webhook delivery says a run changed: look at it now rather than at the next
	 * round. The delivery is only a hint; the dispatcher reads the run's state from the
	 * engine.
	 */
	@Bean
	WebhookHint webhookHint(Dispatcher dispatcher) {
		return new WebhookHint(dispatcher);
	}

	@Bean
	@ConditionalOnBooleanProperty(name = "wheelfarm.dispatch.enabled", matchIfMissing = true)
	RepeatingTask dispatchSchedule(Dispatcher dispatcher, DispatchProperties properties) {
		return RepeatingTask.onEveryReplica("dispatch", Duration.ZERO, properties.interval(), dispatcher::round);
	}

	static final class WebhookHint {

		private final Dispatcher dispatcher;

		WebhookHint(Dispatcher dispatcher) {
			this.dispatcher = dispatcher;
		}

		@EventListener
		void on(WorkflowRunChanged change) {
			this.dispatcher.watchRun(Long.toString(change.runId()));
		}

	}

}

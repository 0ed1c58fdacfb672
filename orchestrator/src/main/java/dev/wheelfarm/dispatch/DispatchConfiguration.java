package dev.wheelfarm.dispatch;

import java.time.Duration;

import dev.wheelfarm.builds.BuildLedger;
import dev.wheelfarm.builds.BuildsProperties;
import dev.wheelfarm.database.DataDirectoryProperties;
import dev.wheelfarm.dispatch.github.WorkflowRunChanged;
import dev.wheelfarm.dispatch.local.LocalBuilderProperties;
import dev.wheelfarm.dispatch.local.LocalEngine;
import dev.wheelfarm.dispatch.local.LocalWorkerRunner;
import dev.wheelfarm.scheduling.FixedDelaySchedule;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;

/**
 * Wires the dispatcher to the engine {@code wheelfarm.engine} selects, and runs its
 * rounds on a schedule unless {@code wheelfarm.dispatch.enabled} is false. The engine is
 * given {@code wheelfarm.dispatch.run-timeout}, the one limit of a run whichever engine
 * runs it.
 */
@Configuration(proxyBeanMethods = false)
class DispatchConfiguration {

	@Bean(destroyMethod = "close")
	@ConditionalOnProperty(name = "wheelfarm.engine", havingValue = "local", matchIfMissing = true)
	LocalEngine localEngine(LocalBuilderProperties properties, DispatchProperties dispatch,
			DataDirectoryProperties dataDirectory, BuildsProperties builds) {
		return new LocalEngine(new LocalWorkerRunner(properties, dispatch.runTimeout()),
				dataDirectory.dataDir().resolve("local-runs"), builds.maxConcurrent());
	}

	@Bean
	Dispatcher dispatcher(BuildLedger ledger, BuildEngine engine, BuildOutputs outputs,
			ApplicationEventPublisher events, DispatchProperties properties, EngineSelection selection) {
		if (!engine.name().equalsIgnoreCase(selection.engine().name())) {
			throw new IllegalStateException(
					"wheelfarm.engine is " + selection.engine() + " but the engine is " + engine.name());
		}
		return new Dispatcher(ledger, engine, outputs, events, properties);
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
	FixedDelaySchedule dispatchSchedule(Dispatcher dispatcher, DispatchProperties properties) {
		return new FixedDelaySchedule("dispatch", Duration.ZERO, properties.interval(), dispatcher::round);
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

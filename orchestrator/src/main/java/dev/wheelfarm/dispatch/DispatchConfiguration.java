package dev.wheelfarm.dispatch;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import dev.wheelfarm.builds.BuildLedger;
import dev.wheelfarm.builds.BuildLogs;
import dev.wheelfarm.builds.BuildsProperties;
import dev.wheelfarm.database.DataDirectoryProperties;
import dev.wheelfarm.dispatch.github.WorkflowRunChanged;
import dev.wheelfarm.dispatch.local.LocalBuilderProperties;
import dev.wheelfarm.cache.CacheAccess;
import dev.wheelfarm.dispatch.local.BuildIndex;
import dev.wheelfarm.dispatch.local.LocalEngine;
import dev.wheelfarm.dispatch.local.LocalSandbox;
import dev.wheelfarm.dispatch.local.LocalSandboxHealth;
import dev.wheelfarm.dispatch.local.LocalWorkerRunner;
import dev.wheelfarm.dispatch.local.SandboxProperties;
import dev.wheelfarm.dispatch.local.SandboxUnavailableException;
import dev.wheelfarm.provenance.AttestationVerifier;
import dev.wheelfarm.scheduling.RepeatingTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * Wires the dispatcher to the engine {@code wheelfarm.engine} selects, and runs its
 * rounds on a schedule unless {@code wheelfarm.dispatch.enabled} is false. The engine is
 * given {@code wheelfarm.dispatch.run-timeout}, the one limit of a run whichever engine
 * runs it.
 */
@Configuration(proxyBeanMethods = false)
class DispatchConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(DispatchConfiguration.class);

	/** Its metrics are Spring Boot's {@code executor_*{name="localBuildExecutor"}}. */
	@Bean
	@ConditionalOnProperty(name = "wheelfarm.engine", havingValue = "local", matchIfMissing = true)
	ThreadPoolTaskExecutor localBuildExecutor(BuildsProperties builds) {
		return LocalEngine.pool(builds.maxConcurrent());
	}

	/**
	 * The sandbox of local builds. It hides the data directory and the farm's working
	 * directory (where {@code config/application.properties} is read from).
	 */
	@Bean
	@ConditionalOnProperty(name = "wheelfarm.engine", havingValue = "local", matchIfMissing = true)
	LocalSandbox localSandbox(SandboxProperties properties, DataDirectoryProperties dataDirectory) {
		return new LocalSandbox(properties, List.of(dataDirectory.dataDir(), Path.of(System.getProperty("user.dir"))));
	}

	@Bean
	@ConditionalOnProperty(name = "wheelfarm.engine", havingValue = "local", matchIfMissing = true)
	LocalSandboxHealth localSandboxHealthIndicator(LocalSandbox sandbox) {
		return new LocalSandboxHealth(sandbox);
	}

	/**
	 * The local engine. It refuses to start on a host that cannot run its builds in the
	 * sandbox, unless the operator opted out: the probe runs here, once.
	 */
	@Bean
	@ConditionalOnProperty(name = "wheelfarm.engine", havingValue = "local", matchIfMissing = true)
	LocalEngine localEngine(LocalBuilderProperties properties, DispatchProperties dispatch,
			DataDirectoryProperties dataDirectory, LocalSandbox sandbox, CacheAccess cache, Environment environment,
			@Qualifier("localBuildExecutor") ThreadPoolTaskExecutor localBuildExecutor) {
		Path runsRoot = dataDirectory.dataDir().resolve("local-runs");
		LocalWorkerRunner runner = new LocalWorkerRunner(properties, dispatch.runTimeout(), sandbox,
				() -> farmCache(cache, environment));
		runner.sandboxUnavailable(runsRoot.resolve(".sandbox-check")).ifPresent((reason) -> {
			throw new SandboxUnavailableException(reason);
		});
		logger.info("{}", sandbox.describe());
		return new LocalEngine(runner, runsRoot, localBuildExecutor);
	}

	/**
	 * The farm's own pull-through cache of PyPI ({@code /cache/simple/}), where isolated
	 * builds get their build requirements unless {@code wheelfarm.local.index-url} names
	 * another index: a grant per build, revoked when it ends. Asked at each build, since
	 * the port is known only once the server listens.
	 */
	private static BuildIndex.Lease farmCache(CacheAccess cache, Environment environment) {
		String port = environment.getProperty("local.server.port", environment.getProperty("server.port", "8080"));
		CacheAccess.Grant grant = cache.grant();
		return new BuildIndex.Lease(grant.indexUrl(URI.create("http://127.0.0.1:" + port)).toString(), grant::close);
	}

	@Bean
	Dispatcher dispatcher(BuildLedger ledger, BuildLogs logs, BuildEngine engine, BuildOutputs outputs,
			ApplicationEventPublisher events, DispatchProperties properties, EngineSelection selection, Clock clock,
			AttestationVerifier verifier) {
		if (!engine.name().equalsIgnoreCase(selection.engine().name())) {
			throw new IllegalStateException(
					"wheelfarm.engine is " + selection.engine() + " but the engine is " + engine.name());
		}
		return new Dispatcher(ledger, logs, engine, outputs, events, properties, clock,
				new WheelAttestations(verifier));
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

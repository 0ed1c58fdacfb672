package dev.wheelfarm.database;

import java.util.concurrent.CompletableFuture;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Starts the embedded PostgreSQL on a thread of its own as soon as the application
 * context begins to refresh, so that creating or opening the cluster (about a second,
 * initdb included) overlaps with the parsing of configuration classes instead of
 * following it. The data source then waits for the server rather than starting it (see
 * {@link EmbeddedDatabaseConfiguration}).
 * <p>
 * The decision is taken at the start of the refresh, not in {@link #initialize}: other
 * initializers (tests pointing the farm at their own database, for one) may still add a
 * {@code spring.datasource.url} after this one runs, and a server started for nothing
 * would hold a cluster lock. Added by {@code WheelfarmApplication#application()} only:
 * test contexts and slices, which bring their own database, never start one early.
 */
public class EmbeddedPostgresEarlyStart implements ApplicationContextInitializer<ConfigurableApplicationContext> {

	@Override
	public void initialize(ConfigurableApplicationContext context) {
		context.addBeanFactoryPostProcessor(new Starter(context.getEnvironment()));
	}

	/**
	 * Context-registered post-processors run first of all, before any class is parsed.
	 */
	private record Starter(ConfigurableEnvironment environment) implements BeanDefinitionRegistryPostProcessor {

		private static final Logger logger = LoggerFactory.getLogger(EmbeddedPostgresEarlyStart.class);

		@Override
		public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) {
			if (!EmbeddedDatabaseConfiguration.isChosen(this.environment)
					|| !(registry instanceof DefaultListableBeanFactory beanFactory)) {
				return;
			}
			DataDirectoryProperties properties;
			try {
				properties = Binder.get(this.environment).bindOrCreate("wheelfarm", DataDirectoryProperties.class);
			}
			catch (BindException | IllegalArgumentException ex) {
				// The properties binding reports the error with its context; the server
				// is then started (and fails) the ordinary way.
				logger.debug("Not starting the embedded PostgreSQL early: {}", ex.getMessage());
				return;
			}
			// Normally taken already by DataDirectoryLocking; the server must never start
			// on a directory this process has not locked.
			DataDirectoryLock lock = DataDirectoryLock.heldFor(beanFactory, properties.dataDir());
			EmbeddedPostgresStartup startup = new EmbeddedPostgresStartup(properties.embeddedPostgresDir(),
					startInBackground(lock));
			beanFactory.registerSingleton(EmbeddedPostgresStartup.BEAN_NAME, startup);
			// A refresh that fails before the data source takes the server destroys the
			// singletons: the startup then stops the server it started.
			beanFactory.registerDisposableBean(EmbeddedPostgresStartup.BEAN_NAME, startup);
		}

		private static CompletableFuture<EmbeddedPostgresServer> startInBackground(DataDirectoryLock lock) {
			CompletableFuture<EmbeddedPostgresServer> server = new CompletableFuture<>();
			Thread starter = new Thread(() -> {
				try {
					server.complete(EmbeddedPostgresServer.start(lock));
				}
				catch (RuntimeException | Error ex) {
					// Not handled here: handed to the main thread, which rethrows it when
					// the data source takes the server, so the start-up fails with the
					// real cause instead of waiting forever on a thread that died.
					server.completeExceptionally(ex);
				}
			}, "embedded-postgres-start");
			starter.setDaemon(true);
			starter.start();
			return server;
		}

		@Override
		public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
		}

	}

}

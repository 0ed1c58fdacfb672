package dev.wheelfarm.database;

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
 * Locks the data directory ({@link DataDirectoryLock}) as the application context begins
 * to refresh, before any bean can touch the directory, and keeps it locked until the
 * context closes. A second farm started on a directory in use stops right there with a
 * {@link DataDirectoryInUseException}, having changed nothing. Added by
 * {@code WheelfarmApplication#application()} ahead of {@link EmbeddedPostgresEarlyStart}:
 * test contexts, each with a fresh directory of its own, do not lock.
 */
public class DataDirectoryLocking implements ApplicationContextInitializer<ConfigurableApplicationContext> {

	@Override
	public void initialize(ConfigurableApplicationContext context) {
		context.addBeanFactoryPostProcessor(new Locker(context.getEnvironment()));
	}

	/** Context-registered post-processors run first of all, in the order added. */
	private record Locker(ConfigurableEnvironment environment) implements BeanDefinitionRegistryPostProcessor {

		private static final Logger logger = LoggerFactory.getLogger(DataDirectoryLocking.class);

		@Override
		public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) {
			if (!(registry instanceof DefaultListableBeanFactory beanFactory)) {
				return;
			}
			DataDirectoryProperties properties;
			try {
				properties = Binder.get(this.environment).bindOrCreate("wheelfarm", DataDirectoryProperties.class);
			}
			catch (BindException | IllegalArgumentException ex) {
				// The properties binding reports the error with its context when the
				// beans are created; nothing can use the directory then.
				logger.debug("Not locking the data directory: {}", ex.getMessage());
				return;
			}
			DataDirectoryLock lock = DataDirectoryLock.heldFor(beanFactory, properties.dataDir());
			logger.info("Data directory {} locked by this process (pid {})", lock.directory(),
					ProcessHandle.current().pid());
		}

		@Override
		public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
		}

	}

}

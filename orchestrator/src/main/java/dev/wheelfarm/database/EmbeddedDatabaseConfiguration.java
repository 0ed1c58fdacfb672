package dev.wheelfarm.database;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.DefaultSingletonBeanRegistry;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The zero-configuration default: when no {@code spring.datasource.url} is given, the
 * farm runs its own PostgreSQL under the data directory, password-protected (see
 * {@link PasswordFile}). With a URL, Spring Boot's ordinary data source is used and
 * nothing here is created.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnExpression("'${spring.datasource.url:}'.isEmpty()")
class EmbeddedDatabaseConfiguration {

	/** The same decision as this class's condition, for code that runs before it. */
	static boolean isChosen(Environment environment) {
		return environment.getProperty("spring.datasource.url", "").isEmpty();
	}

	@Bean(destroyMethod = "close")
	EmbeddedPostgresServer embeddedPostgresServer(DataDirectoryProperties properties,
			ObjectProvider<EmbeddedPostgresStartup> earlyStart, ConfigurableListableBeanFactory beanFactory) {
		EmbeddedPostgresStartup startup = earlyStart.getIfAvailable();
		if (startup != null) {
			return startup.take(properties.embeddedPostgresDir());
		}
		// Started without WheelfarmApplication's initializers (a test context): the lock
		// is taken here, before the server touches the directory.
		return EmbeddedPostgresServer
			.start(DataDirectoryLock.heldFor((DefaultSingletonBeanRegistry) beanFactory, properties.dataDir()));
	}

	@Bean(destroyMethod = "close")
	DataSource dataSource(EmbeddedPostgresServer server) {
		HikariDataSource dataSource = new HikariDataSource();
		dataSource.setPoolName("wheelfarm-embedded");
		dataSource.setJdbcUrl(server.getJdbcUrl());
		dataSource.setUsername("postgres");
		dataSource.setPassword(server.getPassword());
		dataSource.setMaximumPoolSize(10);
		return dataSource;
	}

}

package dev.wheelfarm.scheduling;

import javax.sql.DataSource;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The lock that keeps each singleton job on one replica at a time. */
@Configuration(proxyBeanMethods = false)
class SingletonJobsConfiguration {

	@Bean
	SingletonJobs singletonJobs(DataSource dataSource, SchedulingProperties properties) {
		return new SingletonJobs(dataSource, properties);
	}

}

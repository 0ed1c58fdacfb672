package dev.wheelfarm;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The Wheelfarm orchestrator: one process that watches PyPI, keeps the build ledger,
 * dispatches builds and serves the supplementary index.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class WheelfarmApplication {

	public static void main(String[] args) {
		SpringApplication.run(WheelfarmApplication.class, args);
	}

}

package dev.wheelfarm.dispatch;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class DispatchPropertiesTest {

	@Test
	void theGraceOfStrandedSuccessesIsBoundAndMustBePositive() {
		assertThat(bind(Map.of("wheelfarm.dispatch.stranded-grace", "30s")).strandedGrace())
			.isEqualTo(Duration.ofSeconds(30));
		assertThatExceptionOfType(BindException.class)
			.isThrownBy(() -> bind(Map.of("wheelfarm.dispatch.stranded-grace", "0s")))
			.havingRootCause()
			.withMessageContaining("wheelfarm.dispatch.stranded-grace");
	}

	@Test
	void theRunTimeoutOfEveryEngineMustBePositive() {
		assertThatExceptionOfType(BindException.class)
			.isThrownBy(() -> bind(Map.of("wheelfarm.dispatch.run-timeout", "0s")))
			.havingRootCause()
			.withMessageContaining("wheelfarm.dispatch.run-timeout");
	}

	@Test
	void anInstanceNameCannotSmuggleAnything() {
		assertThatExceptionOfType(BindException.class)
			.isThrownBy(() -> bind(Map.of("wheelfarm.dispatch.instance-name", "a b; drop")))
			.havingRootCause()
			.withMessageContaining("wheelfarm.dispatch.instance-name");
		assertThat(bind(Map.of("wheelfarm.dispatch.instance-name", "farm-1.eu:8080")).instanceName())
			.isEqualTo("farm-1.eu:8080");
	}

	@Test
	void theEngineIsOneOfTwoAndSaysSoOtherwise() {
		Binder binder = new Binder(new MapConfigurationPropertySource(Map.of("wheelfarm.engine", "GitHub")));
		assertThat(binder.bindOrCreate("wheelfarm", EngineSelection.class).engine())
			.isEqualTo(EngineSelection.Engine.GITHUB);
		assertThatExceptionOfType(BindException.class)
			.isThrownBy(() -> new Binder(new MapConfigurationPropertySource(Map.of("wheelfarm.engine", "jenkins")))
				.bindOrCreate("wheelfarm", EngineSelection.class))
			.withMessageContaining("wheelfarm.engine");
	}

	private static DispatchProperties bind(Map<String, String> values) {
		return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("wheelfarm.dispatch",
				DispatchProperties.class);
	}

}

package dev.wheelfarm.dispatch;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Which engine builds: {@code wheelfarm.builder}. Bound to an enum so that a misspelt
 * engine stops the start with the accepted values instead of leaving the farm without
 * one.
 *
 * @param builder the engine
 */
@ConfigurationProperties("wheelfarm")
public record EngineSelection(@DefaultValue("local") Engine builder) {

	/** The engines the farm has. */
	public enum Engine {

		/** On this machine: needs no account, the default. */
		LOCAL,

		/** On GitHub Actions, in the farm's build repository. */
		GITHUB

	}

}

package dev.wheelfarm.dispatch;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Which engine builds: {@code wheelfarm.engine}. Bound to an enum so that a misspelt
 * engine stops the start with the accepted values instead of leaving the farm without
 * one. Each engine's own settings sit under its name ({@code wheelfarm.local.*},
 * {@code wheelfarm.github.*}), so no name is both a value and a prefix.
 *
 * @param engine where builds run: {@code local} (this machine, no account needed) or
 * {@code github} (GitHub Actions in the farm's build repository)
 */
@ConfigurationProperties("wheelfarm")
public record EngineSelection(@DefaultValue("local") Engine engine) {

	/** The engines the farm has. */
	public enum Engine {

		/** On this machine: needs no account, the default. */
		LOCAL,

		/** On GitHub Actions, in the farm's build repository. */
		GITHUB

	}

}

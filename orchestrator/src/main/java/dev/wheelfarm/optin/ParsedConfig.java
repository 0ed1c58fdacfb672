package dev.wheelfarm.optin;

import java.util.List;

/**
 * What reading one config file gave: the config when it holds up, and every problem
 * found.
 *
 * @param path the file the config came from ({@code wheelfarm.toml} or
 * {@code pyproject.toml})
 * @param config the config, or null when an error stops it
 * @param problems errors and warnings, in file order as far as known
 */
public record ParsedConfig(String path, WheelfarmConfig config, List<ConfigProblem> problems) {

	public ParsedConfig {
		problems = List.copyOf(problems);
	}

	public boolean valid() {
		return this.config != null;
	}

	/** The errors in one text, as stored on the repository; null when there are none. */
	public String errorText() {
		List<String> errors = this.problems.stream()
			.filter((problem) -> problem.severity() == ConfigProblem.Severity.error)
			.map(ConfigProblem::describe)
			.toList();
		return errors.isEmpty() ? null : this.path + ": " + String.join("; ", errors);
	}

}

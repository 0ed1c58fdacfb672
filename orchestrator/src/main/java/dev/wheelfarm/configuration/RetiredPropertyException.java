package dev.wheelfarm.configuration;

import java.util.List;

/** Settings that use names the farm no longer reads; the start stops. */
class RetiredPropertyException extends IllegalStateException {

	private static final long serialVersionUID = 1L;

	private final List<String> problems;

	RetiredPropertyException(List<String> problems) {
		super("Retired properties are set: " + String.join("; ", problems));
		this.problems = List.copyOf(problems);
	}

	List<String> problems() {
		return this.problems;
	}

}

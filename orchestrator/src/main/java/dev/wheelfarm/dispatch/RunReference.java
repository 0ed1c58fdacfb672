package dev.wheelfarm.dispatch;

/**
 * A run as its engine names it.
 *
 * @param id the engine's id (a GitHub workflow run id, a local run's id)
 * @param url a page a person can open to follow it, or {@code null}
 */
public record RunReference(String id, String url) {

	public RunReference {
		if (id == null || id.isBlank()) {
			throw new IllegalArgumentException("a run reference needs an id");
		}
	}

}

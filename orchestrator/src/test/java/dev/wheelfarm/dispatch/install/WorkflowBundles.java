package dev.wheelfarm.dispatch.install;

import java.util.Map;

/**
 * Bundles other than the shipped one, for tests outside this package (an older farm's).
 */
public final class WorkflowBundles {

	private WorkflowBundles() {
	}

	public static WorkflowBundle of(Map<String, byte[]> files) {
		return new WorkflowBundle(files);
	}

}

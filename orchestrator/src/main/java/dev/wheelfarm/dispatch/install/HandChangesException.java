package dev.wheelfarm.dispatch.install;

import java.util.SortedSet;

/**
 * The build repository holds managed files that the farm did not write (their content is
 * neither the shipped bundle's nor what the last install recorded); nothing was pushed.
 */
public class HandChangesException extends WorkflowInstallException {

	private static final long serialVersionUID = 1L;

	private final SortedSet<String> paths;

	HandChangesException(String repository, String branch, SortedSet<String> paths) {
		super("These files on " + branch + " of " + repository + " were changed by hand (their content is neither "
				+ "this farm's bundle nor what it installed last): " + String.join(", ", paths)
				+ ". Move your change into the Wheelfarm repository's workflows/ or worker-templates/ and install "
				+ "that jar, or install with --force to overwrite them.", null);
		this.paths = paths;
	}

	/** The repository paths changed by hand. */
	public SortedSet<String> paths() {
		return this.paths;
	}

}

package dev.wheelfarm.dispatch.local;

/**
 * The host cannot run local builds in the sandbox and the operator has not opted out: the
 * farm does not start, rather than run maintainers' code as its own user.
 */
public class SandboxUnavailableException extends IllegalStateException {

	private static final long serialVersionUID = 1L;

	public SandboxUnavailableException(String reason) {
		super("Local builds cannot be sandboxed on this host: " + reason + ". Install bubblewrap (Debian: apt-get "
				+ "install bubblewrap) and check wheelfarm.local.sandbox.bwrap, or set "
				+ "wheelfarm.local.sandbox.mode=unsandboxed to run builds as the farm's own user (see "
				+ "docs/operators.md, \"Local builds: isolation and sandbox\")");
	}

}

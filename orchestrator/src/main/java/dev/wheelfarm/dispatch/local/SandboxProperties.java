package dev.wheelfarm.dispatch.local;

import java.nio.file.Path;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The sandbox every local build runs in ({@code wheelfarm.local.sandbox.*}, documented in
 * docs/configuration.md and docs/operators.md): bubblewrap, a separate user, limits.
 *
 * @param mode {@code bubblewrap}, or {@code unsandboxed}: the operator's explicit opt-out
 * on a host that cannot sandbox
 * @param bwrap the bubblewrap executable
 * @param uid the user the build runs as when the farm runs as root
 * @param gid the group the build runs as when the farm runs as root
 * @param memory the address space each process of the build may use
 * @param processes how many processes the sandbox's user may have at once
 * @param fileSize the largest file the build may write
 * @param tmpSize the size of the build's private {@code /tmp}
 * @param workDirectory where each build's work directory is made; it must lie outside the
 * data directory, which the sandbox's user cannot reach (empty:
 * {@code <java.io.tmpdir>/wheelfarm-builds})
 * @param hidden paths the sandbox hides besides the data directory, the farm's working
 * directory and the fixed list (for example the farm's configuration files)
 */
@ConfigurationProperties("wheelfarm.local.sandbox")
public record SandboxProperties(@DefaultValue("bubblewrap") Mode mode, @DefaultValue("/usr/bin/bwrap") String bwrap,
		@DefaultValue("65534") int uid, @DefaultValue("65534") int gid, @DefaultValue("8GB") DataSize memory,
		@DefaultValue("512") int processes, @DefaultValue("4GB") DataSize fileSize,
		@DefaultValue("2GB") DataSize tmpSize, @DefaultValue("") String workDirectory,
		@DefaultValue("") List<Path> hidden) {

	public SandboxProperties {
		mode = (mode != null) ? mode : Mode.BUBBLEWRAP;
		bwrap = (bwrap != null && !bwrap.isBlank()) ? bwrap : "/usr/bin/bwrap";
		memory = (memory != null) ? memory : DataSize.ofGigabytes(8);
		fileSize = (fileSize != null) ? fileSize : DataSize.ofGigabytes(4);
		tmpSize = (tmpSize != null) ? tmpSize : DataSize.ofGigabytes(2);
		workDirectory = (workDirectory != null) ? workDirectory : "";
		hidden = (hidden != null) ? List.copyOf(hidden) : List.of();
		require(uid > 0 && gid > 0, "wheelfarm.local.sandbox.uid and gid must not be root (0)");
		require(processes >= 16, "wheelfarm.local.sandbox.processes must be at least 16");
		require(memory.toMegabytes() >= 256, "wheelfarm.local.sandbox.memory must be at least 256MB");
		require(fileSize.toMegabytes() >= 1 && tmpSize.toMegabytes() >= 1,
				"wheelfarm.local.sandbox.file-size and tmp-size must be at least 1MB");
	}

	/** The defaults: what a farm without configuration uses. */
	public static SandboxProperties defaults() {
		return new SandboxProperties(Mode.BUBBLEWRAP, "/usr/bin/bwrap", 65534, 65534, DataSize.ofGigabytes(8), 512,
				DataSize.ofGigabytes(4), DataSize.ofGigabytes(2), "", List.of());
	}

	public SandboxProperties withMode(Mode mode, String bwrap) {
		return new SandboxProperties(mode, bwrap, this.uid, this.gid, this.memory, this.processes, this.fileSize,
				this.tmpSize, this.workDirectory, this.hidden);
	}

	public SandboxProperties withLimits(int processes, DataSize fileSize, DataSize tmpSize) {
		return new SandboxProperties(this.mode, this.bwrap, this.uid, this.gid, this.memory, processes, fileSize,
				tmpSize, this.workDirectory, this.hidden);
	}

	private static void require(boolean condition, String message) {
		if (!condition) {
			throw new IllegalArgumentException(message);
		}
	}

	/** Whether builds run sandboxed. */
	public enum Mode {

		/** Every build in a bubblewrap sandbox; the farm refuses to start without one. */
		BUBBLEWRAP,
		/**
		 * No sandbox: the maintainer's code runs as the farm's own user. Only for hosts
		 * that cannot sandbox, and only when the operator says so.
		 */
		UNSANDBOXED

	}

}

package dev.wheelfarm.shared;

import java.util.Locale;
import java.util.Objects;

/**
 * One compatibility tag of PEP 425 (packaging.python.org "Platform compatibility tags"),
 * such as {@code py3-none-any} or {@code cp311-cp311-manylinux_2_17_x86_64}. Tags are
 * lowercase.
 *
 * @param interpreter the Python tag, e.g. {@code cp311}
 * @param abi the ABI tag, e.g. {@code abi3} or {@code none}
 * @param platform the platform tag, e.g. {@code win_amd64} or {@code any}
 */
public record Tag(String interpreter, String abi, String platform) implements Comparable<Tag> {

	public Tag {
		interpreter = lower(interpreter, "interpreter");
		abi = lower(abi, "abi");
		platform = lower(platform, "platform");
	}

	private static String lower(String part, String name) {
		Objects.requireNonNull(part, name);
		return part.toLowerCase(Locale.ROOT);
	}

	/** Whether the tag says nothing about the ABI or platform: {@code none-any}. */
	public boolean isPure() {
		return "none".equals(this.abi) && "any".equals(this.platform);
	}

	public PlatformFamily platformFamily() {
		return PlatformFamily.of(this.platform);
	}

	@Override
	public int compareTo(Tag other) {
		return toString().compareTo(other.toString());
	}

	@Override
	public String toString() {
		return this.interpreter + "-" + this.abi + "-" + this.platform;
	}

}

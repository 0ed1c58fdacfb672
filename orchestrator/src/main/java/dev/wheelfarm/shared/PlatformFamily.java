package dev.wheelfarm.shared;

import java.util.Locale;

/**
 * The operating system family a wheel's platform tag targets: what the farm needs to pick
 * a build runner and to tell which wheels a release already has.
 */
public enum PlatformFamily {

	/** {@code any}: no platform constraint. */
	ANY,

	/**
	 * glibc Linux: {@code manylinux_2_17_x86_64} (PEP 600) and the legacy aliases
	 * {@code manylinux1_*}, {@code manylinux2010_*}, {@code manylinux2014_*}.
	 */
	MANYLINUX,

	/** musl Linux (PEP 656): {@code musllinux_1_2_x86_64}. */
	MUSLLINUX,

	/**
	 * {@code macosx_10_9_x86_64}, {@code macosx_11_0_arm64},
	 * {@code macosx_10_9_universal2}.
	 */
	MACOSX,

	/** {@code win32}, {@code win_amd64}, {@code win_arm64}. */
	WINDOWS,

	/** A plain Linux build that PyPI does not accept: {@code linux_x86_64}. */
	LINUX,

	/** iOS (PEP 730): {@code ios_13_0_arm64_iphoneos}. */
	IOS,

	/** Android (PEP 738): {@code android_21_arm64_v8a}. */
	ANDROID,

	/**
	 * Anything else, e.g. {@code freebsd_14_0_amd64} or {@code pyodide_2024_0_wasm32}.
	 */
	OTHER;

	/** The family of one platform tag (case-insensitive). */
	public static PlatformFamily of(String platformTag) {
		String tag = platformTag.toLowerCase(Locale.ROOT);
		if (tag.equals("any")) {
			return ANY;
		}
		if (tag.startsWith("manylinux_") || tag.startsWith("manylinux1_") || tag.startsWith("manylinux2010_")
				|| tag.startsWith("manylinux2014_")) {
			return MANYLINUX;
		}
		if (tag.startsWith("musllinux_")) {
			return MUSLLINUX;
		}
		if (tag.startsWith("macosx_")) {
			return MACOSX;
		}
		if (tag.equals("win32") || tag.startsWith("win_")) {
			return WINDOWS;
		}
		if (tag.startsWith("linux_")) {
			return LINUX;
		}
		if (tag.startsWith("ios_")) {
			return IOS;
		}
		if (tag.startsWith("android_")) {
			return ANDROID;
		}
		return OTHER;
	}

}

package dev.wheelfarm.artifacts;

import java.util.regex.Pattern;

/**
 * The rule every archive the farm accepts (a wheel's zip, an sdist's tar) applies to its
 * member names: a name that is absolute, carries a drive letter, a backslash or a NUL, or
 * climbs out with {@code ..} could write anywhere once unpacked or installed.
 */
final class ArchiveMemberNames {

	private static final Pattern DRIVE = Pattern.compile("^[A-Za-z]:.*");

	private ArchiveMemberNames() {
	}

	/**
	 * @param member the member's name as the archive stores it
	 * @param destination what the archive is unpacked into, for the message (e.g.
	 * {@code "install directory"})
	 * @return why the name is refused, or null when it is safe
	 */
	static String problemWith(String member, String destination) {
		if (member.isEmpty() || member.startsWith("/") || DRIVE.matcher(member).matches()) {
			return "the member " + WheelVerifier.quote(member) + " has an absolute path";
		}
		if (member.indexOf('\\') >= 0 || member.indexOf('\0') >= 0) {
			return "the member " + WheelVerifier.quote(member) + " has a backslash or NUL in its name";
		}
		for (String segment : member.split("/", -1)) {
			if (segment.equals("..")) {
				return "the member " + WheelVerifier.quote(member) + " climbs out of the " + destination + " with '..'";
			}
		}
		return null;
	}

}

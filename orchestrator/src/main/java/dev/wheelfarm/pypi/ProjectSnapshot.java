package dev.wheelfarm.pypi;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A project as one PyPI page shows it: every release (empty ones too) with its files.
 * Entries that could not be trusted were left out and are named in {@code warnings}.
 *
 * @param name the normalized project name
 * @param serial PyPI's serial of this page
 * @param releases version string to files, in PyPI's order
 * @param warnings what was left out and why
 */
public record ProjectSnapshot(String name, long serial, Map<String, List<FileSnapshot>> releases,
		List<String> warnings) {

	/** The kinds the {@code pypi_file.kind} column allows. */
	public enum Kind {

		SDIST("sdist"), WHEEL("wheel"), OTHER("other");

		private final String column;

		Kind(String column) {
			this.column = column;
		}

		String column() {
			return this.column;
		}

		static Kind ofColumn(String column) {
			for (Kind kind : values()) {
				if (kind.column.equals(column)) {
					return kind;
				}
			}
			throw new IllegalArgumentException("unknown file kind " + column);
		}

	}

	/** A file as listed by PyPI. */
	public record FileSnapshot(String filename, Kind kind, String url, String sha256, long size, Instant uploadTime,
			String requiresPython, boolean yanked, String yankedReason) {

	}

}

package dev.wheelfarm.pypi;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Whether a filename is PyPI's: the farm never stores a file under a name PyPI has, since
 * an installer that reads both indexes would find two files of one name with different
 * bytes. A farm build and an upload both ask before they store.
 */
@Repository
public class PypiFilenames {

	// PyPI never lets a filename be reused, even after a deletion: deleted rows count
	// too.
	private static final String ON_PYPI = "SELECT EXISTS (SELECT 1 FROM pypi_file WHERE filename = :filename)";

	private final JdbcClient jdbc;

	PypiFilenames(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/** Whether PyPI has, or ever had, a file named {@code filename}. */
	public boolean taken(String filename) {
		return this.jdbc.sql(ON_PYPI).param("filename", filename).query(Boolean.class).single();
	}

}

package dev.wheelfarm.index;

import java.io.IOException;
import java.io.InputStream;
import java.util.Set;

import dev.wheelfarm.provenance.ProvenanceObject;

/**
 * Where the static export is written: a directory a web server serves, or a bucket a CDN
 * serves. Paths are relative and use {@code /}: {@code simple/<name>/index.html},
 * {@code files/<ab>/<sha256>/<filename>}. Each write replaces its target whole (a rename,
 * or one PUT, which S3 makes atomic), so a reader sees the old object or the new one,
 * never half of one. {@link StaticExporter} decides the order.
 */
interface ExportTarget {

	/** Anything to do before a run, e.g. list what is there already. */
	void begin() throws IOException;

	/** Whether a file (content-addressed, so never changed once there) is present. */
	boolean hasFile(String path) throws IOException;

	/** Writes a file from {@code content}, {@code size} bytes long. */
	void writeFile(String path, InputStream content, long size) throws IOException;

	/**
	 * Writes a page unless it already holds these bytes.
	 * @return whether it was written
	 */
	boolean writePage(String path, byte[] bytes, PageKind kind) throws IOException;

	/** The names of the project directories under {@code simple/}. */
	Set<String> projects() throws IOException;

	/** Deletes a project's pages ({@code simple/<name>/…}). */
	void deleteProject(String name) throws IOException;

	/** Every file under {@code files/}, as {@code files/<ab>/<sha256>/<name>}. */
	Set<String> files() throws IOException;

	/** Deletes one file. */
	void deleteFile(String path) throws IOException;

	/**
	 * Every provenance object under {@code integrity/}, as
	 * {@code integrity/<project>/<version>/<filename>/provenance}.
	 */
	Set<String> provenance() throws IOException;

	/** Deletes one provenance object. */
	void deleteProvenance(String path) throws IOException;

	/** Where it is, for the log. */
	String describe();

	/**
	 * What a page is, for the headers a bucket stores with it. The charset is spelled
	 * {@code UTF-8}: Jetty-based S3 servers (s3proxy) rewrite a lowercase one before they
	 * check the request's signature, and then refuse it. The {@code .gz} twins are stored
	 * as what they are, gzip files, as in a directory: a request sent with
	 * {@code Content-Encoding: gzip} is inflated by such servers before its signature is
	 * checked. A CDN rule maps them to the page with {@code Content-Encoding: gzip}, as
	 * nginx's {@code gzip_static} does.
	 */
	enum PageKind {

		HTML("text/html;charset=UTF-8"), JSON(SimpleMediaType.JSON_V1.contentType()), HTML_GZIP("application/gzip"),
		JSON_GZIP("application/gzip"),
		/** A PEP 740 provenance object, as PyPI's Integrity API types it. */
		PROVENANCE(ProvenanceObject.MEDIA_TYPE);

		final String contentType;

		PageKind(String contentType) {
			this.contentType = contentType;
		}

	}

}

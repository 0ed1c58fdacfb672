package dev.wheelfarm.index;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

import dev.wheelfarm.artifacts.BlobStore;
import dev.wheelfarm.shared.Sha256;

import org.springframework.core.io.AbstractResource;

/**
 * A stored blob as Spring MVC's resource handling wants it: a known length (for
 * {@code Content-Length} and range requests) and a stream that can be opened again. The
 * first stream is the one the controller already opened; a range request skips before
 * reading, and that skip opens the blob at the offset instead of reading through what
 * comes before it (from a bucket, a ranged GET).
 */
final class BlobResource extends AbstractResource {

	private final BlobStore blobs;

	private final Sha256 sha256;

	private final long size;

	private final String filename;

	private InputStream opened;

	BlobResource(BlobStore blobs, Sha256 sha256, long size, String filename, InputStream opened) {
		this.blobs = blobs;
		this.sha256 = sha256;
		this.size = size;
		this.filename = filename;
		this.opened = opened;
	}

	@Override
	public InputStream getInputStream() {
		InputStream first = this.opened;
		this.opened = null;
		return new Seeking(first);
	}

	@Override
	public long contentLength() {
		return this.size;
	}

	@Override
	public String getFilename() {
		return this.filename;
	}

	@Override
	public String getDescription() {
		return "blob " + this.sha256.hex() + " (" + this.filename + ")";
	}

	@Override
	public boolean equals(Object other) {
		return this == other;
	}

	@Override
	public int hashCode() {
		return System.identityHashCode(this);
	}

	/**
	 * Opens the blob lazily, at the offset that skips before the first read asked for.
	 */
	private final class Seeking extends FilterInputStream {

		private long offset;

		private boolean reading;

		Seeking(InputStream opened) {
			super(opened);
		}

		@Override
		public long skip(long n) throws IOException {
			if (this.reading || n <= 0) {
				return super.skip(n);
			}
			closeOpened();
			this.offset += n;
			return n;
		}

		@Override
		public int read() throws IOException {
			return stream().read();
		}

		@Override
		public int read(byte[] buffer, int off, int len) throws IOException {
			return stream().read(buffer, off, len);
		}

		@Override
		public int available() throws IOException {
			return (this.in != null) ? this.in.available() : 0;
		}

		@Override
		public void close() throws IOException {
			closeOpened();
		}

		private InputStream stream() throws IOException {
			if (this.in == null) {
				this.in = BlobResource.this.blobs.open(BlobResource.this.sha256, this.offset);
			}
			this.reading = true;
			return this.in;
		}

		private void closeOpened() throws IOException {
			if (this.in != null) {
				InputStream current = this.in;
				this.in = null;
				current.close();
			}
		}

	}

}

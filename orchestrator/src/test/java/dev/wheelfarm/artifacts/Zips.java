package dev.wheelfarm.artifacts;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Edits a zip's central directory, for archives that lie about a member: what readers of
 * the central directory (Java's {@code ZipFile}, pip's {@code zipfile}) believe before
 * they unpack it.
 */
final class Zips {

	private static final int CENTRAL_HEADER = 0x02014b50;

	private Zips() {
	}

	/**
	 * A copy of {@code zip} whose central directory entry for {@code member} has
	 * {@code value} in the 4-byte field at {@code offset} (16: CRC-32, 20: compressed
	 * size, 24: uncompressed size).
	 */
	static byte[] withCentralEntry(byte[] zip, String member, int offset, int value) {
		byte[] copy = Arrays.copyOf(zip, zip.length);
		ByteBuffer buffer = ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN);
		byte[] name = member.getBytes(StandardCharsets.UTF_8);
		for (int at = 0; at + 46 <= copy.length; at++) {
			if (buffer.getInt(at) != CENTRAL_HEADER) {
				continue;
			}
			int nameLength = Short.toUnsignedInt(buffer.getShort(at + 28));
			if (nameLength == name.length && Arrays.equals(copy, at + 46, at + 46 + nameLength, name, 0, name.length)) {
				buffer.putInt(at + offset, value);
				return copy;
			}
		}
		throw new IllegalArgumentException(member + " has no central directory entry");
	}

}

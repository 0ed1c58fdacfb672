package dev.wheelfarm.uploads;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/** tar.gz archives written header by header (ustar), wrong on purpose. */
final class EvilSdists {

	private EvilSdists() {
	}

	/** A plausible sdist plus a member {@code <root>/../../escaped.txt}. */
	static byte[] climbing(String root) {
		Map<String, String> members = new LinkedHashMap<>();
		members.put(root + "/PKG-INFO", "Metadata-Version: 2.1\nName: " + root.split("-")[0] + "\nVersion: "
				+ root.substring(root.indexOf('-') + 1) + "\n");
		members.put(root + "/../../escaped.txt", "pwned\n");
		return tarGz(members);
	}

	static byte[] tarGz(Map<String, String> members) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
			for (Map.Entry<String, String> member : members.entrySet()) {
				byte[] data = member.getValue().getBytes(StandardCharsets.UTF_8);
				gzip.write(header(member.getKey(), data.length));
				gzip.write(data);
				gzip.write(new byte[(512 - data.length % 512) % 512]);
			}
			gzip.write(new byte[1024]);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return out.toByteArray();
	}

	private static byte[] header(String name, int size) {
		byte[] header = new byte[512];
		put(header, 0, name);
		put(header, 100, "0000644");
		put(header, 108, "0000000");
		put(header, 116, "0000000");
		put(header, 124, String.format("%011o", size));
		put(header, 136, "00000000000");
		header[156] = '0';
		put(header, 257, "ustar");
		header[263] = '0';
		header[264] = '0';
		for (int i = 148; i < 156; i++) {
			header[i] = ' ';
		}
		long sum = 0;
		for (byte b : header) {
			sum += b & 0xff;
		}
		put(header, 148, String.format("%06o", sum));
		header[154] = 0;
		header[155] = ' ';
		return header;
	}

	private static void put(byte[] header, int offset, String text) {
		byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
		System.arraycopy(bytes, 0, header, offset, bytes.length);
	}

}

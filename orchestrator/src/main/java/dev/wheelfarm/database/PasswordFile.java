package dev.wheelfarm.database;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded PostgreSQL's superuser password: random, made on first start, kept in the
 * data directory readable by its owner only (mode 0600), so that other local users, who
 * can reach the server's loopback port, cannot log in.
 */
final class PasswordFile {

	/** The file's name in the data directory. */
	static final String FILE_NAME = "postgres-password";

	private static final Logger logger = LoggerFactory.getLogger(PasswordFile.class);

	private static final Set<PosixFilePermission> OWNER_ONLY = EnumSet.of(PosixFilePermission.OWNER_READ,
			PosixFilePermission.OWNER_WRITE);

	private static final SecureRandom RANDOM = new SecureRandom();

	private final Path path;

	private final String password;

	private PasswordFile(Path path, String password) {
		this.path = path;
		this.password = password;
	}

	/**
	 * The password in {@code <dataDir>/postgres-password}, made if the file is missing.
	 */
	static PasswordFile in(Path dataDir) {
		Path path = dataDir.resolve(FILE_NAME);
		try {
			if (!Files.exists(path)) {
				create(path);
			}
			else if (!Files.getPosixFilePermissions(path).equals(OWNER_ONLY)) {
				logger.warn("{} was readable by others; making it readable by its owner only", path);
				Files.setPosixFilePermissions(path, OWNER_ONLY);
			}
			String password = Files.readString(path, StandardCharsets.US_ASCII).strip();
			if (password.isEmpty()) {
				throw new IllegalStateException(path + " is empty; delete it only if you also reset the password of"
						+ " the embedded PostgreSQL's postgres user");
			}
			return new PasswordFile(path, password);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not read or create " + path, ex);
		}
	}

	/** 256 random bits, URL-safe Base64: no character that needs quoting anywhere. */
	private static void create(Path path) throws IOException {
		byte[] secret = new byte[32];
		RANDOM.nextBytes(secret);
		String password = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
		// Written whole under another name first, with the final mode from the start: a
		// crash leaves either no password file or a complete one, never a readable one.
		Path partial = Files.createTempFile(path.getParent(), FILE_NAME, ".partial",
				PosixFilePermissions.asFileAttribute(OWNER_ONLY));
		Files.writeString(partial, password + "\n", StandardCharsets.US_ASCII);
		Files.move(partial, path, StandardCopyOption.ATOMIC_MOVE);
		logger.info("Made a password for the embedded PostgreSQL in {}", path);
	}

	Path path() {
		return this.path;
	}

	String password() {
		return this.password;
	}

}

package dev.wheelfarm.cache;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.uploads.AuthorizationHeader;
import dev.wheelfarm.uploads.CredentialRejectedException;

import org.springframework.stereotype.Component;

/**
 * Who may use the cache: anyone when the operator opens it
 * ({@code wheelfarm.cache.public}), otherwise only the farm's own builds, each with a
 * grant of its own. A grant is a random secret the local builder puts in the build's
 * index URL ({@code http://__token__:<secret>@127.0.0.1:<port>/cache/simple/}); pip sends
 * it as Basic credentials with every request to that host. It lives in this process's
 * memory (the build reaches the replica that started it) until the build closes it, and
 * at most a day. The client's address is not trusted: behind a reverse proxy on the same
 * machine every request comes from loopback.
 */
@Component
public class CacheAccess {

	/** No build runs longer; a grant its builder forgot to close ends then. */
	static final Duration GRANT_LIFETIME = Duration.ofDays(1);

	private static final SecureRandom RANDOM = new SecureRandom();

	private final Map<String, Instant> grants = new ConcurrentHashMap<>();

	private final CacheProperties properties;

	private final Clock clock;

	CacheAccess(CacheProperties properties, Clock clock) {
		this.properties = properties;
		this.clock = clock;
	}

	/** A new grant for one build; close it when the build ends. */
	public Grant grant() {
		byte[] secret = new byte[32];
		RANDOM.nextBytes(secret);
		String token = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
		Instant now = this.clock.instant();
		this.grants.values().removeIf((expiry) -> !now.isBefore(expiry));
		this.grants.put(key(token), now.plus(GRANT_LIFETIME));
		return new Grant(token);
	}

	/** Whether the cache is open to everyone. */
	public boolean open() {
		return this.properties.open();
	}

	/** Whether a request with this {@code Authorization} header may use the cache. */
	boolean allows(String authorization) {
		if (this.properties.open()) {
			return true;
		}
		String secret;
		try {
			secret = AuthorizationHeader.secret(authorization);
		}
		catch (CredentialRejectedException ex) {
			return false;
		}
		if (secret == null) {
			return false;
		}
		// Looked up by the secret's hash: the map holds no usable secret, and a lookup
		// by hash leaks nothing through its timing.
		Instant expiry = this.grants.get(key(secret));
		return expiry != null && this.clock.instant().isBefore(expiry);
	}

	private static String key(String token) {
		return Sha256.digest(token.getBytes(StandardCharsets.UTF_8)).hex();
	}

	/**
	 * One build's access to the cache.
	 */
	public final class Grant implements AutoCloseable {

		private final String token;

		private Grant(String token) {
			this.token = token;
		}

		/**
		 * The index URL for pip inside the build ({@code PIP_INDEX_URL}), carrying the
		 * grant as Basic credentials.
		 * @param farm where the build reaches the farm, e.g.
		 * {@code http://127.0.0.1:8080}
		 */
		public URI indexUrl(URI farm) {
			String base = farm.toString().endsWith("/") ? farm.toString() : farm + "/";
			URI root = URI.create(base);
			return URI.create(root.getScheme() + "://" + AuthorizationHeader.TOKEN_USER + ":" + this.token + "@"
					+ root.getRawAuthority() + root.getRawPath() + "cache/simple/");
		}

		/** The secret itself, for a builder that passes credentials another way. */
		public String token() {
			return this.token;
		}

		@Override
		public void close() {
			CacheAccess.this.grants.remove(key(this.token));
		}

	}

}

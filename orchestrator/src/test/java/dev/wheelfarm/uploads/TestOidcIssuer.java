package dev.wheelfarm.uploads;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import tools.jackson.databind.json.JsonMapper;

/**
 * A stand-in for GitHub's OIDC issuer on 127.0.0.1: its own RSA key, a JWKS document at
 * {@code /.well-known/jwks}, and tokens signed as GitHub Actions signs them (RS256, with
 * the claims a workflow's token carries). It can rotate its key as GitHub does: the JWKS
 * then publishes only the new key, under a new key id. Public for the other features
 * maintainers authenticate to with the same tokens (rebuilds).
 */
public final class TestOidcIssuer implements AutoCloseable {

	static final String ISSUER = "https://token.actions.githubusercontent.com";

	static final String KID = "wheelfarm-test-key";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

	/** The signing key and its id, swapped together so the JWKS never mixes two keys. */
	private volatile SigningKey signing = new SigningKey(generate(), KID);

	private final HttpServer server;

	private final AtomicInteger requests = new AtomicInteger();

	public TestOidcIssuer() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		this.server.createContext("/.well-known/jwks", (exchange) -> {
			this.requests.incrementAndGet();
			byte[] body = jwks().getBytes(StandardCharsets.UTF_8);
			exchange.getResponseHeaders().add("Content-Type", "application/json");
			exchange.sendResponseHeaders(200, body.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(body);
			}
		});
		this.server.start();
	}

	public URI jwksUrl() {
		return URI.create("http://127.0.0.1:" + this.server.getAddress().getPort() + "/.well-known/jwks");
	}

	int jwksRequests() {
		return this.requests.get();
	}

	/** The claims of a push-triggered workflow run of {@code repository}. */
	public static Map<String, Object> claims(String repository) {
		long now = Instant.now().getEpochSecond();
		Map<String, Object> claims = new LinkedHashMap<>();
		claims.put("iss", ISSUER);
		claims.put("aud", "wheelfarm");
		claims.put("sub", "repo:" + repository + ":ref:refs/heads/main");
		claims.put("repository", repository);
		claims.put("repository_owner", repository.split("/")[0]);
		// GitHub's numeric ids, sent as strings; one per name here, as long as nobody
		// re-creates the repository (a test that does sets other ids).
		claims.put("repository_id", String.valueOf(githubId(repository)));
		claims.put("repository_owner_id", String.valueOf(githubId(repository.split("/")[0])));
		claims.put("ref", "refs/heads/main");
		claims.put("workflow_ref", repository + "/.github/workflows/nightly.yml@refs/heads/main");
		claims.put("iat", now - 5);
		claims.put("nbf", now - 5);
		claims.put("exp", now + 300);
		return claims;
	}

	/** A stable id for a GitHub name: names are case-insensitive, ids positive. */
	static long githubId(String name) {
		return Math.floorMod(name.toLowerCase(java.util.Locale.ROOT).hashCode(), 1_000_000_000) + 1L;
	}

	/** A token with these claims, signed by this issuer's current key. */
	public String token(Map<String, Object> claims) {
		SigningKey current = this.signing;
		return sign(Map.of("alg", "RS256", "typ", "JWT", "kid", current.kid()), claims, current.key());
	}

	/** A token signed by a key the issuer does not publish, under the current key id. */
	String tokenSignedByAnotherKey(Map<String, Object> claims) {
		return sign(Map.of("alg", "RS256", "typ", "JWT", "kid", this.signing.kid()), claims, generate());
	}

	/** A new key under a new key id; the old one is no longer published. */
	void rotate(String newKid) {
		this.signing = new SigningKey(generate(), newKid);
	}

	static String sign(Map<String, Object> header, Map<String, Object> claims, KeyPair key) {
		String input = BASE64URL.encodeToString(JSON.writeValueAsBytes(header)) + "."
				+ BASE64URL.encodeToString(JSON.writeValueAsBytes(claims));
		try {
			Signature signature = Signature.getInstance("SHA256withRSA");
			signature.initSign(key.getPrivate());
			signature.update(input.getBytes(StandardCharsets.US_ASCII));
			return input + "." + BASE64URL.encodeToString(signature.sign());
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private String jwks() {
		SigningKey current = this.signing;
		RSAPublicKey publicKey = (RSAPublicKey) current.key().getPublic();
		Map<String, Object> jwk = new LinkedHashMap<>();
		jwk.put("kty", "RSA");
		jwk.put("alg", "RS256");
		jwk.put("use", "sig");
		jwk.put("kid", current.kid());
		jwk.put("n", BASE64URL.encodeToString(unsigned(publicKey.getModulus().toByteArray())));
		jwk.put("e", BASE64URL.encodeToString(unsigned(publicKey.getPublicExponent().toByteArray())));
		return JSON.writeValueAsString(Map.of("keys", List.of(jwk)));
	}

	/** JWK integers are unsigned big-endian: BigInteger's sign byte goes. */
	private static byte[] unsigned(byte[] bytes) {
		return (bytes.length > 1 && bytes[0] == 0) ? java.util.Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
	}

	static KeyPair generate() {
		try {
			KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
			generator.initialize(2048);
			return generator.generateKeyPair();
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException(ex);
		}
	}

	KeyPair key() {
		return this.signing.key();
	}

	private record SigningKey(KeyPair key, String kid) {

	}

	@Override
	public void close() {
		this.server.stop(0);
	}

}

package dev.wheelfarm.dispatch.github;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** GitHub's documented test vector ("Validating webhook deliveries"). */
class WebhookSignatureTest {

	private static final WebhookSignature SPEC = new WebhookSignature("It's a Secret to Everybody");

	private static final byte[] BODY = "Hello, World!".getBytes(StandardCharsets.UTF_8);

	private static final String EXPECTED = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

	@Test
	void theSpecVectorSignsAndVerifies() {
		assertThat(SPEC.sign(BODY)).isEqualTo(EXPECTED);
		assertThat(SPEC.verify(BODY, EXPECTED)).isTrue();
	}

	@Test
	void anythingElseIsRefused() {
		assertThat(SPEC.verify("Hello, World?".getBytes(StandardCharsets.UTF_8), EXPECTED)).isFalse();
		assertThat(new WebhookSignature("another secret").verify(BODY, EXPECTED)).isFalse();
		assertThat(SPEC.verify(BODY, null)).isFalse();
		assertThat(SPEC.verify(BODY, EXPECTED.substring("sha256=".length()))).isFalse();
		assertThat(SPEC.verify(BODY, "sha1=757107ea0eb2509fc211221cce984b8a37570b6d")).isFalse();
		assertThat(SPEC.verify(BODY, "sha256=not-hex")).isFalse();
		assertThat(SPEC.verify(BODY, EXPECTED.substring(0, EXPECTED.length() - 2))).isFalse();
	}

}

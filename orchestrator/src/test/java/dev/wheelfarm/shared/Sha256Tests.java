package dev.wheelfarm.shared;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * SHA-256 digests, with the test vectors of FIPS 180-2 (appendix B).
 */
class Sha256Tests {

	@ParameterizedTest
	@CsvSource(delimiter = '|', quoteCharacter = '"', value = {
			"|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
			"abc|ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
			"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq|248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" })
	void digestsTheStandardTestVectors(String input, String expected) throws IOException {
		byte[] bytes = (input != null) ? input.getBytes(StandardCharsets.US_ASCII) : new byte[0];
		assertThat(Sha256.digest(bytes)).hasToString(expected).isEqualTo(Sha256.of(expected));
		assertThat(Sha256.digest(new ByteArrayInputStream(bytes))).isEqualTo(Sha256.of(expected));
	}

	@Test
	void digestsStreamsLongerThanItsBuffer() throws IOException {
		byte[] million = "a".repeat(1_000_000).getBytes(StandardCharsets.US_ASCII);
		assertThat(Sha256.digest(new ByteArrayInputStream(million)))
			.hasToString("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
			.isEqualTo(Sha256.digest(million));
	}

	@Test
	void lowercasesHexAndRoundTripsBytes() {
		Sha256 upper = Sha256.of("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
		assertThat(upper.hex()).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
		assertThat(upper.bytes()).hasSize(32).startsWith((byte) 0xba, (byte) 0x78);
	}

	@Test
	void matchesOnlyTheSameDigest() {
		Sha256 abc = Sha256.digest("abc".getBytes(StandardCharsets.US_ASCII));
		assertThat(abc.matches(Sha256.of(abc.hex().toUpperCase()))).isTrue();
		assertThat(abc.matches(Sha256.digest(new byte[0]))).isFalse();
		assertThat(abc.matches(null)).isFalse();
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "abc", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
			"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555",
			"g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
			"sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" })
	void rejectsAnythingButSixtyFourHexDigits(String hex) {
		assertThatIllegalArgumentException().isThrownBy(() -> Sha256.of(hex))
			.withMessageStartingWith("Invalid SHA-256 digest '")
			.withMessageContaining("expected 64 hex digits, found " + hex.length() + " characters");
	}

	@Test
	void rejectsNull() {
		assertThatIllegalArgumentException().isThrownBy(() -> Sha256.of(null))
			.withMessage("SHA-256 digest must not be null");
	}

}

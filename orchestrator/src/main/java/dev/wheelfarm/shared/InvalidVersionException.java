package dev.wheelfarm.shared;

/**
 * A version string that is not a PEP 440 version, even after the spec's normalization
 * rules. Such legacy versions exist on PyPI; see {@link Version#tryParse(String)}.
 */
public class InvalidVersionException extends IllegalArgumentException {

	public InvalidVersionException(String message) {
		super(message);
	}

}

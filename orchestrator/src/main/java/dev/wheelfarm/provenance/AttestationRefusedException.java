package dev.wheelfarm.provenance;

/**
 * An attestation does not prove what it must: the message says why, in words an uploader
 * can act on; the reason is a stable machine code.
 */
public class AttestationRefusedException extends Exception {

	private static final long serialVersionUID = 1L;

	private final Reason reason;

	public AttestationRefusedException(Reason reason, String message) {
		super(message);
		this.reason = reason;
	}

	AttestationRefusedException(Reason reason, String message, Throwable cause) {
		super(message, cause);
		this.reason = reason;
	}

	public Reason reason() {
		return this.reason;
	}

	/** Why an attestation was refused; {@link #code()} is the stable spelling. */
	public enum Reason {

		/** Not a PEP 740 attestation object (bad JSON, a missing field, bad base64). */
		MALFORMED("malformed_attestation"),
		/** The statement names another file, another digest or several subjects. */
		SUBJECT_MISMATCH("subject_mismatch"),
		/** The statement's predicate type is not one PEP 740 allows. */
		UNSUPPORTED_PREDICATE("unsupported_predicate"),
		/**
		 * The certificate does not chain to the trusted root's Fulcio CA (or its SCT).
		 */
		UNTRUSTED_CERTIFICATE("untrusted_certificate"),
		/**
		 * The transparency log entry is not signed by a trusted log or does not match.
		 */
		TRANSPARENCY_LOG("transparency_log"),
		/** The log's time is outside the certificate's validity. */
		CERTIFICATE_TIME("certificate_time"),
		/** The DSSE signature over the statement is not the certificate key's. */
		INVALID_SIGNATURE("invalid_signature"),
		/** The signer is not a GitHub Actions workflow (an e-mail, GitLab…). */
		NOT_GITHUB_ACTIONS("not_github_actions"),
		/** A GitHub workflow signed, but not the expected repository or workflow. */
		PUBLISHER_MISMATCH("publisher_mismatch"),
		/**
		 * The certificate does not carry the GitHub repository and owner ids the
		 * project's trusted publishing is bound to (re-created or transferred).
		 */
		REPOSITORY_IDS_MISMATCH("repository_ids_mismatch"),
		/** The trusted root could not be read (TUF repository unreachable). */
		TRUSTED_ROOT_UNAVAILABLE("trusted_root_unavailable");

		private final String code;

		Reason(String code) {
			this.code = code;
		}

		public String code() {
			return this.code;
		}

	}

}

package dev.wheelfarm.records;

import java.time.Instant;

import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/**
 * The public record of one file the farm serves ({@code GET /api/files/{filename}}):
 * where its bytes came from, for anyone deciding whether to trust them. Exactly one of
 * {@code build} and {@code upload} is set, as {@code origin} says.
 *
 * @param filename the file's name
 * @param project the project (normalized name)
 * @param version the release's version
 * @param kind {@code wheel} or {@code sdist}
 * @param origin {@code build} (the farm built it) or {@code upload} (the project's
 * release process uploaded it)
 * @param sha256 the sha256 of its bytes
 * @param size its size in bytes
 * @param storedAt when the farm stored it
 * @param availability whether the index lists it now
 * @param stage the stage it came through, or null when it went straight to the index
 * @param attestation whether a verified PEP 740 attestation covers it
 * @param build how the farm built it, or null for an uploaded file
 * @param upload who uploaded it, or null for a farm-built file
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record FileRecord(String filename, String project, String version, String kind, String origin, String sha256,
		long size, Instant storedAt, Availability availability, Staging stage, Attestation attestation,
		BuildRecord build, UploadRecord upload) {

	/**
	 * @param state {@code listed}, {@code withdrawn} (taken off the listing, e.g. PyPI
	 * gained an official wheel with the same tags) or {@code removed} (deleted by
	 * retention; the name is never reused)
	 * @param since when it stopped being listed, or null while listed
	 * @param reason why, or null while listed
	 */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	public record Availability(String state, Instant since, String reason) {

	}

	/**
	 * A stage the file was assembled in before it was public (the stage's URL is a secret
	 * and is not shown).
	 *
	 * @param publishedAt when the stage was published
	 */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	public record Staging(Instant publishedAt) {

	}

	/**
	 * @param attested whether the farm verified a PEP 740 attestation for the file
	 * @param provenance the PEP 740 provenance object's URL, or null when not attested
	 */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	public record Attestation(boolean attested, String provenance) {

	}

	/**
	 * @param id the build's id
	 * @param page the build's page on this farm
	 * @param sdist the sdist it was built from
	 * @param recipe what besides the sdist decided the result
	 * @param engine {@code github} or {@code local}
	 * @param run the run that built it
	 * @param startedAt when the run was dispatched
	 * @param endedAt when the farm recorded its success
	 */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	public record BuildRecord(long id, String page, Sdist sdist, Recipe recipe, String engine, Run run,
			Instant startedAt, Instant endedAt) {

	}

	/**
	 * @param filename the sdist's name
	 * @param sha256 its sha256 as PyPI announced it (the worker checked the bytes)
	 * @param url where it was fetched from (PyPI's file URL)
	 */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	public record Sdist(String filename, String sha256, String url) {

	}

	/**
	 * @param fingerprint the sha256 the ledger keys the build by
	 * @param parts what the fingerprint is the hash of, or null for builds queued before
	 * the farm recorded them
	 */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	public record Recipe(String fingerprint, RecipeParts parts) {

	}

	/**
	 * @param bundle the content hash of the worker and workflow bundle (its build tool
	 * pins included)
	 * @param engine the engine the recipe was made for
	 * @param options the build options the worker received, as canonical JSON text
	 */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	public record RecipeParts(String bundle, String engine, String options) {

	}

	/**
	 * @param id the engine's run id
	 * @param url the GitHub Actions run's page, or null for the local builder
	 * @param description the run in words
	 */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	public record Run(String id, String url, String description) {

	}

	/**
	 * @param credential {@code token} (a project token) or {@code oidc} (a GitHub Actions
	 * workflow's OIDC token: trusted publishing)
	 * @param tokenFingerprint {@code sha256:} and the first 16 hex digits of the project
	 * token's hash, or null (OIDC, or an upload recorded before the farm kept it)
	 * @param oidc the OIDC token's claims, or null for a project token
	 * @param uploadedAt when it was uploaded
	 */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	public record UploadRecord(String credential, String tokenFingerprint, Oidc oidc, Instant uploadedAt) {

	}

	/**
	 * The claims of the OIDC token an upload presented.
	 *
	 * @param repository {@code repository}: owner/name
	 * @param workflowRef {@code workflow_ref}: the workflow file and the ref it ran from
	 * @param ref {@code ref}: the branch or tag
	 * @param runId {@code run_id}
	 */
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	public record Oidc(String repository, String workflowRef, String ref, String runId) {

	}

}

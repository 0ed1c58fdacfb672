package dev.wheelfarm.requests;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/**
 * The request form's fields, and the JSON API's request body. Sizes are capped here so
 * that absurd input is refused before anything looks it up.
 *
 * @param project the PyPI project, in any spelling
 * @param version the release's version
 */
public record BuildRequestForm(
		@NotBlank(message = "Enter a project name.") @Size(max = 200,
				message = "A project name has at most 200 characters.") String project,
		@NotBlank(message = "Enter a version, such as 1.2.0.") @Size(max = RequestService.MAX_VERSION_LENGTH,
				message = "A version has at most 100 characters.") String version) {

	static BuildRequestForm empty() {
		return new BuildRequestForm("", "");
	}

}

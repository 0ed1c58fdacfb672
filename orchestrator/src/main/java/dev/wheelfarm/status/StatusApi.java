package dev.wheelfarm.status;

import java.util.Optional;

import dev.wheelfarm.retention.RetentionService;
import dev.wheelfarm.shared.InvalidNameException;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.status.StatusDocuments.BuildDocument;
import dev.wheelfarm.status.StatusDocuments.ProjectDocument;
import dev.wheelfarm.status.StatusDocuments.Release;
import dev.wheelfarm.status.StatusDocuments.Retention;
import dev.wheelfarm.web.Coded;
import dev.wheelfarm.web.JsonApi;
import dev.wheelfarm.web.ProblemType;
import dev.wheelfarm.web.Problems;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The JSON side of the status pages, read-only (docs/api.md). Refusals are
 * {@code application/problem+json} (RFC 9457) with the same words the pages use.
 */
@RestController
@JsonApi
@RequestMapping(path = "/api", produces = "application/json")
class StatusApi {

	static final ProblemType UNKNOWN_BUILD = new ProblemType("unknown-build", HttpStatus.NOT_FOUND, "Unknown build");

	private final StatusQueries status;

	private final RetentionService retention;

	StatusApi(StatusQueries status, RetentionService retention) {
		this.status = status;
		this.retention = retention;
	}

	@GetMapping("/builds/{id}")
	ResponseEntity<?> build(@PathVariable String id) {
		Optional<StatusQueries.BuildView> view = StatusPages.parseId(id).flatMap(this.status::build);
		if (view.isEmpty()) {
			return UNKNOWN_BUILD.answer("No build " + id + " here.");
		}
		return ResponseEntity.ok(BuildDocument.of(view.get()));
	}

	@GetMapping("/projects/{name}")
	ResponseEntity<?> project(@PathVariable String name) {
		Optional<StatusQueries.ProjectView> view;
		try {
			view = this.status.project(ProjectName.of(name).value());
		}
		catch (InvalidNameException ex) {
			view = Optional.empty();
		}
		if (view.isEmpty()) {
			return Problems.UNKNOWN_PROJECT.answer(name + " is not a project of this farm.");
		}
		StatusQueries.ProjectRow project = view.get().project();
		return ResponseEntity.ok(new ProjectDocument(project.name(), project.displayName(),
				new Coded(Coded.code(project.optinState()), project.optinReason()), project.repository(),
				project.configError(), view.get().releases().stream().map(Release::of).toList(),
				this.retention.forProject(ProjectName.of(project.name())).map(Retention::of).orElse(null)));
	}

}

package dev.wheelfarm.status;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.wheelfarm.builds.Build;
import dev.wheelfarm.builds.BuildEnvironments;
import dev.wheelfarm.builds.BuildEvent;
import dev.wheelfarm.retention.ProjectRetention;
import dev.wheelfarm.retention.RetentionService;
import dev.wheelfarm.shared.InvalidNameException;
import dev.wheelfarm.shared.ProjectName;

import dev.wheelfarm.web.Problems;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The JSON side of the status pages, read-only. Refusals are
 * {@code application/problem+json} (RFC 9457) with the same words the pages use.
 */
@RestController
@RequestMapping(path = "/api", produces = "application/json")
class StatusApi {

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
			return Problems.answer(HttpStatus.NOT_FOUND, "Unknown build", "No build " + id + " here.");
		}
		Build build = view.get().build();
		return ResponseEntity.ok(Map.ofEntries(Map.entry("id", build.id()), Map.entry("project", build.project()),
				Map.entry("version", build.version()), Map.entry("state", build.state().name()),
				Map.entry("sdist", Map.of("filename", build.sdistFilename(), "sha256", build.sdistSha256())),
				Map.entry("attempts", build.attempts()),
				Map.entry("run", (build.externalRunUrl() != null) ? build.externalRunUrl() : ""),
				Map.entry("strategy", (build.strategy() != null) ? build.strategy() : ""),
				Map.entry("plan", view.get().plan()),
				Map.entry("build_environment",
						view.get().buildEnvironment().stream().map(BuildDependencyView::of).toList()),
				Map.entry("failure",
						(build.failureClass() != null) ? Map.of("class", build.failureClass(), "kind",
								build.failureKind().name().toLowerCase(java.util.Locale.ROOT), "log",
								(build.logExcerpt() != null) ? build.logExcerpt() : "") : Map.of()),
				Map.entry("timeline", view.get().timeline().stream().map(StatusApi::timelineEntry).toList()),
				Map.entry("wheels",
						view.get()
							.wheels()
							.stream()
							.map((wheel) -> Map.of("filename", wheel.filename(), "sha256", wheel.sha256(), "size",
									wheel.size()))
							.toList())));
	}

	/**
	 * One file the build's isolated environment installed from the package index.
	 *
	 * @param name the normalized project name
	 * @param version its version, {@code null} when the filename does not say
	 * @param filename the file's name
	 * @param sha256 the hash of the bytes the build received
	 * @param size their number
	 */
	record BuildDependencyView(String name, String version, String filename, String sha256, long size) {

		static BuildDependencyView of(BuildEnvironments.Dependency dependency) {
			return new BuildDependencyView(dependency.name(), dependency.version(), dependency.filename(),
					dependency.sha256(), dependency.size());
		}

	}

	/**
	 * One step of the timeline; a maintainer's rebuild also says who asked (the token's
	 * fingerprint or the workflow run, never the secret).
	 */
	private static Map<String, Object> timelineEntry(BuildEvent event) {
		Map<String, Object> entry = new java.util.LinkedHashMap<>();
		entry.put("state", event.toState().name());
		entry.put("at", event.at().toString());
		entry.put("reason", (event.reason() != null) ? event.reason() : "");
		if (event.requestedBy() != null) {
			entry.put("requested_by", event.requestedBy());
		}
		return entry;
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
			return Problems.answer(HttpStatus.NOT_FOUND, "Unknown project", name + " is not a project of this farm.");
		}
		StatusQueries.ProjectRow project = view.get().project();
		List<Map<String, Object>> releases = view.get().releases().stream().map((release) -> {
			Map<String, Object> row = new java.util.LinkedHashMap<>();
			row.put("version", release.version());
			row.put("outcome", release.outcome());
			row.put("yanked", release.yanked());
			row.put("build", release.buildId());
			return row;
		}).toList();
		Map<String, Object> answer = new java.util.LinkedHashMap<>();
		answer.put("name", project.name());
		answer.put("optin", project.optinState());
		answer.put("reason", project.optinReason());
		answer.put("repository", project.repository());
		answer.put("configError", project.configError());
		answer.put("releases", releases);
		answer.put("retention",
				this.retention.forProject(ProjectName.of(project.name())).map(StatusApi::retention).orElse(null));
		return ResponseEntity.ok(answer);
	}

	/** The project page's retention section, as JSON: the same plan the job applies. */
	private static Map<String, Object> retention(ProjectRetention retention) {
		Map<String, Object> answer = new java.util.LinkedHashMap<>();
		answer.put("policy", retention.policy().toMap());
		answer.put("fromConfig", retention.fromConfig());
		answer.put("jobEnabled", retention.jobEnabled());
		answer.put("nextRunAt", retention.nextRunAt());
		ProjectRetention.Run run = retention.lastRun();
		if (run != null) {
			Map<String, Object> last = new java.util.LinkedHashMap<>();
			last.put("id", run.id());
			last.put("startedAt", run.startedAt().toInstant());
			last.put("finishedAt", (run.finishedAt() != null) ? run.finishedAt().toInstant() : null);
			last.put("removed", retention.removedByLastRun().stream().map((file) -> {
				Map<String, Object> row = new java.util.LinkedHashMap<>();
				row.put("filename", file.filename());
				row.put("version", file.version());
				row.put("removedAt", file.removedAt().toInstant());
				row.put("reason", file.removedReason());
				return row;
			}).toList());
			answer.put("lastRun", last);
		}
		else {
			answer.put("lastRun", null);
		}
		answer.put("next", retention.nextRemovals().stream().map((next) -> {
			Map<String, Object> row = new java.util.LinkedHashMap<>();
			row.put("version", next.version());
			row.put("at", next.at());
			row.put("atNextRun", next.atNextRun());
			row.put("reason", next.why());
			return row;
		}).toList());
		return answer;
	}

}

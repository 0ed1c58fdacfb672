package dev.wheelfarm.status;

import java.util.Optional;

import dev.wheelfarm.retention.RetentionService;
import dev.wheelfarm.shared.InvalidNameException;
import dev.wheelfarm.shared.ProjectName;

import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * The farm's pages for people: what it is, and the status of builds and projects.
 * Server-rendered and usable without JavaScript; the build page refreshes itself while
 * the build runs. Read-only: the request form, which changes things, is the requests
 * feature's.
 */
@Controller
class StatusPages {

	private final StatusQueries status;

	private final RetentionService retention;

	StatusPages(StatusQueries status, RetentionService retention) {
		this.status = status;
		this.retention = retention;
	}

	@GetMapping("/")
	String home(Model model) {
		model.addAttribute("totals", this.status.totals());
		model.addAttribute("indexUrl", baseUrl() + "/simple/");
		return "home";
	}

	@GetMapping("/builds/{id}")
	String build(@PathVariable String id, Model model) {
		StatusQueries.BuildView view = parseId(id).flatMap(this.status::build)
			.orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND, "No build " + id + " here."));
		model.addAttribute("view", view);
		model.addAttribute("indexUrl", baseUrl() + "/simple/");
		// What a maintainer sends when the cause of a failure was fixed outside the
		// recipe.
		model.addAttribute("rebuildUrl",
				ServletUriComponentsBuilder.fromCurrentContextPath()
					.path("/api/projects/{name}/versions/{version}/rebuilds")
					.buildAndExpand(view.build().project(), view.build().version())
					.encode()
					.toUriString());
		return "build";
	}

	@GetMapping("/projects/{name}")
	String project(@PathVariable String name, Model model) {
		ProjectName normalized;
		try {
			normalized = ProjectName.of(name);
		}
		catch (InvalidNameException ex) {
			throw new ResponseStatusException(HttpStatus.NOT_FOUND, "That is not a project name.");
		}
		if (!normalized.value().equals(name)) {
			return "redirect:/projects/" + normalized.value();
		}
		StatusQueries.ProjectView view = this.status.project(normalized.value())
			.orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND,
					normalized.value() + " is not a project of this farm."));
		model.addAttribute("view", view);
		model.addAttribute("indexUrl", baseUrl() + "/simple/");
		model.addAttribute("retention", this.retention.forProject(normalized).orElse(null));
		return "project";
	}

	static Optional<Long> parseId(String id) {
		if (id == null || !id.matches("[0-9]{1,18}")) {
			return Optional.empty();
		}
		return Optional.of(Long.parseLong(id));
	}

	private static String baseUrl() {
		return ServletUriComponentsBuilder.fromCurrentContextPath().build().toUriString();
	}

}

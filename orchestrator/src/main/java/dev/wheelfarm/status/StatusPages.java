package dev.wheelfarm.status;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import dev.wheelfarm.builds.BuildLogs;
import dev.wheelfarm.builds.BuildState;
import dev.wheelfarm.retention.RetentionService;
import dev.wheelfarm.shared.InvalidNameException;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.Version;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * The farm's pages for people: what it is, the lists of projects and builds, and the
 * status of each. Server-rendered and usable without JavaScript; the build pages refresh
 * themselves while builds run. Read-only: the request form, which changes things, is the
 * requests feature's.
 */
@Controller
class StatusPages {

	private static final MediaType PLAIN_UTF8 = MediaType.parseMediaType("text/plain; charset=utf-8");

	private final StatusQueries status;

	private final ProjectListing projects;

	private final BuildListing builds;

	private final BuildLogs logs;

	private final RetentionService retention;

	StatusPages(StatusQueries status, ProjectListing projects, BuildListing builds, BuildLogs logs,
			RetentionService retention) {
		this.status = status;
		this.projects = projects;
		this.builds = builds;
		this.logs = logs;
		this.retention = retention;
	}

	@GetMapping("/")
	String home(Model model) {
		model.addAttribute("totals", this.status.totals());
		model.addAttribute("indexUrl", indexUrl());
		return "home";
	}

	@GetMapping("/projects")
	String projects(@RequestParam(name = "q", required = false) String search,
			@RequestParam(name = "page", defaultValue = "1") String page, Model model) {
		String query = (search != null) ? search.strip() : "";
		model.addAttribute("q", query);
		if (query.length() > ProjectListing.MAX_SEARCH) {
			model.addAttribute("searchError", "A search is at most " + ProjectListing.MAX_SEARCH + " characters.");
			query = "";
		}
		model.addAttribute("listed", this.projects.list(query, new Paging(pageNumber(page), Paging.DEFAULT_SIZE)));
		return "projects";
	}

	@GetMapping("/builds")
	String builds(@RequestParam(name = "state", required = false) String state,
			@RequestParam(name = "page", defaultValue = "1") String page, Model model, HttpServletResponse response) {
		Optional<StateFilter> known = (state == null || state.isEmpty()) ? Optional.of(StateFilter.ALL)
				: StateFilter.of(state);
		StateFilter filter = known.orElse(StateFilter.ALL);
		model.addAttribute("filter", filter);
		model.addAttribute("filters", StateFilter.values());
		model.addAttribute("queue", this.builds.queue(new Paging(1, Paging.DEFAULT_SIZE)));
		if (known.isEmpty()) {
			// Listing every build instead would look like an answer to the question
			// asked; the API refuses an unknown state too.
			response.setStatus(HttpStatus.BAD_REQUEST.value());
			model.addAttribute("stateError", StateFilter.unknown(state));
			return "builds";
		}
		model.addAttribute("listed", this.builds.list(new BuildListing.Filter(filter.states, null),
				new Paging(pageNumber(page), Paging.DEFAULT_SIZE)));
		return "builds";
	}

	@GetMapping("/builds/{id}")
	String build(@PathVariable String id, Model model) {
		long buildId = parseId(id).orElseThrow(() -> noBuild(id));
		StatusQueries.BuildView view = this.status.build(buildId).orElseThrow(() -> noBuild(id));
		model.addAttribute("view", view);
		model.addAttribute("stateWords",
				StateWords.build(view.build().state(), view.build().failureClass(),
						(view.build().failureKind() != null) ? view.build().failureKind().name().toLowerCase() : null,
						view.build().nextAttemptAt()));
		model.addAttribute("indexUrl", indexUrl());
		Optional<BuildLogs.StoredLog> log = this.logs.find(buildId);
		model.addAttribute("log", log.orElse(null));
		String text = log.map(BuildLogs.StoredLog::content).orElse(view.build().logExcerpt());
		if (view.build().failureClass() != null && text != null) {
			model.addAttribute("excerpt", DecisiveLines.find(text, view.build().failureClass()));
			model.addAttribute("advice", FailureAdvice.of(view.build().failureClass()).orElse(null));
			model.addAttribute("failureWords", StateWords.failure(view.build().failureClass()));
		}
		else if (view.build().failureClass() != null) {
			model.addAttribute("advice", FailureAdvice.of(view.build().failureClass()).orElse(null));
			model.addAttribute("failureWords", StateWords.failure(view.build().failureClass()));
		}
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

	/**
	 * The build's full stored log as plain text: what a maintainer greps, saves or pastes
	 * into an issue. {@code nosniff} (SecurityHeaders) keeps a browser from reading it as
	 * anything else.
	 */
	@GetMapping("/builds/{id}/log")
	ResponseEntity<String> log(@PathVariable String id) {
		long buildId = parseId(id).orElseThrow(() -> noBuild(id));
		Optional<BuildLogs.StoredLog> log = this.logs.find(buildId);
		if (log.isEmpty()) {
			throw new ResponseStatusException(HttpStatus.NOT_FOUND, "Build " + id + " has no stored log.");
		}
		return ResponseEntity.ok().contentType(PLAIN_UTF8).body(log.get().content());
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
		List<StatusQueries.FileRow> files = this.status.files(normalized.value());
		Map<String, List<StatusQueries.FileRow>> byVersion = files.stream()
			.collect(Collectors.groupingBy(StatusQueries.FileRow::version, LinkedHashMap::new, Collectors.toList()));
		model.addAttribute("view", view);
		model.addAttribute("optinWords", StateWords.optin(view.project().optinState()));
		model.addAttribute("filesByVersion", byVersion);
		model.addAttribute("nightlies", nightlies(files));
		model.addAttribute("history", this.status.history(normalized.value()));
		model.addAttribute("indexUrl", indexUrl());
		model.addAttribute("retention", this.retention.forProject(normalized).orElse(null));
		return "project";
	}

	/**
	 * Versions the project uploaded that are not PyPI releases (nightlies), newest first
	 * by PEP 440 where the versions parse.
	 */
	private static List<Map.Entry<String, List<StatusQueries.FileRow>>> nightlies(List<StatusQueries.FileRow> files) {
		Map<String, List<StatusQueries.FileRow>> byVersion = files.stream()
			.filter((file) -> !file.released())
			.collect(Collectors.groupingBy(StatusQueries.FileRow::version, LinkedHashMap::new, Collectors.toList()));
		List<Map.Entry<String, List<StatusQueries.FileRow>>> entries = new ArrayList<>(byVersion.entrySet());
		Comparator<String> newestFirst = Comparator
			.comparing((String version) -> Version.tryParse(version).orElse(null),
					Comparator.nullsLast(Comparator.reverseOrder()))
			.thenComparing(Comparator.reverseOrder());
		entries.sort(Map.Entry.comparingByKey(newestFirst));
		return entries;
	}

	static Optional<Long> parseId(String id) {
		if (id == null || !id.matches("[0-9]{1,18}")) {
			return Optional.empty();
		}
		return Optional.of(Long.parseLong(id));
	}

	private static ResponseStatusException noBuild(String id) {
		return new ResponseStatusException(HttpStatus.NOT_FOUND, "No build " + id + " here.");
	}

	private static int pageNumber(String page) {
		return (page != null && page.matches("[0-9]{1,6}")) ? Integer.parseInt(page) : 1;
	}

	private static String indexUrl() {
		return ServletUriComponentsBuilder.fromCurrentContextPath().build().toUriString() + "/simple/";
	}

	/** The states a person filters builds by, in their words. */
	enum StateFilter {

		ALL("all", "all builds", Set.of()), QUEUED("queued", "queued", EnumSet.of(BuildState.PENDING)),
		BUILDING("building", "building", EnumSet.of(BuildState.DISPATCHED, BuildState.RUNNING)),
		BUILT("built", "built", EnumSet.of(BuildState.SUCCEEDED, BuildState.PUBLISHED)),
		FAILED("failed", "failed", EnumSet.of(BuildState.FAILED)),
		STOPPED("stopped", "cancelled or skipped", EnumSet.of(BuildState.CANCELLED, BuildState.SKIPPED));

		private static final int MAX_SHOWN = 40;

		final String code;

		final String words;

		final Set<BuildState> states;

		StateFilter(String code, String words, Set<BuildState> states) {
			this.code = code;
			this.words = words;
			this.states = states;
		}

		public String code() {
			return this.code;
		}

		public String words() {
			return this.words;
		}

		static Optional<StateFilter> of(String code) {
			return java.util.Arrays.stream(values()).filter((filter) -> filter.code.equals(code)).findFirst();
		}

		/**
		 * Why {@code code} lists nothing, naming the states there are. The code is cut
		 * short: it is the visitor's text, shown back to them only escaped.
		 */
		static String unknown(String code) {
			String shown = (code.length() > MAX_SHOWN) ? code.substring(0, MAX_SHOWN) + "…" : code;
			return "There is no build state “" + shown + "”. Show all builds, or those "
					+ java.util.Arrays.stream(values())
						.filter((filter) -> filter != ALL)
						.map(StateFilter::words)
						.collect(Collectors.joining(", ", "", "."));
		}

	}

}

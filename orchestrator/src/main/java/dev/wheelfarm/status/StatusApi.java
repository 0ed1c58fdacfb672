package dev.wheelfarm.status;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import dev.wheelfarm.builds.BuildState;

import dev.wheelfarm.retention.RetentionService;
import dev.wheelfarm.shared.InvalidNameException;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.status.StatusDocuments.BuildDocument;
import dev.wheelfarm.status.StatusDocuments.BuildItem;
import dev.wheelfarm.status.StatusDocuments.Page;
import dev.wheelfarm.status.StatusDocuments.ProjectItem;
import dev.wheelfarm.status.StatusDocuments.ProjectDocument;
import dev.wheelfarm.status.StatusDocuments.Release;
import dev.wheelfarm.status.StatusDocuments.Retention;
import dev.wheelfarm.web.Coded;
import dev.wheelfarm.web.ProblemType;
import dev.wheelfarm.web.Problems;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * The JSON side of the status pages, read-only (docs/api.md). Refusals are
 * {@code application/problem+json} (RFC 9457) with the same words the pages use.
 */
@RestController
@RequestMapping(path = "/api", produces = "application/json")
class StatusApi {

	private static final String STATE_CODES = Arrays.stream(BuildState.values())
		.map((state) -> Coded.code(state.name()))
		.collect(Collectors.joining(", "));

	static final ProblemType UNKNOWN_BUILD = new ProblemType("unknown-build", HttpStatus.NOT_FOUND, "Unknown build");

	private final StatusQueries status;

	private final RetentionService retention;

	private final ProjectListing projects;

	private final BuildListing builds;

	StatusApi(StatusQueries status, RetentionService retention, ProjectListing projects, BuildListing builds) {
		this.status = status;
		this.retention = retention;
		this.projects = projects;
		this.builds = builds;
	}

	/**
	 * The hosted projects by name, a page at a time; {@code search} keeps those whose
	 * name contains it.
	 */
	@GetMapping("/projects")
	ResponseEntity<?> projects(@RequestParam(required = false) String search,
			@RequestParam(name = "page", required = false) String page,
			@RequestParam(name = "per_page", required = false) String perPage) {
		Paging paging;
		try {
			paging = paging(page, perPage);
		}
		catch (IllegalArgumentException ex) {
			return Problems.INVALID_REQUEST.answer(ex.getMessage());
		}
		if (search != null && search.length() > ProjectListing.MAX_SEARCH) {
			return Problems.INVALID_REQUEST.answer("search has at most " + ProjectListing.MAX_SEARCH + " characters.");
		}
		return page(this.projects.list(search, paging),
				(project) -> ProjectItem.of(project, link("/api/projects/{name}", project.name())));
	}

	/**
	 * Builds, newest first, a page at a time; {@code state} (repeatable) and
	 * {@code project} narrow the list.
	 */
	@GetMapping("/builds")
	ResponseEntity<?> builds(@RequestParam(name = "state", required = false) List<String> states,
			@RequestParam(required = false) String project, @RequestParam(name = "page", required = false) String page,
			@RequestParam(name = "per_page", required = false) String perPage) {
		Paging paging;
		Set<BuildState> wanted = EnumSet.noneOf(BuildState.class);
		String name = null;
		try {
			paging = paging(page, perPage);
			for (String state : (states != null) ? states : List.<String>of()) {
				wanted.add(Arrays.stream(BuildState.values())
					.filter((known) -> Coded.code(known.name()).equals(state))
					.findFirst()
					.orElseThrow(() -> new IllegalArgumentException("state is one of " + STATE_CODES + ".")));
			}
			if (project != null) {
				name = ProjectName.of(project).value();
			}
		}
		catch (InvalidNameException ex) {
			return Problems.INVALID_PROJECT_NAME.answer("project is not a valid PyPI project name.");
		}
		catch (IllegalArgumentException ex) {
			return Problems.INVALID_REQUEST.answer(ex.getMessage());
		}
		return page(this.builds.list(new BuildListing.Filter(wanted, name), paging),
				(build) -> BuildItem.of(build, link("/api/builds/{id}", build.id())));
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
				new Coded(Coded.code(project.optinState()), StateWords.optin(project.optinState())),
				project.optinReason(), project.repository(), project.configError(),
				view.get().releases().stream().map(Release::of).toList(),
				this.retention.forProject(ProjectName.of(project.name())).map(Retention::of).orElse(null)));
	}

	/**
	 * {@code page} from 1, {@code per_page} from 1 to {@value Paging#MAX_SIZE}: refused
	 * rather than clamped, so that a client's mistake shows.
	 */
	private static Paging paging(String page, String perPage) {
		return new Paging(number("page", page, 1, Integer.MAX_VALUE, 1),
				number("per_page", perPage, 1, Paging.MAX_SIZE, Paging.DEFAULT_SIZE));
	}

	private static int number(String name, String text, int min, int max, int absent) {
		if (text == null) {
			return absent;
		}
		if (!text.matches("[0-9]{1,9}") || Integer.parseInt(text) < min || Integer.parseInt(text) > max) {
			throw new IllegalArgumentException(name + " is a whole number from " + min + " to " + max + ".");
		}
		return Integer.parseInt(text);
	}

	/**
	 * The page, with links to its neighbours in the body and in {@code Link} (RFC 8288),
	 * keeping the request's filters.
	 */
	private static <T, D> ResponseEntity<Page<D>> page(Listed<T> listed, Function<T, D> document) {
		String next = listed.hasNext() ? pageLink(listed.paging().page() + 1, listed.paging().size()) : null;
		String previous = listed.hasPrevious() ? pageLink(listed.paging().page() - 1, listed.paging().size()) : null;
		ResponseEntity.BodyBuilder answer = ResponseEntity.ok();
		List<String> links = new ArrayList<>();
		if (next != null) {
			links.add("<" + next + ">; rel=\"next\"");
		}
		if (previous != null) {
			links.add("<" + previous + ">; rel=\"prev\"");
		}
		if (!links.isEmpty()) {
			answer.header(HttpHeaders.LINK, String.join(", ", links));
		}
		return answer.body(new Page<>(listed.items().stream().map(document).toList(), listed.paging().page(),
				listed.paging().size(), listed.total(), listed.pages(), next, previous));
	}

	private static String pageLink(int page, int perPage) {
		return ServletUriComponentsBuilder.fromCurrentRequest()
			.replaceQueryParam("page", page)
			.replaceQueryParam("per_page", perPage)
			.build()
			.toUriString();
	}

	private static String link(String path, Object value) {
		return ServletUriComponentsBuilder.fromCurrentContextPath().path(path).buildAndExpand(value).toUriString();
	}

}

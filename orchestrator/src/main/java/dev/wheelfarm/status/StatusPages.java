package dev.wheelfarm.requests;

import java.time.Duration;
import java.util.Optional;

import dev.wheelfarm.requests.RequestOutcome.Accepted;
import dev.wheelfarm.requests.RequestOutcome.Refused;
import dev.wheelfarm.retention.RetentionService;
import dev.wheelfarm.shared.InvalidNameException;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.web.ClientAddresses;
import dev.wheelfarm.web.ClientRateLimiter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.validation.Valid;

import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.validation.BindingResult;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * The farm's pages for people: what it is, the request form, and the status of builds and
 * projects. Server-rendered and usable without JavaScript; the build page refreshes
 * itself while the build runs.
 */
@Controller
class RequestPages {

	private final RequestService requests;

	private final StatusQueries status;

	private final RequestRateLimiter rateLimiter;

	private final ClientAddresses clients;

	private final RetentionService retention;

	RequestPages(RequestService requests, StatusQueries status, RequestRateLimiter rateLimiter, ClientAddresses clients,
			RetentionService retention) {
		this.requests = requests;
		this.status = status;
		this.rateLimiter = rateLimiter;
		this.clients = clients;
		this.retention = retention;
	}

	@GetMapping("/")
	String home(Model model) {
		model.addAttribute("totals", this.status.totals());
		model.addAttribute("indexUrl", baseUrl() + "/simple/");
		return "home";
	}

	@GetMapping("/request")
	String form(Model model) {
		model.addAttribute("form", BuildRequestForm.empty());
		return "request";
	}

	@PostMapping("/request")
	String submit(@Valid @ModelAttribute("form") BuildRequestForm form, BindingResult errors,
			HttpServletRequest request, HttpServletResponse response, RedirectAttributes redirect) {
		if (errors.hasErrors()) {
			response.setStatus(HttpStatus.UNPROCESSABLE_ENTITY.value());
			return "request";
		}
		Optional<Duration> wait = this.rateLimiter.tryAcquire(this.clients.of(request));
		if (wait.isPresent()) {
			long seconds = ClientRateLimiter.retryAfterSeconds(wait.get());
			response.setStatus(HttpStatus.TOO_MANY_REQUESTS.value());
			response.setHeader("Retry-After", Long.toString(seconds));
			errors.reject("rate-limited", "Too many requests from your address. Try again in " + seconds + " s.");
			return "request";
		}
		RequestOutcome outcome = this.requests.request(form.project(), form.version());
		if (outcome instanceof Accepted accepted) {
			redirect.addFlashAttribute("notice", accepted.created() ? "Your build is queued."
					: "This release was already requested: here is its build.");
			return "redirect:/builds/" + accepted.buildId();
		}
		Refused refused = (Refused) outcome;
		errors.rejectValue(refused.field(), refused.reason().name(), refused.message());
		response.setStatus(refused.reason().status());
		return "request";
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

package dev.wheelfarm.requests;

import java.time.Duration;
import java.util.Optional;

import dev.wheelfarm.requests.RequestOutcome.Accepted;
import dev.wheelfarm.requests.RequestOutcome.Refused;
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
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The request form: a person asks the farm to build a release. Server-rendered and usable
 * without JavaScript; an accepted request leads to its build's status page.
 */
@Controller
class RequestPages {

	private final RequestService requests;

	private final RequestRateLimiter rateLimiter;

	private final ClientAddresses clients;

	RequestPages(RequestService requests, RequestRateLimiter rateLimiter, ClientAddresses clients) {
		this.requests = requests;
		this.rateLimiter = rateLimiter;
		this.clients = clients;
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

}

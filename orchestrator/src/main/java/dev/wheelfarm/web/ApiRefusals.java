package dev.wheelfarm.web;

import java.io.IOException;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.stereotype.Component;
import org.springframework.web.ErrorResponse;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

/**
 * Spring MVC's own refusals of a request below {@code /api/} (no such resource, wrong
 * method, unacceptable or unsupported media type, an unreadable body, a missing or
 * mistyped parameter) as problem documents with a stable type, like the controllers' own
 * refusals, instead of the error page's JSON. A resolver rather than a controller advice:
 * a wrong method or an unknown path is refused before any controller is chosen. Other
 * paths (the pages, the index, the upload endpoint) are left to the usual resolvers.
 */
@Component
class ApiRefusals implements HandlerExceptionResolver, Ordered {

	private final JsonMapper json;

	ApiRefusals(JsonMapper json) {
		this.json = json;
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

	@Override
	public ModelAndView resolveException(HttpServletRequest request, HttpServletResponse response, Object handler,
			Exception ex) {
		if (!request.getRequestURI().startsWith(request.getContextPath() + "/api/")) {
			return null;
		}
		ProblemDetail problem;
		if (ex instanceof ErrorResponse refusal) {
			problem = refusal.getBody();
			refusal.getHeaders().forEach((name, values) -> values.forEach((value) -> response.addHeader(name, value)));
		}
		else if (ex instanceof HttpMessageNotReadableException) {
			problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, "The body is not the JSON expected.");
		}
		else {
			return null;
		}
		ProblemType type = typeOf(problem.getStatus());
		String detail = (problem.getStatus() == HttpStatus.NOT_FOUND.value())
				? "Nothing is served at " + request.getRequestURI() + ": /api/openapi.json lists what is."
				: problem.getDetail();
		// In the order Spring writes the controllers' problem documents: one shape.
		ObjectNode body = this.json.createObjectNode();
		body.put("detail", detail);
		body.put("instance", request.getRequestURI());
		body.put("status", problem.getStatus());
		body.put("title", type.title());
		body.put("type", type.type().toString());
		response.setStatus(problem.getStatus());
		response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
		try {
			response.getOutputStream().write(this.json.writeValueAsBytes(body));
		}
		catch (IOException writeFailed) {
			// The client went away; there is nobody left to answer.
		}
		return new ModelAndView();
	}

	private static final Map<HttpStatus, ProblemType> TYPES = Map.of(HttpStatus.METHOD_NOT_ALLOWED,
			new ProblemType("method-not-allowed", HttpStatus.METHOD_NOT_ALLOWED, "Method not allowed"),
			HttpStatus.NOT_ACCEPTABLE,
			new ProblemType("not-acceptable", HttpStatus.NOT_ACCEPTABLE, "No acceptable representation"),
			HttpStatus.UNSUPPORTED_MEDIA_TYPE,
			new ProblemType("unsupported-media-type", HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type"),
			HttpStatus.NOT_FOUND, new ProblemType("not-found", HttpStatus.NOT_FOUND, "No such resource"),
			HttpStatus.CONTENT_TOO_LARGE, Problems.CONTENT_TOO_LARGE);

	/** One type per status: these refusals are about the request's form, not the farm. */
	static ProblemType typeOf(int status) {
		HttpStatus known = HttpStatus.resolve(status);
		if (known != null && known.is5xxServerError()) {
			return new ProblemType("server-error", known, "The farm could not answer");
		}
		return TYPES.getOrDefault(known, Problems.INVALID_REQUEST);
	}

}

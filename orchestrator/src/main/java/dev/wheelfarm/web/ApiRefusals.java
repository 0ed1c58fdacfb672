package dev.wheelfarm.web;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Spring MVC's own refusals of an API request (405, 406, 415, an unreadable body, a
 * missing or mistyped parameter) as problem details with a stable type, like the
 * controllers' own refusals. Only for {@link JsonApi} controllers: the pages and the
 * upload endpoint answer their clients as those expect.
 */
@RestControllerAdvice(annotations = JsonApi.class)
class ApiRefusals extends ResponseEntityExceptionHandler {

	@Override
	protected ResponseEntity<Object> createResponseEntity(Object body, HttpHeaders headers, HttpStatusCode statusCode,
			WebRequest request) {
		ProblemDetail problem = (body instanceof ProblemDetail given) ? given : ProblemDetail.forStatus(statusCode);
		ProblemType type = typeOf(statusCode);
		problem.setType(type.type());
		problem.setTitle(type.title());
		HttpHeaders answerHeaders = new HttpHeaders();
		answerHeaders.addAll(headers);
		answerHeaders.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
		return new ResponseEntity<>(problem, answerHeaders, statusCode);
	}

	/** One type per status: these refusals are about the request's form, not the farm. */
	static ProblemType typeOf(HttpStatusCode status) {
		HttpStatus known = HttpStatus.resolve(status.value());
		if (known == null || known == HttpStatus.BAD_REQUEST) {
			return Problems.INVALID_REQUEST;
		}
		return switch (known) {
			case METHOD_NOT_ALLOWED -> new ProblemType("method-not-allowed", known, "Method not allowed");
			case NOT_ACCEPTABLE -> new ProblemType("not-acceptable", known, "No acceptable representation");
			case UNSUPPORTED_MEDIA_TYPE -> new ProblemType("unsupported-media-type", known, "Unsupported media type");
			case NOT_FOUND -> new ProblemType("not-found", known, "Not found");
			case CONTENT_TOO_LARGE -> Problems.CONTENT_TOO_LARGE;
			default -> (known.is4xxClientError()) ? Problems.INVALID_REQUEST
					: new ProblemType("server-error", known, "The farm could not answer");
		};
	}

}

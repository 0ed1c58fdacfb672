package dev.wheelfarm.api;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The served OpenAPI 3.1 description, read the way a client generator reads it: its
 * operations, and each response's schema (JSON Schema 2020-12, which OpenAPI 3.1's
 * schemas are) applied to a real answer.
 */
final class OpenApiDescription {

	private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch");

	private final JsonNode document;

	private final Map<String, Schema> schemas = new HashMap<>();

	OpenApiDescription(JsonNode document) {
		if (!document.path("openapi").asString("").startsWith("3.1")) {
			throw new IllegalArgumentException("not an OpenAPI 3.1 description");
		}
		this.document = document;
	}

	/** Every operation, as {@code GET /api/builds/{id}}. */
	List<String> operations() {
		List<String> operations = new ArrayList<>();
		for (Map.Entry<String, JsonNode> path : this.document.path("paths").properties()) {
			for (Map.Entry<String, JsonNode> operation : path.getValue().properties()) {
				if (METHODS.contains(operation.getKey())) {
					operations.add(operation.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey());
				}
			}
		}
		return operations;
	}

	/** The described path a concrete path (and query) falls under, or the path itself. */
	String template(String path) {
		String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
		for (Map.Entry<String, JsonNode> described : this.document.path("paths").properties()) {
			String pattern = Pattern.quote(described.getKey()).replaceAll("\\{[^}]+}", "\\\\E[^/]+\\\\Q");
			if (bare.matches(pattern)) {
				return described.getKey();
			}
		}
		return bare;
	}

	/** Why the body is not what the description says this answer is; empty if it is. */
	List<String> errors(String method, String path, int status, JsonNode body) {
		String template = template(path);
		JsonNode operation = this.document.path("paths").path(template).path(method.toLowerCase(Locale.ROOT));
		if (operation.isMissingNode()) {
			// Nothing is served there: the refusal is still a problem document.
			return (status >= 400) ? validate("#/components/schemas/Problem", body)
					: List.of("no operation " + method + " " + template);
		}
		JsonNode response = operation.path("responses").path(Integer.toString(status));
		if (response.isMissingNode()) {
			return List.of(method + " " + template + " does not describe a " + status + " answer");
		}
		JsonNode content = response.path("content");
		if (body == null) {
			return content.isEmpty() ? List.of() : List.of("the answer has no body, its description has one");
		}
		if (content.size() != 1) {
			return List.of(method + " " + template + " " + status + " describes " + content.size() + " media types");
		}
		String ref = content.properties().iterator().next().getValue().path("schema").path("$ref").asString(null);
		if (ref == null) {
			return List.of(method + " " + template + " " + status + ": a response schema is a $ref to a component");
		}
		return validate(ref, body);
	}

	private List<String> validate(String ref, JsonNode body) {
		return schema(ref).validate(body.toString(), InputFormat.JSON).stream().map(Error::toString).toList();
	}

	/**
	 * The description itself as the schema, with the component as its root: every
	 * {@code $ref} inside resolves against the same document.
	 */
	private Schema schema(String ref) {
		return this.schemas.computeIfAbsent(ref, (key) -> {
			ObjectNode root = JsonMapper.shared().createObjectNode();
			root.put("$ref", key);
			root.set("components", this.document.path("components"));
			return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
				.getSchema(root.toString(), InputFormat.JSON);
		});
	}

}

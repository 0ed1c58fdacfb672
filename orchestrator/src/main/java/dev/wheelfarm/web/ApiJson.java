package dev.wheelfarm.web;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import com.fasterxml.jackson.annotation.JacksonAnnotationsInside;
import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/**
 * Marks a record as a document of the farm's JSON API (docs/api.md): its components are
 * written in snake_case, in declaration order, and an absent value is written as
 * {@code null} rather than left out.
 *
 * <p>
 * Per record rather than on the application's {@code JsonMapper}: that mapper also reads
 * and writes documents whose spelling is not ours to change (the worker's
 * {@code result.json}, GitHub's and PyPI's payloads, the PEP 691 pages).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@JacksonAnnotationsInside
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.ALWAYS)
public @interface ApiJson {

}

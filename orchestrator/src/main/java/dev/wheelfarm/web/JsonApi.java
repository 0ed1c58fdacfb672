package dev.wheelfarm.web;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a controller that answers below {@code /api/}: Spring MVC's own refusals of its
 * requests (wrong method, unreadable body, missing parameter...) are answered as problem
 * details by {@link ApiRefusals}, like the controller's own.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface JsonApi {

}

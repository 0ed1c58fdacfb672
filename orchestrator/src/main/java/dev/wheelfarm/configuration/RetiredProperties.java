package dev.wheelfarm.configuration;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Stops the start when a property the farm no longer reads is set, naming the property
 * that replaced it. The retired names are declared once, in
 * {@code META-INF/additional-spring-configuration-metadata.json} (deprecation level
 * {@code error}), where IDEs and the generated metadata show them too.
 *
 * <p>
 * Why an error and not a silent mapping: a farm configured with the old
 * {@code wheelfarm.builder=github} whose setting were ignored would start the local
 * engine and build strangers' code on its own machine; and the two old run limits
 * ({@code wheelfarm.builder.local.timeout}, {@code wheelfarm.github.run-timeout}) cannot
 * be mapped onto the one {@code wheelfarm.dispatch.run-timeout} without guessing which
 * the operator meant. The rename costs one edit, said at start, once.
 */
public class RetiredProperties implements EnvironmentPostProcessor, Ordered {

	static final String DECLARATIONS = "META-INF/additional-spring-configuration-metadata.json";

	/** After the config files and the environment are read, before anything binds. */
	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		Binder binder = Binder.get(environment);
		List<String> problems = new ArrayList<>();
		for (Retired retired : declared()) {
			// The binder finds every spelling: --wheelfarm.builder, WHEELFARM_BUILDER,
			// YAML.
			if (binder.bind(retired.name(), Bindable.of(String.class)).isBound()) {
				problems.add(retired.name() + " is no longer read: set " + retired.replacement() + " instead ("
						+ retired.reason() + ")");
			}
		}
		if (!problems.isEmpty()) {
			throw new RetiredPropertyException(problems);
		}
	}

	/** The retired {@code wheelfarm.*} properties the farm's metadata declares. */
	static List<Retired> declared() {
		List<Retired> retired = new ArrayList<>();
		try {
			ClassLoader loader = RetiredProperties.class.getClassLoader();
			for (URL url : Collections.list(loader.getResources(DECLARATIONS))) {
				try (InputStream in = url.openStream()) {
					for (JsonNode property : JsonMapper.shared().readTree(in).path("properties")) {
						JsonNode deprecation = property.path("deprecation");
						String name = property.path("name").asString("");
						if (name.startsWith("wheelfarm.") && "error".equals(deprecation.path("level").asString(""))) {
							retired.add(new Retired(name, deprecation.path("replacement").asString(""),
									deprecation.path("reason").asString("")));
						}
					}
				}
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot read " + DECLARATIONS, ex);
		}
		return retired;
	}

	/** A property no longer read, what replaced it and why. */
	record Retired(String name, String replacement, String reason) {
	}

}

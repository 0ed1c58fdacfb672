package dev.wheelfarm.dispatch;

import dev.wheelfarm.builds.Recipes;
import dev.wheelfarm.dispatch.install.WorkflowBundle;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The recipes of this jar: the worker and workflow it ships and the engine it is
 * configured with. Made here because only dispatch knows both; the builds feature, which
 * decides what to build, receives them.
 */
@Configuration(proxyBeanMethods = false)
class ShippedRecipes {

	@Bean
	Recipes recipes(EngineSelection selection) {
		return of(selection);
	}

	static Recipes of(EngineSelection selection) {
		return new Recipes(WorkflowBundle.fromClasspath().contentHash(), selection.engine().name());
	}

}

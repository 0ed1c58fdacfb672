package dev.wheelfarm.dispatch;

import dev.wheelfarm.builds.Recipes;
import dev.wheelfarm.dispatch.install.WorkflowBundle;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ShippedRecipesTest {

	@Test
	void theShippedBundleIsPartOfIt() {
		Recipes shipped = ShippedRecipes.of(new EngineSelection(EngineSelection.Engine.LOCAL));
		String bundle = WorkflowBundle.fromClasspath().contentHash();
		assertThat(shipped.forSettings("{}")).isEqualTo(new Recipes(bundle, "LOCAL").forSettings("{}"));
	}

}

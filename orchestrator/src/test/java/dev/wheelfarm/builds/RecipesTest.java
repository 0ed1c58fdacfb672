package dev.wheelfarm.builds;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RecipesTest {

	@Test
	void everyPartOfTheRecipeChangesTheFingerprint() {
		Recipes recipes = new Recipes("a".repeat(64), "LOCAL");
		String settings = "{\"skip\": \"pp*\"}";
		assertThat(recipes.forSettings(settings)).isEqualTo(new Recipes("a".repeat(64), "LOCAL").forSettings(settings));
		assertThat(recipes.forSettings(settings)).isNotEqualTo(recipes.forSettings("{\"skip\": \"cp38-*\"}"))
			.isNotEqualTo(new Recipes("b".repeat(64), "LOCAL").forSettings(settings))
			.isNotEqualTo(new Recipes("a".repeat(64), "GITHUB").forSettings(settings));
		assertThat(recipes.forSettings(null)).isEqualTo(recipes.forSettings("{}"));
	}

	@Test
	void settingsThatOnlyChooseReleasesAreNotPartOfIt() {
		Recipes recipes = new Recipes("a".repeat(64), "LOCAL");
		String built = "{\"platforms\": [\"linux\"], \"skip\": \"pp*\"}";
		assertThat(recipes.forSettings("{\"since\": \"2.0\", \"prereleases\": true, \"platforms\": [\"linux\"], "
				+ "\"skip\": \"pp*\", \"skip-versions\": [\"1.1\"], \"accept-requests\": false}"))
			.isEqualTo(recipes.forSettings(built));
		assertThat(recipes.forSettings("{\"platforms\": [\"linux\", \"macos\"], \"skip\": \"pp*\"}"))
			.isNotEqualTo(recipes.forSettings(built));
		assertThat(recipes.forSettings("{\"platforms\": [\"linux\"], \"skip\": \"pp*\", \"cibuildwheel\": "
				+ "{\"test-command\": \"pytest\"}}"))
			.isNotEqualTo(recipes.forSettings(built));
	}

	@Test
	void theRecipeIsTheOptionsTheWorkerReceivesSoSettingsThatMeanTheSameAreOneRecipe() {
		Recipes recipes = new Recipes("a".repeat(64), "LOCAL");
		Recipes.Recipe family = recipes.recipe("{\"skip\": \"pp*\", \"cibuildwheel\": {\"test-command\": \"pytest\","
				+ " \"environment\": {\"B\": \"2\", \"A\": \"1\"}}, \"platforms\": [\"linux\"]}");
		Recipes.Recipe ids = recipes.recipe("{\"platforms\": [\"linux-x86_64\", \"linux-aarch64\"], \"cibuildwheel\": "
				+ "{\"environment\": {\"A\": \"1\", \"B\": \"2\"}, \"test-command\": \"pytest\"}, \"skip\": \"pp*\"}");
		assertThat(family).isEqualTo(ids);
		assertThat(family.options()).isEqualTo("{\"cibuildwheel\":{\"environment\":{\"A\":\"1\",\"B\":\"2\"},"
				+ "\"test-command\":\"pytest\"},\"platforms\":[\"linux-aarch64\",\"linux-x86_64\"],\"skip\":\"pp*\","
				+ "\"strategy\":\"auto\"}");
		assertThat(recipes.recipe("{\"strategy\": \"pure\"}").fingerprint())
			.isNotEqualTo(recipes.recipe("{}").fingerprint());
	}

}

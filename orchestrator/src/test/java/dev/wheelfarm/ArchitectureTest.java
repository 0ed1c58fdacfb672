package dev.wheelfarm;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The package boundaries of style.md, enforced: a violation fails the build. Rules about
 * features that do not exist yet allow an empty set, and start to bite as soon as the
 * feature's first class lands.
 */
@AnalyzeClasses(packages = "dev.wheelfarm", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

	@ArchTest
	static final ArchRule sharedCoreIsPureJdk = classes().that()
		.resideInAPackage("dev.wheelfarm.shared..")
		.should()
		.onlyDependOnClassesThat()
		.resideInAnyPackage("java..", "dev.wheelfarm.shared..");

	@ArchTest
	static final ArchRule onlyDispatchTalksToGitHub = noClasses().that()
		.resideOutsideOfPackage("dev.wheelfarm.dispatch..")
		.should()
		.dependOnClassesThat()
		.resideInAPackage("org.kohsuke.github..");

	@ArchTest
	static final ArchRule indexIsFedByEventsNotByCallers = noClasses().that()
		.resideInAPackage("dev.wheelfarm.index..")
		.should()
		.dependOnClassesThat()
		.resideInAnyPackage("dev.wheelfarm.dispatch..", "dev.wheelfarm.pypi..")
		.allowEmptyShould(true);

	@ArchTest
	static final ArchRule featuresHaveNoCycles = slices().matching("dev.wheelfarm.(*)..").should().beFreeOfCycles();

}

package dev.wheelfarm;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.transaction.support.TransactionOperations;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noMethods;
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
	static final ArchRule onlyProvenanceUsesSigstore = noClasses().that()
		.resideOutsideOfPackage("dev.wheelfarm.provenance..")
		.should()
		.dependOnClassesThat()
		.resideInAPackage("dev.sigstore..");

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

	// One home per concern: what to build next is decided in builds, which does not know
	// how builds are run; dispatch hands it the shipped recipe.
	@ArchTest
	static final ArchRule buildsDoNotKnowHowTheyAreRun = noClasses().that()
		.resideInAPackage("dev.wheelfarm.builds..")
		.should()
		.dependOnClassesThat()
		.resideInAPackage("dev.wheelfarm.dispatch..");

	@ArchTest
	static final ArchRule stagesLiveInOnePackage = classes().that()
		.haveSimpleNameStartingWith("Stage")
		.should()
		.resideInAPackage("dev.wheelfarm.stages");

	// The stage API asks the credential holder through an interface, so uploads can store
	// into stages without stages depending back on uploads.
	@ArchTest
	static final ArchRule stagesDoNotKnowUploads = noClasses().that()
		.resideInAPackage("dev.wheelfarm.stages..")
		.should()
		.dependOnClassesThat()
		.resideInAPackage("dev.wheelfarm.uploads..");

	@ArchTest
	static final ArchRule nothingDependsOnStatus = noClasses().that()
		.resideOutsideOfPackage("dev.wheelfarm.status..")
		.should()
		.dependOnClassesThat()
		.resideInAPackage("dev.wheelfarm.status..");

	@ArchTest
	static final ArchRule statusAnswersNoWrites = noMethods().that()
		.areDeclaredInClassesThat()
		.resideInAPackage("dev.wheelfarm.status..")
		.should()
		.beAnnotatedWith(PostMapping.class)
		.orShould()
		.beAnnotatedWith(PutMapping.class)
		.orShould()
		.beAnnotatedWith(PatchMapping.class)
		.orShould()
		.beAnnotatedWith(DeleteMapping.class);

	@ArchTest
	static final ArchRule statusChangesNothing = noClasses().that()
		.resideInAPackage("dev.wheelfarm.status..")
		.should()
		.dependOnClassesThat()
		.areAssignableTo(ApplicationEventPublisher.class)
		.orShould()
		.dependOnClassesThat()
		.areAssignableTo(TransactionOperations.class);

}

package dev.wheelfarm.dispatch.local;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

import dev.wheelfarm.builds.BuildCandidate;
import dev.wheelfarm.builds.BuildLedger;
import dev.wheelfarm.builds.RecipeFingerprint;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.Sha256;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Puts a build of a generated sdist in a farm's ledger, as the watcher would: the
 * project's row, the sdist served from 127.0.0.1, the candidate enqueued.
 */
final class LedgerBuilds {

	private LedgerBuilds() {
	}

	/** The enqueued build's id. */
	static long enqueue(BuildLedger ledger, JdbcClient jdbc, SdistServer sdists, Path scratch, String name,
			String version, Map<String, String> files) throws Exception {
		byte[] sdist = Sdists.sdist(scratch, name, version, files);
		String filename = name + "-" + version + ".tar.gz";
		URI url = sdists.publish(filename, sdist, 0);
		jdbc.sql("INSERT INTO project (name, display_name) VALUES (?, ?)").param(name).param(name).update();
		return ledger
			.enqueue(new BuildCandidate(ProjectName.of(name), version, filename, url.toString(), Sha256.digest(sdist),
					BuildCandidate.Origin.WATCHER), RecipeFingerprint.of(Map.of("worker", "test")))
			.id();
	}

}

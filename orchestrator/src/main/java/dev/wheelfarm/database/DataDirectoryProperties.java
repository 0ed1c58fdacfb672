package dev.wheelfarm.database;

import java.nio.file.Path;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Where the farm keeps everything that must survive a restart when no external database
 * is configured: the embedded PostgreSQL cluster and, for the other features, stored
 * files.
 *
 * @param dataDir the data directory ({@code wheelfarm.data-dir}); its default is set in
 * application.properties because it depends on the user's home
 */
@ConfigurationProperties("wheelfarm")
public record DataDirectoryProperties(Path dataDir) {

	/** The embedded PostgreSQL's directory under the data directory. */
	static final String EMBEDDED_POSTGRES = "postgres";

	public DataDirectoryProperties {
		if (dataDir == null) {
			throw new IllegalArgumentException("wheelfarm.data-dir must be set");
		}
		dataDir = dataDir.toAbsolutePath().normalize();
	}

	/** The cluster directory of the embedded PostgreSQL. */
	public Path embeddedPostgresDir() {
		return this.dataDir.resolve(EMBEDDED_POSTGRES);
	}

}

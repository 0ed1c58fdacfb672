package dev.wheelfarm.pypi;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import dev.wheelfarm.pypi.standin.PypiStandIn;
import dev.wheelfarm.testsupport.TestDatabase;
import org.flywaydb.core.Flyway;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.util.unit.DataSize;

/**
 * A watcher wired by hand over a fresh, migrated PostgreSQL database and a stand-in PyPI:
 * what the job runs, without booting the application, so that each scenario drives its
 * own cycles.
 */
final class WatchHarness implements AutoCloseable {

	final PypiStandIn pypi = PypiStandIn.start();

	final HikariDataSource dataSource = new HikariDataSource();

	final JdbcClient jdbc;

	final List<Object> events = new ArrayList<>();

	final PypiWatcher watcher;

	final PypiProperties properties;

	private long repositoryId;

	/**
	 * When set, the next published event throws, as a process dying after a commit would.
	 */
	boolean crashOnNextEvent;

	WatchHarness() {
		this(Map.of());
	}

	WatchHarness(Map<String, Object> overrides) {
		TestDatabase.Coordinates database = TestDatabase.freshDatabase();
		Flyway.configure()
			.dataSource(database.jdbcUrl(), database.username(), database.password())
			.locations("classpath:db/migration")
			.load()
			.migrate();
		this.dataSource.setJdbcUrl(database.jdbcUrl());
		this.dataSource.setUsername(database.username());
		this.dataSource.setPassword(database.password());
		this.dataSource.setMaximumPoolSize(4);
		this.jdbc = JdbcClient.create(this.dataSource);
		this.properties = properties(this.pypi.baseUrl(), overrides);
		PypiRepository repository = new PypiRepository(this.jdbc, new DataSourceTransactionManager(this.dataSource));
		this.watcher = new PypiWatcher(simpleApi(this.properties), jsonApi(this.properties), repository, this::publish,
				this.properties, Optional.empty());
		this.repositoryId = this.jdbc.sql("INSERT INTO repository (url) VALUES ('file:///tmp/repo.git') RETURNING id")
			.query(Long.class)
			.single();
	}

	static JsonApiClient jsonApi(PypiProperties properties) {
		return jsonApi(properties, new RecordedPauses());
	}

	/** A client whose retries pause in name only: {@code pauses} records them. */
	static JsonApiClient jsonApi(PypiProperties properties, RecordedPauses pauses) {
		return new JsonApiClient(properties, new PypiHttp(properties, new SimpleMeterRegistry(), pauses));
	}

	static SimpleApiClient simpleApi(PypiProperties properties) {
		return new SimpleApiClient(properties,
				new PypiHttp(properties, new SimpleMeterRegistry(), new RecordedPauses()));
	}

	private void publish(Object event) {
		if (this.crashOnNextEvent) {
			this.crashOnNextEvent = false;
			throw new IllegalStateException("simulated crash after a commit");
		}
		this.events.add(event);
	}

	/** Short timeouts, and retries that record their pauses instead of sleeping them. */
	static PypiProperties properties(URI baseUrl, Map<String, Object> overrides) {
		Map<String, Object> values = new java.util.HashMap<>(
				Map.of("readTimeout", Duration.ofMillis(1500), "maxRetries", 2, "initialBackoff", Duration.ofMillis(10),
						"maxBackoff", Duration.ofSeconds(2), "maxPageSize", DataSize.ofMegabytes(5)));
		values.putAll(overrides);
		return new PypiProperties(baseUrl, "https://wheelfarm.test/contact", false, Duration.ofMinutes(5),
				Duration.ofHours(24), Duration.ofSeconds(2), (Duration) values.get("readTimeout"),
				(DataSize) values.get("maxPageSize"), DataSize.ofMegabytes(64), (Integer) values.get("maxRetries"),
				(Duration) values.get("initialBackoff"), (Duration) values.get("maxBackoff"));
	}

	long optIn(String name) {
		return optIn(name, "{}");
	}

	long optIn(String name, String settings) {
		return this.jdbc.sql("""
				INSERT INTO project (name, display_name, repository_id, optin_state, settings)
				VALUES (:name, :name, :repo, 'OPTED_IN', :settings::jsonb) RETURNING id
				""")
			.param("name", name)
			.param("repo", this.repositoryId)
			.param("settings", settings)
			.query(Long.class)
			.single();
	}

	PypiWatcher.CycleReport cycle() {
		this.events.clear();
		this.pypi.resetCounters();
		return this.watcher.watch(PypiWatcher.Mode.INCREMENTAL);
	}

	PypiWatcher.CycleReport fullCycle() {
		this.events.clear();
		this.pypi.resetCounters();
		return this.watcher.watch(PypiWatcher.Mode.FULL);
	}

	@SuppressWarnings("unchecked")
	<T> List<T> events(Class<T> type) {
		return this.events.stream().filter(type::isInstance).map((e) -> (T) e).toList();
	}

	Long serial(String project) {
		return this.jdbc
			.sql("SELECT c.last_serial FROM pypi_cursor c JOIN project p ON p.id = c.project_id"
					+ " WHERE p.name = :name")
			.param("name", project)
			.query(Long.class)
			.optional()
			.orElse(null);
	}

	String lastError(String project) {
		return this.jdbc
			.sql("SELECT c.last_error FROM pypi_cursor c JOIN project p ON p.id = c.project_id"
					+ " WHERE p.name = :name")
			.param("name", project)
			.query(String.class)
			.optional()
			.orElse(null);
	}

	/**
	 * Every stored file of a project as "version filename yanked deleted", for compact
	 * assertions.
	 */
	List<String> files(String project) {
		return this.jdbc.sql("""
				SELECT r.version || ' ' || f.filename || (CASE WHEN f.yanked THEN ' yanked' ELSE '' END)
				       || (CASE WHEN f.deleted_at IS NOT NULL THEN ' deleted' ELSE '' END)
				FROM pypi_file f JOIN release r ON r.id = f.release_id JOIN project p ON p.id = r.project_id
				WHERE p.name = :name ORDER BY r.version, f.filename
				""").param("name", project).query(String.class).list();
	}

	/** Every stored release of a project as "version [yanked reason] [deleted]". */
	List<String> releases(String project) {
		return this.jdbc.sql("""
				SELECT r.version || (CASE WHEN r.yanked THEN ' yanked:' || coalesce(r.yanked_reason, '') ELSE '' END)
				       || (CASE WHEN r.deleted_at IS NOT NULL THEN ' deleted' ELSE '' END)
				FROM release r JOIN project p ON p.id = r.project_id
				WHERE p.name = :name ORDER BY r.version
				""").param("name", project).query(String.class).list();
	}

	List<String> changeLog(String project) {
		return this.jdbc.sql("""
				SELECT c.kind || ' ' || c.version || coalesce(' ' || c.filename, '')
				FROM pypi_change c JOIN project p ON p.id = c.project_id WHERE p.name = :name ORDER BY c.id
				""").param("name", project).query(String.class).list();
	}

	@Override
	public void close() {
		this.pypi.close();
		this.dataSource.close();
	}

}

package dev.wheelfarm.optin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.wheelfarm.pypi.JsonApiClient;
import dev.wheelfarm.pypi.PypiReadException;
import dev.wheelfarm.shared.ProjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.core.task.TaskExecutor;
import org.springframework.core.task.TaskRejectedException;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Service;

/**
 * Registration and sync of maintainers' repositories. {@link #sync(long)} reads like its
 * steps: where does the default branch point, which config is there, who owns each
 * project it names, and what that means for each project's row.
 */
@Service
public class OptInService {

	private static final Logger logger = LoggerFactory.getLogger(OptInService.class);

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final OptInRepository repository;

	private final RepositoryReader reader;

	private final ConfigParser parser = new ConfigParser();

	private final JsonApiClient pypi;

	private final OptInProperties properties;

	private final ApplicationEventPublisher events;

	private final AddressGuard addresses;

	private final TaskExecutor registrations;

	OptInService(OptInRepository repository, RepositoryReader reader, JsonApiClient pypi, OptInProperties properties,
			ApplicationEventPublisher events, AddressGuard addresses,
			@Qualifier(RegistrationQueue.EXECUTOR) TaskExecutor registrations) {
		this.repository = repository;
		this.reader = reader;
		this.pypi = pypi;
		this.properties = properties;
		this.events = events;
		this.addresses = addresses;
		this.registrations = registrations;
	}

	/**
	 * Registers a repository (or finds it registered) and queues its first read.
	 * @param rawUrl the URL as the maintainer sent it
	 * @return the stored URL
	 * @throws IllegalArgumentException when the URL is not acceptable, with the reason
	 */
	public String register(String rawUrl) {
		String url = RepositoryUrls.validate(rawUrl, this.properties.allowFileUrls());
		try {
			// Before anything is stored or queued: a refused host is never contacted.
			this.addresses.checkRepository(url);
		}
		catch (AddressRefusedException ex) {
			throw new IllegalArgumentException(ex.getMessage(), ex);
		}
		long id = this.repository.register(url);
		try {
			this.registrations.execute(() -> syncQuietly(id));
		}
		catch (TaskRejectedException ex) {
			// The queue is full: the re-sync job reads this repository later anyway.
			logger.warn("Registration queue full; {} waits for the next re-sync", url);
		}
		return url;
	}

	/** Re-reads every registered repository; one failure never stops the others. */
	public int resyncAll() {
		int read = 0;
		for (long id : this.repository.repositoryIds()) {
			syncQuietly(id);
			read++;
		}
		return read;
	}

	private void syncQuietly(long id) {
		try {
			sync(id);
		}
		catch (DataAccessException ex) {
			logger.warn("Could not store the sync of repository {}: {}", id, ex.getMessage());
		}
	}

	/** Reads one repository and applies what its config says. */
	void sync(long id) {
		OptInRepository.RepositoryRow row = this.repository.repository(id).orElse(null);
		if (row == null) {
			return;
		}
		RepositoryReader.Snapshot snapshot;
		try {
			snapshot = this.reader.read(row.url(), this.reader.head(row.url()));
		}
		catch (RepositoryReadException ex) {
			// Projects keep their state: a repository that is down for a while should not
			// stop the builds of a project that opted in.
			this.repository.recordFailure(id, ex.getMessage());
			return;
		}
		Optional<ParsedConfig> parsed = config(snapshot);
		if (parsed.isEmpty()) {
			stopAll(row, snapshot, "no wheelfarm.toml and no [tool.wheelfarm] in pyproject.toml on the default"
					+ " branch at " + shortCommit(snapshot.commit()));
			return;
		}
		ParsedConfig config = parsed.get();
		if (!config.valid()) {
			// A broken config is shown and the last good one stays in effect: a typo
			// should
			// not stop builds, and guessing could start ones nobody asked for.
			this.repository.recordRead(id, snapshot.commit(), config.path(), row.config(), problemsJson(config),
					config.errorText(), List.of());
			return;
		}
		List<OptInRepository.Decision> decisions = decide(row, snapshot.commit(), config);
		this.repository.recordRead(id, snapshot.commit(), config.path(), config.config().toJson(), problemsJson(config),
				null, decisions);
		// After the commit: a listener never acts on settings that were rolled back.
		decisions.stream()
			.filter((decision) -> decision.outcome() == OptInRepository.Outcome.OPTED_IN)
			.forEach((decision) -> this.events.publishEvent(new ProjectOptedIn(decision.name())));
	}

	private Optional<ParsedConfig> config(RepositoryReader.Snapshot snapshot) {
		for (Optional<RepositoryReader.ConfigFile> candidate : List.of(snapshot.wheelfarmToml(),
				snapshot.pyprojectToml())) {
			if (candidate.isEmpty()) {
				continue;
			}
			RepositoryReader.ConfigFile file = candidate.get();
			if (file.tooLarge() != null) {
				return Optional.of(new ParsedConfig(file.path(), null,
						List.of(ConfigProblem.error("", ConfigProblem.Location.UNKNOWN, file.tooLarge()))));
			}
			ParsedConfig parsed = this.parser.parse(file.path(), file.bytes());
			if (parsed != null) {
				return Optional.of(parsed);
			}
		}
		return Optional.empty();
	}

	private List<OptInRepository.Decision> decide(OptInRepository.RepositoryRow row, String commit,
			ParsedConfig parsed) {
		WheelfarmConfig config = parsed.config();
		List<OptInRepository.Decision> decisions = new ArrayList<>();
		List<String> named = new ArrayList<>();
		for (String displayName : config.projects()) {
			ProjectName name = ProjectName.of(displayName);
			named.add(name.value());
			decisions.add(decideOne(row.url(), commit, parsed, name, displayName));
		}
		for (OptInRepository.ClaimRow claim : this.repository.claimsOf(row.id())) {
			if (!named.contains(claim.projectName())) {
				decisions.add(new OptInRepository.Decision(claim.projectName(), claim.displayName(),
						OptInRepository.Outcome.DISABLED,
						"no longer named in " + parsed.path() + " at " + shortCommit(commit), null, true));
			}
		}
		return decisions;
	}

	private OptInRepository.Decision decideOne(String url, String commit, ParsedConfig parsed, ProjectName name,
			String displayName) {
		WheelfarmConfig config = parsed.config();
		Optional<List<String>> links;
		try {
			links = this.pypi.projectLinks(name.value());
		}
		catch (PypiReadException ex) {
			return new OptInRepository.Decision(
					name.value(), displayName, OptInRepository.Outcome.PENDING, "could not ask PyPI about "
							+ name.value() + " (" + ex.getMessage() + "); checked again at the next re-sync",
					null, false);
		}
		if (links.isEmpty()) {
			return rejected(name, displayName, name.value() + " is not a project on PyPI");
		}
		if (links.get().stream().noneMatch((link) -> RepositoryUrls.sameRepository(link, url))) {
			return rejected(name, displayName, "PyPI's metadata of " + name.value() + " does not point to " + url
					+ ": add it to the project's URLs ([project.urls] in pyproject.toml) in its next release");
		}
		if (!config.enabled()) {
			return new OptInRepository.Decision(name.value(), displayName, OptInRepository.Outcome.DISABLED,
					"enabled = false in " + parsed.path() + " at " + shortCommit(commit), null, false);
		}
		return new OptInRepository.Decision(name.value(), displayName, OptInRepository.Outcome.OPTED_IN, null,
				config.settingsJson(), false);
	}

	private static OptInRepository.Decision rejected(ProjectName name, String displayName, String reason) {
		return new OptInRepository.Decision(name.value(), displayName, OptInRepository.Outcome.REJECTED, reason, null,
				false);
	}

	private void stopAll(OptInRepository.RepositoryRow row, RepositoryReader.Snapshot snapshot, String reason) {
		List<OptInRepository.Decision> decisions = new ArrayList<>();
		for (OptInRepository.ClaimRow claim : this.repository.claimsOf(row.id())) {
			decisions.add(new OptInRepository.Decision(claim.projectName(), claim.displayName(),
					OptInRepository.Outcome.DISABLED, "the config file was removed: " + reason, null, true));
		}
		this.repository.recordRead(row.id(), snapshot.commit(), null, null, "[]", reason, decisions);
	}

	private static String problemsJson(ParsedConfig parsed) {
		List<Map<String, Object>> problems = new ArrayList<>();
		for (ConfigProblem problem : parsed.problems()) {
			Map<String, Object> entry = new LinkedHashMap<>();
			entry.put("severity", problem.severity().name());
			entry.put("key", problem.key());
			entry.put("line", problem.line());
			entry.put("column", problem.column());
			entry.put("message", problem.message());
			problems.add(entry);
		}
		return JSON.writeValueAsString(problems);
	}

	private static String shortCommit(String commit) {
		return commit.substring(0, Math.min(12, commit.length()));
	}

	Optional<OptInRepository.RepositoryRow> registration(String rawUrl) {
		String url = RepositoryUrls.validate(rawUrl, this.properties.allowFileUrls());
		return this.repository.repositoryByUrl(url);
	}

	List<OptInRepository.ClaimRow> claimsOf(long repository) {
		return this.repository.claimsOf(repository);
	}

	List<OptInRepository.ClaimRow> claimsFor(String project) {
		return this.repository.claimsFor(project);
	}

	Optional<OptInRepository.ProjectRow> project(String name) {
		return this.repository.project(name);
	}

	Optional<OptInRepository.RepositoryRow> repository(long id) {
		return this.repository.repository(id);
	}

}

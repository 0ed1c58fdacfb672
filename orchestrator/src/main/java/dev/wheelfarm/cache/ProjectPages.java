package dev.wheelfarm.cache;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.wheelfarm.pypi.PypiProperties;
import dev.wheelfarm.shared.ProjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Component;

/**
 * Upstream's project pages, held for {@code page-ttl} and then revalidated with their
 * ETag (a 304 costs upstream no body). When upstream cannot be asked, a held page is
 * still served for {@code stale-if-error} past its time-to-live: a build that can install
 * yesterday's setuptools is better off than one that fails, and a page can only miss
 * releases, never list files that are not upstream's. A project upstream does not have is
 * forgotten and answered 404.
 */
@Component
class ProjectPages {

	private static final Logger logger = LoggerFactory.getLogger(ProjectPages.class);

	private final CacheRepository repository;

	private final UpstreamClient upstream;

	private final CacheMetrics metrics;

	private final CacheProperties properties;

	private final Clock clock;

	private final URI root;

	private final SingleFlight<String, Optional<UpstreamPage>> refreshes = new SingleFlight<>();

	ProjectPages(CacheRepository repository, UpstreamClient upstream, CacheMetrics metrics, CacheProperties properties,
			PypiProperties pypi, Clock clock) {
		this.repository = repository;
		this.upstream = upstream;
		this.metrics = metrics;
		this.properties = properties;
		this.clock = clock;
		this.root = properties.upstreamRoot(pypi.baseUrl());
	}

	/**
	 * The project's page, from the cache while it is fresh, else from upstream.
	 * @return empty when upstream does not have the project
	 * @throws UpstreamException when upstream cannot answer and no page may be served
	 */
	Optional<UpstreamPage> page(ProjectName project) {
		Optional<CacheRepository.StoredPage> stored = this.repository.page(project.value());
		if (stored.isPresent() && fresh(stored.get(), this.clock.instant())) {
			this.metrics.hit(CacheMetrics.PAGE);
			return Optional.of(parse(stored.get()));
		}
		return this.refreshes.run(project.value(), () -> refresh(project), () -> this.metrics.hit(CacheMetrics.PAGE));
	}

	/** The projects the cache holds a page of (its root listing). */
	List<String> projects() {
		return this.repository.projects();
	}

	private Optional<UpstreamPage> refresh(ProjectName project) {
		// Read again: another request may have refreshed the page while this one waited.
		Optional<CacheRepository.StoredPage> stored = this.repository.page(project.value());
		Instant now = this.clock.instant();
		if (stored.isPresent() && fresh(stored.get(), now)) {
			this.metrics.hit(CacheMetrics.PAGE);
			return Optional.of(parse(stored.get()));
		}
		this.metrics.miss(CacheMetrics.PAGE);
		URI url = pageUrl(project);
		UpstreamClient.PageAnswer answer;
		try {
			answer = this.upstream.page(url, stored.map(CacheRepository.StoredPage::etag).orElse(null));
		}
		catch (UpstreamException ex) {
			if (ex.unavailable() && stored.isPresent() && servableStale(stored.get(), now)) {
				this.metrics.stale();
				logger.warn("PyPI cache: serving the page of {} checked at {}: upstream could not revalidate it: {}",
						project, stored.get().checkedAt(), ex.getMessage());
				return Optional.of(parse(stored.get()));
			}
			throw ex;
		}
		if (answer.status() == 404) {
			this.repository.forgetPage(project.value());
			return Optional.empty();
		}
		if (answer.status() == 304 && stored.isPresent()) {
			this.repository.confirmPage(project.value(), now);
			return Optional.of(parse(stored.get()));
		}
		if (answer.status() == 304) {
			throw new UpstreamException(url + " answered 304 to a request that was not conditional");
		}
		// Parsed before it is kept: a page the cache cannot serve replaces nothing.
		UpstreamPage page = UpstreamPage.parse(project.value(), answer.body(), url);
		this.repository.savePage(project.value(), answer.etag(), answer.body(), now);
		return Optional.of(page);
	}

	private URI pageUrl(ProjectName project) {
		return this.root.resolve(project.value() + "/");
	}

	private UpstreamPage parse(CacheRepository.StoredPage stored) {
		return UpstreamPage.parse(stored.project(), stored.body(), pageUrl(ProjectName.of(stored.project())));
	}

	private boolean fresh(CacheRepository.StoredPage page, Instant now) {
		return now.isBefore(page.checkedAt().toInstant().plus(this.properties.pageTtl()));
	}

	private boolean servableStale(CacheRepository.StoredPage page, Instant now) {
		return now.isBefore(
				page.checkedAt().toInstant().plus(this.properties.pageTtl()).plus(this.properties.staleIfError()));
	}

}

package dev.wheelfarm.index;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import javax.sql.DataSource;

import dev.wheelfarm.artifacts.FilesRemoved;
import dev.wheelfarm.artifacts.WheelsPublished;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.EventListener;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Tells every replica's {@link PageCache} what changed on any one of them, through
 * PostgreSQL's {@code LISTEN}/{@code NOTIFY} on the database they share. A replica that
 * lists new wheels or removes files evicts its own pages (the application events) and
 * sends {@code NOTIFY wheelfarm_page_cache, '<sender> <project>'}; every other replica
 * hears it on a connection of its own and evicts the same pages within milliseconds.
 * <p>
 * Why not only the page cache's short time-to-live: a removed file's bytes may be deleted
 * from the shared bucket moments after its removal, and a replica that kept listing it
 * for up to one TTL would send pip to a file that is gone. Why not something else: the
 * database is already shared and already required, and a notification sent inside a
 * transaction is delivered only if it commits. The TTL stays as the backstop: a replica
 * whose listening connection broke evicts everything when it reconnects (it may have
 * missed notifications meanwhile), and PyPI's changes, which raise no event, still show
 * within one TTL.
 */
@Component
class PageCacheRelay implements SmartLifecycle {

	private static final Logger logger = LoggerFactory.getLogger(PageCacheRelay.class);

	static final String CHANNEL = "wheelfarm_page_cache";

	/** How long one wait for notifications blocks before the loop checks for a stop. */
	private static final int WAIT_MILLIS = 1000;

	/** The pause before listening again after the connection broke. */
	private static final Duration RECONNECT_DELAY = Duration.ofSeconds(2);

	private final DataSource dataSource;

	private final JdbcClient jdbc;

	private final Consumer<String> evict;

	private final Runnable evictAll;

	/** Tells this replica's own notifications, which it already acted on, apart. */
	private final String sender = UUID.randomUUID().toString();

	private volatile boolean running;

	private volatile Thread listener;

	/**
	 * Opened by {@link #stop()}, so a pause before reconnecting ends at once on shutdown.
	 */
	private volatile CountDownLatch stopped = new CountDownLatch(1);

	@Autowired
	PageCacheRelay(DataSource dataSource, PageCache cache) {
		this(dataSource, cache::evict, cache::clear);
	}

	/**
	 * @param evict drops a project's pages (by normalized name) and the root
	 * @param evictAll drops every page
	 */
	PageCacheRelay(DataSource dataSource, Consumer<String> evict, Runnable evictAll) {
		this.dataSource = dataSource;
		this.jdbc = JdbcClient.create(dataSource);
		this.evict = evict;
		this.evictAll = evictAll;
	}

	@EventListener
	void on(WheelsPublished event) {
		send(event.project().value());
	}

	@EventListener
	void on(FilesRemoved event) {
		send(event.project().value());
	}

	private void send(String project) {
		try {
			// pg_notify takes the payload as a bound parameter: no quoting of names.
			this.jdbc.sql("SELECT pg_notify(?, ?)").params(CHANNEL, this.sender + " " + project).query().listOfRows();
		}
		catch (DataAccessException ex) {
			// The change itself is committed; the other replicas see it within one TTL.
			logger.warn("Could not tell the other replicas that {} changed: {}", project, ex.getMessage());
		}
	}

	@Override
	public void start() {
		this.running = true;
		this.stopped = new CountDownLatch(1);
		Thread thread = new Thread(this::listen, "page-cache-relay");
		thread.setDaemon(true);
		this.listener = thread;
		thread.start();
	}

	@Override
	public void stop() {
		this.running = false;
		this.stopped.countDown();
		Thread thread = this.listener;
		if (thread != null) {
			thread.interrupt();
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	private void listen() {
		boolean first = true;
		while (this.running) {
			try (Connection connection = this.dataSource.getConnection()) {
				try (Statement statement = connection.createStatement()) {
					statement.execute("LISTEN " + CHANNEL);
				}
				if (!first) {
					// Changes made while no one listened were not heard: forget it all.
					this.evictAll.run();
					logger.info("Listening for other replicas' index changes again");
				}
				first = false;
				PGConnection notifications = connection.unwrap(PGConnection.class);
				while (this.running) {
					PGNotification[] received = notifications.getNotifications(WAIT_MILLIS);
					if (received != null) {
						for (PGNotification notification : received) {
							receive(notification.getParameter());
						}
					}
				}
			}
			catch (SQLException ex) {
				if (!this.running) {
					return;
				}
				logger.warn("Lost the connection that hears other replicas' index changes ({}); pages are kept "
						+ "for at most their time-to-live until it is back", ex.getMessage());
				pause();
			}
		}
	}

	private void receive(String payload) {
		int space = payload.indexOf(' ');
		if (space <= 0 || payload.startsWith(this.sender + " ")) {
			return;
		}
		this.evict.accept(payload.substring(space + 1));
	}

	/** Waits before listening again, or less if the relay is stopped meanwhile. */
	private void pause() {
		try {
			this.stopped.await(RECONNECT_DELAY.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.running = false;
		}
	}

}

package dev.wheelfarm.dispatch.github;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The webhook deliveries already handled. GitHub redelivers (and an operator may press
 * "redeliver"): the delivery id makes the second one a no-op, across restarts and
 * replicas.
 */
@Repository
class GitHubDeliveries {

	private static final String RECORD = """
			INSERT INTO github_delivery (delivery_id, event, run_id) VALUES (:deliveryId, :event, :runId)
			ON CONFLICT (delivery_id) DO NOTHING
			""";

	private final JdbcClient jdbc;

	GitHubDeliveries(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/**
	 * @return whether this delivery is new (and now recorded)
	 */
	boolean recordFirst(String deliveryId, String event, Long runId) {
		return this.jdbc.sql(RECORD)
			.param("deliveryId", deliveryId)
			.param("event", event)
			.param("runId", runId)
			.update() == 1;
	}

}

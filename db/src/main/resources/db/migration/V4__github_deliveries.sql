-- GitHub webhook deliveries already handled: a redelivered X-GitHub-Delivery is ignored.
CREATE TABLE github_delivery (
    delivery_id  text PRIMARY KEY CHECK (length(delivery_id) BETWEEN 1 AND 100),
    event        text NOT NULL,
    run_id       bigint,
    received_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE github_delivery IS 'GitHub webhook deliveries already handled, by X-GitHub-Delivery id, so a redelivery changes nothing.';
CREATE INDEX github_delivery_received_at ON github_delivery (received_at);

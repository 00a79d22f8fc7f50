-- Abuse defences and private data. Portable SQL, as before.

-- Fixed-window counters for rate limits shared by every instance (PostgreSQL; a lone SQLite
-- instance counts in memory). The key is a hash of the rule and its subject (an address or an
-- email), never the subject itself.
CREATE TABLE rate_limit_hits (
    key TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits BIGINT NOT NULL,
    PRIMARY KEY (key, window_start)
);

-- Secrets the server makes for itself on first start (the form-token signing key), so every
-- instance signs and checks with the same one.
CREATE TABLE server_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- The receipt worker looks for unsent messages that are due: only those rows are indexed.
DROP INDEX IF EXISTS outbox_due;
CREATE INDEX outbox_unsent_due ON outbox (next_attempt_at) WHERE sent_at IS NULL;

-- The retention job finds old unpaid pledges by status and age.
CREATE INDEX donations_status_created ON donations (status, created_at);

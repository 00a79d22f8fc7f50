-- Every payment accounted for. Portable SQL, as before.

-- Disputes take a payment's money off the total while open, and for good when lost.
ALTER TABLE payments ADD COLUMN disputed_minor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE payments ADD COLUMN dispute_id TEXT;
ALTER TABLE payments ADD COLUMN dispute_status TEXT;

-- A receipt that could not be delivered after the configured number of tries is parked for
-- staff instead of being retried for ever.
ALTER TABLE outbox ADD COLUMN failed_at BIGINT;

-- Payments that did not match their donation (amount, currency), or that name no donation of
-- ours at all: one row per event, with the amounts, for staff. No payment is recorded for them.
CREATE TABLE payment_exceptions (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    donation_id TEXT REFERENCES donations (id),
    kind TEXT NOT NULL,
    expected_minor BIGINT,
    expected_currency TEXT,
    received_minor BIGINT,
    received_currency TEXT,
    source_id TEXT,
    created_at BIGINT NOT NULL,
    resolved_at BIGINT,
    note TEXT
);
CREATE INDEX payment_exceptions_open ON payment_exceptions (resolved_at);

-- Provider events about a payment not recorded yet (a refund before its payment arrives): kept
-- and applied once it does, never dropped.
CREATE TABLE unmatched_events (
    event_id TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    event_type TEXT NOT NULL,
    change TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    applied_at BIGINT
);
CREATE INDEX unmatched_events_waiting ON unmatched_events (applied_at);

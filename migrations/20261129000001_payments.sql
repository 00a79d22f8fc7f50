-- Card payments, verified provider events and the receipt outbox. Portable SQL, as before.

-- The hosted checkout a donation was sent to, so a retried submit reuses it.
ALTER TABLE donations ADD COLUMN checkout_session_id TEXT;
ALTER TABLE donations ADD COLUMN checkout_url TEXT;
-- A monthly gift's subscription at the provider, and when it ended.
ALTER TABLE donations ADD COLUMN subscription_id TEXT;
ALTER TABLE donations ADD COLUMN ended_at BIGINT;
-- Why staff must look at this donation (e.g. a payment that did not match it); NULL if fine.
ALTER TABLE donations ADD COLUMN flag TEXT;

CREATE INDEX donations_subscription_id ON donations (subscription_id);

-- Money received for a donation: one row per charge (a one-off gift, each month of a monthly
-- gift, an offline transfer staff confirmed). Campaign totals are sums of these.
CREATE TABLE payments (
    id TEXT PRIMARY KEY,
    donation_id TEXT NOT NULL REFERENCES donations (id),
    -- The charge's id at its source: a payment intent or invoice, or 'offline:' || reference.
    -- UNIQUE, so two events about the same charge record it once.
    source_id TEXT NOT NULL UNIQUE,
    -- The provider's payment intent, which refunds name.
    payment_intent_id TEXT,
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    currency TEXT NOT NULL,
    refunded_minor BIGINT NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0),
    paid_at BIGINT NOT NULL
);

CREATE INDEX payments_donation_id ON payments (donation_id);
CREATE INDEX payments_payment_intent_id ON payments (payment_intent_id);

-- Offline gifts confirmed before this migration become payments, so totals stay the same.
INSERT INTO payments (id, donation_id, source_id, amount_minor, currency, paid_at)
SELECT id, id, 'offline:' || reference, amount_minor, currency, COALESCE(paid_at, created_at)
FROM donations WHERE status = 'paid';

-- Every provider event handled, stored in the same transaction as what it changed: a
-- redelivered event finds its id here and changes nothing.
CREATE TABLE provider_events (
    event_id TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    event_type TEXT NOT NULL,
    received_at BIGINT NOT NULL
);

-- Messages to send, written in the same transaction as the payment they are about, so a crash
-- between paying and sending loses nothing. A worker claims a row for a while (claimed_until),
-- sends it and marks it sent; a failure sets the next attempt with backoff.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('receipt')),
    payment_id TEXT NOT NULL UNIQUE REFERENCES payments (id),
    donation_id TEXT NOT NULL REFERENCES donations (id),
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claim TEXT,
    claimed_until BIGINT,
    -- Without SMTP the receipt is written to the log once and stays unsent, so it goes out
    -- when SMTP is configured.
    logged_at BIGINT,
    sent_at BIGINT,
    last_error TEXT
);

CREATE INDEX outbox_due ON outbox (sent_at, next_attempt_at);

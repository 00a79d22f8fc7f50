-- Donors manage their own gifts; numbered tax receipts; yearly summaries. Portable SQL.

-- Tax receipts: one per payment, numbered without gaps per series (a Hong Kong tax year,
-- "2026-27"), allocated in the payment's own transaction. Never edited: a refund voids the
-- receipt and issues a new one, with a new number, for what remains.
CREATE TABLE receipt_counters (
    series TEXT PRIMARY KEY,
    last_number BIGINT NOT NULL
);

CREATE TABLE tax_receipts (
    id TEXT PRIMARY KEY,
    series TEXT NOT NULL,
    number BIGINT NOT NULL,
    payment_id TEXT NOT NULL REFERENCES payments (id),
    donation_id TEXT NOT NULL REFERENCES donations (id),
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    currency TEXT NOT NULL,
    -- When the gift was made (the payment) and when this receipt was issued, Unix ms.
    paid_at BIGINT NOT NULL,
    issued_at BIGINT NOT NULL,
    -- The name the receipt is made out to, as it was when issued (the law keeps it).
    issued_to TEXT,
    voided_at BIGINT,
    void_reason TEXT,
    -- The receipt this one replaced (after a refund).
    replaces_id TEXT,
    UNIQUE (series, number)
);
CREATE INDEX tax_receipts_payment ON tax_receipts (payment_id);
CREATE INDEX tax_receipts_donation ON tax_receipts (donation_id);

-- The outbox carries more than receipts now: confirmations of donors' changes to monthly gifts
-- and yearly summaries. Rebuilt (SQLite cannot drop NOT NULL): a receipt row names its tax
-- receipt; other kinds carry what they say in `payload`; `dedupe_key` makes a scheduled job's
-- second run queue nothing new.
CREATE TABLE outbox_next (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('receipt', 'gift_change', 'yearly_summary')),
    payment_id TEXT REFERENCES payments (id),
    tax_receipt_id TEXT UNIQUE REFERENCES tax_receipts (id),
    donation_id TEXT REFERENCES donations (id),
    email_key TEXT,
    payload TEXT,
    dedupe_key TEXT UNIQUE,
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claim TEXT,
    claimed_until BIGINT,
    logged_at BIGINT,
    sent_at BIGINT,
    last_error TEXT,
    failed_at BIGINT
);
INSERT INTO outbox_next (id, kind, payment_id, donation_id, created_at, attempts,
    next_attempt_at, claim, claimed_until, logged_at, sent_at, last_error, failed_at)
    SELECT id, kind, payment_id, donation_id, created_at, attempts, next_attempt_at, claim,
        claimed_until, logged_at, sent_at, last_error, failed_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_next RENAME TO outbox;
CREATE INDEX outbox_unsent_due ON outbox (next_attempt_at) WHERE sent_at IS NULL;
CREATE INDEX outbox_donation ON outbox (donation_id);
CREATE INDEX outbox_payment ON outbox (payment_id);

-- Signing in to "My gifts" without a password: a 6-digit code and a link, both stored as keyed
-- hashes, single use, valid 15 minutes.
CREATE TABLE donor_sign_ins (
    id TEXT PRIMARY KEY,
    email_key TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    link_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX donor_sign_ins_email ON donor_sign_ins (email_key, expires_at);

-- Donors' sessions, like staff's (see staff_sessions), kept apart.
CREATE TABLE donor_sessions (
    id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX donor_sessions_expires ON donor_sessions (expires_at);

-- Changes a donor asked for on a monthly card gift. The id is the form's own (a double submit
-- is one request, one idempotency key at the provider); it takes effect when the provider's
-- webhook confirms it.
CREATE TABLE gift_changes (
    id TEXT PRIMARY KEY,
    donation_id TEXT NOT NULL REFERENCES donations (id),
    kind TEXT NOT NULL,
    detail TEXT,
    requested_at BIGINT NOT NULL,
    error TEXT,
    confirmed_at BIGINT
);
CREATE INDEX gift_changes_donation ON gift_changes (donation_id, requested_at);

-- What a monthly card gift is now, as the provider last confirmed it.
ALTER TABLE donations ADD COLUMN paused_until BIGINT;
ALTER TABLE donations ADD COLUMN next_charge_at BIGINT;
ALTER TABLE donations ADD COLUMN ended_reason TEXT;

-- When a donor gave or withdrew consent to news by email, and how.
CREATE TABLE consent_events (
    id TEXT PRIMARY KEY,
    email_key TEXT NOT NULL,
    consent TEXT NOT NULL CHECK (consent IN ('given', 'withdrawn')),
    at BIGINT NOT NULL,
    source TEXT NOT NULL
);
CREATE INDEX consent_events_email ON consent_events (email_key, at);

-- What a donor tells the charity from "My gifts" (a standing order stopped or changed), for
-- staff's queue.
CREATE TABLE donor_messages (
    id TEXT PRIMARY KEY,
    donation_id TEXT REFERENCES donations (id),
    email_key TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

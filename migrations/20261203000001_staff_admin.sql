-- Staff admin: accounts, sessions, the audit log, bank statements, refunds and the exceptions
-- queue's resolutions. Portable SQL (SQLite and PostgreSQL), as before.

-- Accounts are made from the command line (`sharecare admin add-user`); there is no default.
CREATE TABLE staff_users (
    id TEXT PRIMARY KEY,
    -- Lower-cased.
    email TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'finance', 'admin')),
    -- Argon2id, PHC string.
    password_hash TEXT NOT NULL,
    -- TOTP (RFC 6238): the secret while enrolling and after; enabled once a code was checked.
    totp_secret TEXT,
    totp_enabled_at BIGINT,
    -- The last time step a code was accepted for: a code is good once.
    totp_last_step BIGINT,
    disabled_at BIGINT,
    created_at BIGINT NOT NULL,
    password_changed_at BIGINT NOT NULL
);

-- Whether a role must use a second factor (an admin decides).
CREATE TABLE staff_role_policies (
    role TEXT PRIMARY KEY CHECK (role IN ('viewer', 'finance', 'admin')),
    totp_required TEXT NOT NULL CHECK (totp_required IN ('yes', 'no'))
);

-- Sessions (tower-sessions records): the data as JSON, expiry in seconds since 1970.
CREATE TABLE staff_sessions (
    id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX staff_sessions_expires ON staff_sessions (expires_at);

-- Every staff action, append-only: the code has no UPDATE or DELETE for it.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_id TEXT,
    actor_email TEXT NOT NULL,
    action TEXT NOT NULL,
    donation_id TEXT,
    subject TEXT,
    before_value TEXT,
    after_value TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_donation ON audit_log (donation_id);

-- A bank's statement layout, by its header row: which columns hold what, mapped once.
CREATE TABLE statement_mappings (
    signature TEXT PRIMARY KEY,
    date_column BIGINT NOT NULL,
    amount_column BIGINT NOT NULL,
    text_column BIGINT NOT NULL,
    date_format TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE statement_imports (
    id TEXT PRIMARY KEY,
    file_name TEXT NOT NULL,
    signature TEXT NOT NULL,
    -- The file as uploaded, read again once its columns are mapped.
    raw TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL,
    -- Lines read, and of those, lines an earlier import already had.
    lines_read BIGINT NOT NULL DEFAULT 0,
    lines_known BIGINT NOT NULL DEFAULT 0,
    read_at BIGINT
);

-- One line of a statement, once however often it is imported (the fingerprint: date, amount,
-- text and its place among identical lines). Applied at most once: `payment_id`.
CREATE TABLE statement_lines (
    id TEXT PRIMARY KEY,
    import_id TEXT NOT NULL REFERENCES statement_imports (id),
    position BIGINT NOT NULL,
    fingerprint TEXT NOT NULL UNIQUE,
    booked_on TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    description TEXT NOT NULL,
    payment_id TEXT REFERENCES payments (id),
    donation_id TEXT REFERENCES donations (id),
    ignored_at BIGINT,
    handled_by TEXT
);
CREATE INDEX statement_lines_import ON statement_lines (import_id, position);

-- Refunds staff asked the payment provider for. The id is the refund form's own, so a double
-- submit is one request (and one idempotency key at the provider).
CREATE TABLE refund_requests (
    id TEXT PRIMARY KEY,
    donation_id TEXT NOT NULL REFERENCES donations (id),
    payment_id TEXT NOT NULL REFERENCES payments (id),
    amount_minor BIGINT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    provider_refund_id TEXT,
    error TEXT
);

-- Items of the exceptions queue a person dealt with (disputes, parked receipts, waiting
-- events), with their note. Payment exceptions keep theirs in their own row.
CREATE TABLE staff_resolutions (
    kind TEXT NOT NULL,
    item_id TEXT NOT NULL,
    note TEXT NOT NULL,
    resolved_by TEXT NOT NULL,
    resolved_at BIGINT NOT NULL,
    PRIMARY KEY (kind, item_id)
);

-- A provider event's donation, for the donation's history.
ALTER TABLE provider_events ADD COLUMN donation_id TEXT;
CREATE INDEX provider_events_donation ON provider_events (donation_id);

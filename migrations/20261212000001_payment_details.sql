-- A transfer pledge's payment details by email, once per pledge (dedupe_key
-- 'payment_details:' || id): the donor who closes the thank-you page can still pay (issue 24).
-- Rebuilt to widen the kinds, as before; every column is kept, holder_receipt_id included.
CREATE TABLE outbox_next (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL
        CHECK (kind IN ('receipt', 'gift_change', 'yearly_summary', 'tribute_notice',
            'payment_details')),
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
    failed_at BIGINT,
    holder_receipt_id TEXT REFERENCES tax_receipts (id)
);
INSERT INTO outbox_next (id, kind, payment_id, tax_receipt_id, donation_id, email_key, payload,
    dedupe_key, created_at, attempts, next_attempt_at, claim, claimed_until, logged_at, sent_at,
    last_error, failed_at, holder_receipt_id)
    SELECT id, kind, payment_id, tax_receipt_id, donation_id, email_key, payload, dedupe_key,
        created_at, attempts, next_attempt_at, claim, claimed_until, logged_at, sent_at,
        last_error, failed_at, holder_receipt_id FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_next RENAME TO outbox;
CREATE INDEX outbox_unsent_due ON outbox (next_attempt_at) WHERE sent_at IS NULL;
CREATE INDEX outbox_donation ON outbox (donation_id);
CREATE INDEX outbox_payment ON outbox (payment_id);

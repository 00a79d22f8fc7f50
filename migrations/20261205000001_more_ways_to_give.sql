-- More ways to give: the fee a donor covers, gifts in honour or memory (and whom to tell),
-- receipts issued to a company, and where each gift came from. Portable SQL, as before.

-- The processing fee the donor added on top of amount_minor (card gifts only): the charge is
-- amount_minor + fee_minor; the campaign counts what was received.
ALTER TABLE donations ADD COLUMN fee_minor BIGINT NOT NULL DEFAULT 0 CHECK (fee_minor >= 0);

-- In honour ('honour') or in memory ('memory') of someone, with an optional message.
ALTER TABLE donations ADD COLUMN tribute_kind TEXT CHECK (tribute_kind IN ('honour', 'memory'));
ALTER TABLE donations ADD COLUMN honoree_name TEXT;
ALTER TABLE donations ADD COLUMN tribute_message TEXT;
-- Someone to tell of the tribute by email once the gift is paid ('amount' says whether the
-- email may say how much: 'shown' or 'hidden').
ALTER TABLE donations ADD COLUMN notify_name TEXT;
ALTER TABLE donations ADD COLUMN notify_email TEXT;
ALTER TABLE donations ADD COLUMN notify_amount TEXT CHECK (notify_amount IN ('shown', 'hidden'));

-- A receipt issued to a company: stored as receipt 'other_name' with the company's name in
-- receipt_name (so every earlier reader of receipts names the company), marked here, with the
-- business registration number if given.
ALTER TABLE donations ADD COLUMN receipt_holder TEXT CHECK (receipt_holder IN ('company'));
ALTER TABLE donations ADD COLUMN company_registration TEXT;

-- Where the gift came from: the link's campaign tags, the partner's embed, the story read.
ALTER TABLE donations ADD COLUMN utm_source TEXT;
ALTER TABLE donations ADD COLUMN utm_medium TEXT;
ALTER TABLE donations ADD COLUMN utm_campaign TEXT;
ALTER TABLE donations ADD COLUMN partner_code TEXT;
ALTER TABLE donations ADD COLUMN story_slug TEXT;
CREATE INDEX donations_partner_code ON donations (partner_code);

-- The outbox also tells a tribute's contact, once per gift (dedupe_key 'tribute:' || id).
-- Rebuilt to widen the kinds, as in the previous migration.
CREATE TABLE outbox_next (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL
        CHECK (kind IN ('receipt', 'gift_change', 'yearly_summary', 'tribute_notice')),
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
INSERT INTO outbox_next (id, kind, payment_id, tax_receipt_id, donation_id, email_key, payload,
    dedupe_key, created_at, attempts, next_attempt_at, claim, claimed_until, logged_at, sent_at,
    last_error, failed_at)
    SELECT id, kind, payment_id, tax_receipt_id, donation_id, email_key, payload, dedupe_key,
        created_at, attempts, next_attempt_at, claim, claimed_until, logged_at, sent_at,
        last_error, failed_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_next RENAME TO outbox;
CREATE INDEX outbox_unsent_due ON outbox (next_attempt_at) WHERE sent_at IS NULL;
CREATE INDEX outbox_donation ON outbox (donation_id);
CREATE INDEX outbox_payment ON outbox (payment_id);

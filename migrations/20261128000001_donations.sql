-- Donations as donors pledge them. Written to run unchanged on SQLite and PostgreSQL:
-- text ids made by the application, BIGINT money in minor units, BIGINT Unix milliseconds.
CREATE TABLE donations (
    id TEXT PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    -- The form's idempotency token: a second submit of the same form finds this row.
    idempotency_key TEXT NOT NULL UNIQUE,
    -- The secret in the thank-you page's URL, so a reference alone shows nothing.
    access_key TEXT NOT NULL,
    status TEXT NOT NULL
        CHECK (status IN ('pending', 'paid', 'failed', 'expired', 'cancelled')),
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    currency TEXT NOT NULL,
    frequency TEXT NOT NULL CHECK (frequency IN ('one_off', 'monthly')),
    payment_method TEXT NOT NULL,
    email TEXT NOT NULL,
    -- Lower-cased email: counts each supporter once however they typed it.
    email_key TEXT NOT NULL,
    donor_name TEXT,
    receipt TEXT NOT NULL CHECK (receipt IN ('own_name', 'other_name', 'none')),
    receipt_name TEXT,
    -- The donor's answer to the (unticked) marketing question. Text rather than BOOLEAN:
    -- it reads the same on both databases and in an export.
    marketing_consent TEXT NOT NULL CHECK (marketing_consent IN ('given', 'declined')),
    -- When the donor gave (or declined) consent: the moment the form was accepted.
    consent_recorded_at BIGINT NOT NULL,
    locale TEXT NOT NULL,
    referral_code TEXT,
    created_at BIGINT NOT NULL,
    paid_at BIGINT
);

CREATE INDEX donations_status ON donations (status);
CREATE INDEX donations_referral_code ON donations (referral_code);

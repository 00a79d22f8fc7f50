-- A card refund can fail or be cancelled after Stripe reported the charge refunded; the money
-- is then back with the charity and the gift counts again. What a payment has refunded is
-- worked out from the latest `charge.refunded` (the charge's running total, and when Stripe
-- reported it) less the refunds that failed after that report, so the events can arrive in any
-- order. Existing rows keep what they had as a report of unknown time.
ALTER TABLE payments ADD COLUMN charge_refunded_minor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE payments ADD COLUMN charge_refunded_at BIGINT;
UPDATE payments SET charge_refunded_minor = refunded_minor;

-- One row per refund that failed or was cancelled (refund.failed and refund.updated both say
-- so; it counts once).
CREATE TABLE failed_refunds (
    refund_id TEXT PRIMARY KEY,
    payment_id TEXT NOT NULL REFERENCES payments (id),
    amount_minor BIGINT NOT NULL,
    failed_at BIGINT NOT NULL
);
CREATE INDEX failed_refunds_by_payment ON failed_refunds (payment_id);

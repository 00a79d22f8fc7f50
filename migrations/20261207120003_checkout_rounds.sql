-- A card gift whose method or fee changed before it was paid gets a new Checkout Session (the
-- old one is expired at Stripe): how many were retired, for the next one's idempotency key.
ALTER TABLE donations ADD COLUMN checkout_round BIGINT NOT NULL DEFAULT 0;

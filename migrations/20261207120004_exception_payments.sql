-- Finance staff can accept an exception as a payment: what the provider said about the charge
-- is kept with the exception so the payment recorded from it is the one Stripe took (when, by
-- which payment intent, for which subscription), and later refunds and disputes find it.
ALTER TABLE payment_exceptions ADD COLUMN paid_at BIGINT;
ALTER TABLE payment_exceptions ADD COLUMN payment_intent_id TEXT;
ALTER TABLE payment_exceptions ADD COLUMN subscription_id TEXT;
-- The payment it became, once accepted.
ALTER TABLE payment_exceptions ADD COLUMN payment_id TEXT;

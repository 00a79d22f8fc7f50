-- What the reconciliation sweep asked Stripe, and when, so that no row can hold its place for
-- ever: each sweep asks about the rows asked least recently (Unix milliseconds; NULL: never).
-- A card checkout still pending (one Stripe left complete but unpaid, or whose payment is an
-- exception, would otherwise come first every time).
ALTER TABLE donations ADD COLUMN checkout_checked_at BIGINT;
-- A monthly gift's subscription, asked for invoices paid whose webhook never arrived.
ALTER TABLE donations ADD COLUMN invoices_swept_at BIGINT;
-- A monthly payment recorded under its invoice but not yet linked to the payment intent that
-- paid it (refunds and disputes name the payment intent).
ALTER TABLE payments ADD COLUMN link_checked_at BIGINT;

-- Money that reaches the charity's bank, by cheque or in cash: several payments per pledge
-- (each statement line or hand confirmation its own), what staff did to them afterwards (a
-- refund through the bank, a confirmation undone, a bounced cheque), and which account a
-- statement came from.

-- The account a statement is from: its lines' fingerprints include it, so identical lines on
-- two accounts' statements are two lines. Statements imported before this have ''.
ALTER TABLE statement_imports ADD COLUMN account TEXT NOT NULL DEFAULT '';

-- How offline money arrived: 'transfer', 'cheque' or 'cash' (NULL for card payments), and the
-- cheque's number.
ALTER TABLE payments ADD COLUMN method TEXT;
ALTER TABLE payments ADD COLUMN cheque_number TEXT;
-- When staff recorded it (a confirmation can be undone for a short while after).
ALTER TABLE payments ADD COLUMN confirmed_at BIGINT;
-- Set when a payment turned out not to be one (applied to the wrong pledge, a cheque that
-- bounced): its whole amount no longer counts (refunded_minor = amount_minor) and its receipt
-- is void. The row stays, for the books.
ALTER TABLE payments ADD COLUMN voided_at BIGINT;
ALTER TABLE payments ADD COLUMN void_reason TEXT;
-- Something staff should look at: 'second_in_month' (a monthly gift's second transfer in one
-- Hong Kong month, recorded, never dropped).
ALTER TABLE payments ADD COLUMN flag TEXT;
UPDATE payments SET method = 'transfer' WHERE source_id LIKE 'offline:%';

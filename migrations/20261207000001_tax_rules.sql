-- Tax receipts follow the Inland Revenue Ordinance's rules (services' receipts::tax_rules):
-- the HK$100 rule on the year's aggregate per receipt holder, one yearly summary per holder,
-- and a receipt that never changes once issued. Portable SQL, as before.

-- What the donor added towards card costs within this payment, as it was when the payment was
-- recorded (a later change to a monthly gift's amount resets the donation's fee_minor; the
-- receipt of an earlier month must still say what that month's charge included).
ALTER TABLE payments ADD COLUMN fee_minor BIGINT NOT NULL DEFAULT 0 CHECK (fee_minor >= 0);
-- Payments recorded before: the donation's fee, when the charge was the gift plus that fee.
UPDATE payments SET fee_minor = COALESCE((SELECT d.fee_minor FROM donations d
    WHERE d.id = payments.donation_id AND d.amount_minor + d.fee_minor = payments.amount_minor), 0);

-- Whom a receipt is made out to, besides the name: a person ('person': the donor or someone
-- they named) or a company ('company', whose name carries its BR number). Receipts issued
-- before: a company's when its donation is for a company and the name is the company's.
ALTER TABLE tax_receipts ADD COLUMN holder_kind TEXT NOT NULL DEFAULT 'person'
    CHECK (holder_kind IN ('person', 'company'));
UPDATE tax_receipts SET holder_kind = 'company' WHERE issued_to IS NOT NULL AND EXISTS
    (SELECT 1 FROM donations d WHERE d.id = tax_receipts.donation_id
        AND d.receipt_holder = 'company' AND d.receipt_name IS NOT NULL
        AND (tax_receipts.issued_to = d.receipt_name
            OR substr(tax_receipts.issued_to, 1, length(d.receipt_name) + 5)
                = d.receipt_name || ' (BR '));

-- A yearly summary is for one holder: one of that holder's receipts of the year names them
-- (no name is copied into the outbox). Its dedupe_key is 'summary:' || email_key || ':' ||
-- year || ':' || that receipt's id.
ALTER TABLE outbox ADD COLUMN holder_receipt_id TEXT REFERENCES tax_receipts (id);

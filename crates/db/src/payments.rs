//! Payments: one row per charge (unique by its source id), with what was refunded or disputed,
//! and the totals the database sums from them. Provider events that record and change them are
//! in `events`.

use super::{non_negative, to_column, Database, DbError, UnreadableRow};

/// What has arrived for the gift in the row `donations` of the surrounding query: its
/// payments less refunds and money held in disputes, voided payments excluded. One
/// expression, so every page and check that asks "what came in" counts the same.
pub(crate) const RECEIVED_OF_DONATION: &str = "(SELECT CAST(COALESCE(SUM(p.amount_minor \
     - p.refunded_minor - p.disputed_minor), 0) AS BIGINT) FROM payments p \
     WHERE p.donation_id = donations.id AND p.voided_at IS NULL)";
use sharecare_domain::dispute::DisputeState;
use sharecare_domain::money::Money;
use sharecare_domain::time::Timestamp;

/// Paid gifts, summed by the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PaidTotals {
    /// Received less refunds and disputed money, in minor units.
    pub raised_minor: u64,
    /// Distinct donors (by email) with money that is still the charity's.
    pub supporters: u64,
}

/// What of a payment still counts: `amount - refunded - disputed`, in SQL, for `p`.
pub(super) const NET: &str = "(p.amount_minor - p.refunded_minor - p.disputed_minor)";

/// A payment to record, with the donation it pays for.
#[derive(Debug, Clone)]
pub struct NewPayment {
    pub id: String,
    pub donation_id: String,
    /// The charge's id at its source (see the `payments` table); recording it twice is a no-op.
    pub source_id: String,
    pub payment_intent_id: Option<String>,
    pub amount: Money,
    pub paid_at: Timestamp,
    /// A monthly gift's subscription, learnt with its first payment.
    pub subscription_id: Option<String>,
    /// What of the amount the donor added towards card costs, as the provider priced it; when
    /// unknown, the donation's fee if its gift and fee add up to the amount, else nothing.
    pub fee_minor: Option<u64>,
    /// The id of the receipt to queue with it; `None` when the donor asked for no receipt.
    pub receipt_id: Option<String>,
}

/// A stored payment (less any refund), as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRecord {
    pub id: String,
    pub donation_id: String,
    /// The charge's id at its source (an invoice, a payment intent, `offline:{reference}`).
    pub source_id: String,
    pub payment_intent_id: Option<String>,
    pub amount_minor: u64,
    pub refunded_minor: u64,
    /// Taken back by an open or lost dispute.
    pub disputed_minor: u64,
    /// Where its dispute stands, if it has one.
    pub dispute: Option<DisputeState>,
    pub paid_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct PaymentRow {
    id: String,
    donation_id: String,
    source_id: String,
    payment_intent_id: Option<String>,
    amount_minor: i64,
    refunded_minor: i64,
    disputed_minor: i64,
    dispute_status: Option<String>,
    paid_at: Timestamp,
}

impl TryFrom<PaymentRow> for PaymentRecord {
    type Error = UnreadableRow;

    fn try_from(row: PaymentRow) -> Result<PaymentRecord, UnreadableRow> {
        Ok(PaymentRecord {
            amount_minor: non_negative("payments", "amount_minor", row.amount_minor)?,
            refunded_minor: non_negative("payments", "refunded_minor", row.refunded_minor)?,
            disputed_minor: non_negative("payments", "disputed_minor", row.disputed_minor)?,
            dispute: row
                .dispute_status
                .as_deref()
                .map(|code| {
                    DisputeState::parse(code).ok_or_else(|| {
                        UnreadableRow::new("payments", "dispute_status", code.to_string())
                    })
                })
                .transpose()?,
            id: row.id,
            donation_id: row.donation_id,
            source_id: row.source_id,
            payment_intent_id: row.payment_intent_id,
            paid_at: row.paid_at,
        })
    }
}

impl Database {
    /// The payments recorded for a donation, oldest first.
    pub async fn payments_for_donation(
        &self,
        donation_id: &str,
    ) -> Result<Vec<PaymentRecord>, DbError> {
        let rows: Vec<PaymentRow> = sqlx::query_as(
            "SELECT id, donation_id, source_id, payment_intent_id, amount_minor, \
             refunded_minor, disputed_minor, dispute_status, paid_at FROM payments \
             WHERE donation_id = $1 \
             ORDER BY paid_at, id",
        )
        .bind(donation_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| Ok(PaymentRecord::try_from(row)?))
            .collect()
    }

    /// Money received (less refunds) and the number of distinct people who gave it.
    pub async fn paid_totals(&self) -> Result<PaidTotals, DbError> {
        // PostgreSQL sums BIGINT into NUMERIC; the cast keeps one integer type on both.
        let sql = format!(
            "SELECT CAST(COALESCE(SUM({NET}), 0) AS BIGINT), \
             CAST(COUNT(DISTINCT d.email_key) AS BIGINT) \
             FROM payments p JOIN donations d ON d.id = p.donation_id WHERE {NET} > 0"
        );
        let (raised_minor, supporters): (i64, i64) =
            sqlx::query_as(&sql).fetch_one(&self.pool).await?;
        Ok(PaidTotals {
            raised_minor: non_negative("payments", "amount_minor", raised_minor)?,
            supporters: non_negative("donations", "supporters", supporters)?,
        })
    }
}

/// Inside a transaction: stores a payment once per source id and, if it is new, moves the
/// donation to paid (forward only: from pending or expired) and queues its receipt.
pub(super) async fn record_payment(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    payment: &NewPayment,
) -> Result<bool, DbError> {
    // The fee the donor added is the donation's now, when this charge is the gift plus that
    // fee: kept with the payment, so its receipt says the same after the gift changes.
    let inserted = sqlx::query(
        "INSERT INTO payments (id, donation_id, source_id, payment_intent_id, amount_minor, \
         currency, paid_at, fee_minor) VALUES ($1, $2, $3, $4, $5, $6, $7, \
         COALESCE(CAST($8 AS BIGINT), (SELECT d.fee_minor FROM donations d WHERE d.id = $2 \
             AND d.amount_minor + d.fee_minor = $5), 0)) \
         ON CONFLICT (source_id) DO NOTHING",
    )
    .bind(&payment.id)
    .bind(&payment.donation_id)
    .bind(&payment.source_id)
    .bind(&payment.payment_intent_id)
    .bind(to_column(payment.amount.minor))
    .bind(payment.amount.currency.code())
    .bind(payment.paid_at)
    .bind(payment.fee_minor.map(to_column))
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1;
    if !inserted {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE donations SET status = 'paid', paid_at = $1 \
         WHERE id = $2 AND status IN ('pending', 'expired')",
    )
    .bind(payment.paid_at)
    .bind(&payment.donation_id)
    .execute(&mut **tx)
    .await?;
    if let Some(subscription_id) = &payment.subscription_id {
        sqlx::query(
            "UPDATE donations SET subscription_id = $1 WHERE id = $2 AND subscription_id IS NULL",
        )
        .bind(subscription_id)
        .bind(&payment.donation_id)
        .execute(&mut **tx)
        .await?;
    }
    // Every payment gets its numbered tax receipt, in this transaction; it is mailed if the
    // donor asked for receipts.
    let receipt = super::tax_receipts::issue_receipt(
        tx,
        &payment.id,
        &payment.donation_id,
        payment.amount,
        payment.paid_at,
        Timestamp::now(),
        None,
    )
    .await?;
    if let Some(outbox_id) = &payment.receipt_id {
        sqlx::query(
            "INSERT INTO outbox (id, kind, payment_id, tax_receipt_id, donation_id, created_at, \
             next_attempt_at) VALUES ($1, 'receipt', $2, $3, $4, $5, $5)",
        )
        .bind(outbox_id)
        .bind(&payment.id)
        .bind(&receipt)
        .bind(&payment.donation_id)
        .bind(payment.paid_at)
        .execute(&mut **tx)
        .await?;
    }
    // Paid: the payment details it was waiting to send (if they have not gone yet) are no
    // longer needed.
    sqlx::query(
        "DELETE FROM outbox WHERE donation_id = $1 AND kind = 'payment_details' \
         AND sent_at IS NULL AND claim IS NULL",
    )
    .bind(&payment.donation_id)
    .execute(&mut **tx)
    .await?;
    // A gift in someone's honour or memory tells the contact the donor named, once: with the
    // first payment (never for a pledge still unpaid), not with each month's.
    sqlx::query(
        "INSERT INTO outbox (id, kind, donation_id, dedupe_key, created_at, next_attempt_at) \
         SELECT $1, 'tribute_notice', id, 'tribute:' || id, $2, $2 FROM donations \
         WHERE id = $3 AND notify_email IS NOT NULL \
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(sharecare_domain::secrets::random_hex::<16>())
    .bind(payment.paid_at)
    .bind(&payment.donation_id)
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

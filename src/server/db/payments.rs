//! Payments and the provider events that record them: each event applied once, atomically
//! with its change; payments unique per charge; totals summed by the database.

use super::{non_negative, to_column, Database, DbError, UnreadableRow};
use crate::domain::money::Money;

/// Paid gifts, summed by the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PaidTotals {
    /// Received less refunds, in minor units.
    pub raised_minor: u64,
    /// Distinct donors (by email) with a payment not wholly refunded.
    pub supporters: u64,
}

/// A payment to record, with the donation it pays for.
#[derive(Debug, Clone)]
pub struct NewPayment {
    pub id: String,
    pub donation_id: String,
    /// The charge's id at its source (see the `payments` table); recording it twice is a no-op.
    pub source_id: String,
    pub payment_intent_id: Option<String>,
    pub amount: Money,
    pub paid_at: i64,
    /// A monthly gift's subscription, learnt with its first payment.
    pub subscription_id: Option<String>,
    /// The id of the receipt to queue with it; `None` when the donor asked for no receipt.
    pub receipt_id: Option<String>,
}

/// One event from a payment provider, as stored to handle it once.
#[derive(Debug, Clone, Copy)]
pub struct ProviderEvent<'a> {
    pub provider: &'a str,
    pub event_id: &'a str,
    pub event_type: &'a str,
    pub received_at: i64,
}

/// What a provider event changes, decided by the caller and applied atomically with the
/// event's record. Every change only moves a donation forward.
#[derive(Debug, Clone)]
pub enum EventChange {
    Payment(NewPayment),
    /// The checkout lapsed unpaid: a pending donation becomes expired.
    Expire {
        donation_id: String,
    },
    /// Something needs staff (e.g. a payment that does not match the donation).
    Flag {
        donation_id: String,
        reason: String,
    },
    /// A monthly gift ended at the provider.
    EndSubscription {
        donation_id: String,
        at: i64,
    },
    /// A payment was refunded, in all or part: `refunded_minor` is the running total.
    Refund {
        payment_intent_id: Option<String>,
        invoice_id: Option<String>,
        refunded_minor: u64,
    },
    /// Recorded only (an event about something this site does not know).
    Nothing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventOutcome {
    /// First delivery: `changed` says whether anything moved.
    Applied { changed: bool },
    /// This event id was handled before; nothing was changed.
    AlreadyHandled,
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
    /// Unix milliseconds.
    pub paid_at: i64,
}

#[derive(sqlx::FromRow)]
struct PaymentRow {
    id: String,
    donation_id: String,
    source_id: String,
    payment_intent_id: Option<String>,
    amount_minor: i64,
    refunded_minor: i64,
    paid_at: i64,
}

impl TryFrom<PaymentRow> for PaymentRecord {
    type Error = UnreadableRow;

    fn try_from(row: PaymentRow) -> Result<PaymentRecord, UnreadableRow> {
        Ok(PaymentRecord {
            amount_minor: non_negative("payments", "amount_minor", row.amount_minor)?,
            refunded_minor: non_negative("payments", "refunded_minor", row.refunded_minor)?,
            id: row.id,
            donation_id: row.donation_id,
            source_id: row.source_id,
            payment_intent_id: row.payment_intent_id,
            paid_at: row.paid_at,
        })
    }
}

impl Database {
    /// Records a payment staff confirmed (an offline transfer): the payment, the donation's
    /// move to paid and its receipt, all at once. Returns whether the payment is new.
    pub async fn record_confirmed_payment(&self, payment: &NewPayment) -> Result<bool, DbError> {
        let mut tx = self.pool.begin().await?;
        let inserted = record_payment(&mut tx, payment).await?;
        tx.commit().await?;
        Ok(inserted)
    }

    /// Applies what a provider event asks for, once per event id: the event is stored in the
    /// same transaction as its change, so a redelivery (even a concurrent one) finds it and
    /// changes nothing, and a failure leaves neither behind.
    pub async fn apply_provider_event(
        &self,
        event: &ProviderEvent<'_>,
        change: &EventChange,
    ) -> Result<EventOutcome, DbError> {
        let mut tx = self.pool.begin().await?;
        // The write comes first: on SQLite it takes the write lock at once, so two deliveries
        // queue on it instead of both reading and then failing to upgrade their locks.
        let new_event = sqlx::query(
            "INSERT INTO provider_events (event_id, provider, event_type, received_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (event_id) DO NOTHING",
        )
        .bind(event.event_id)
        .bind(event.provider)
        .bind(event.event_type)
        .bind(event.received_at)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !new_event {
            tx.rollback().await?;
            return Ok(EventOutcome::AlreadyHandled);
        }
        let changed = match change {
            EventChange::Payment(payment) => record_payment(&mut tx, payment).await?,
            EventChange::Expire { donation_id } => {
                // Forward only: an expiry that arrives after the payment changes nothing.
                sqlx::query(
                    "UPDATE donations SET status = 'expired' WHERE id = $1 AND status = 'pending'",
                )
                .bind(donation_id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1
            }
            EventChange::Flag {
                donation_id,
                reason,
            } => {
                sqlx::query("UPDATE donations SET flag = $1 WHERE id = $2")
                    .bind(reason)
                    .bind(donation_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    == 1
            }
            EventChange::EndSubscription { donation_id, at } => {
                // A monthly gift that never paid is cancelled; one that did stays paid, ended.
                sqlx::query(
                    "UPDATE donations SET ended_at = $1, \
                     status = CASE WHEN status = 'pending' THEN 'cancelled' ELSE status END \
                     WHERE id = $2 AND ended_at IS NULL",
                )
                .bind(at)
                .bind(donation_id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1
            }
            EventChange::Refund {
                payment_intent_id,
                invoice_id,
                refunded_minor,
            } => {
                // Refund events carry the running total refunded; only a larger one counts.
                // The charge names its payment intent and, for a monthly gift, its invoice.
                sqlx::query(
                    "UPDATE payments SET refunded_minor = $1 \
                     WHERE (payment_intent_id = $2 OR source_id = $2 OR source_id = $3) \
                     AND refunded_minor < $1 AND amount_minor >= $1",
                )
                .bind(to_column(*refunded_minor))
                .bind(payment_intent_id)
                .bind(invoice_id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    >= 1
            }
            EventChange::Nothing => false,
        };
        tx.commit().await?;
        Ok(EventOutcome::Applied { changed })
    }

    /// The payments recorded for a donation, oldest first.
    pub async fn payments_for_donation(
        &self,
        donation_id: &str,
    ) -> Result<Vec<PaymentRecord>, DbError> {
        let rows: Vec<PaymentRow> = sqlx::query_as(
            "SELECT id, donation_id, source_id, payment_intent_id, amount_minor, \
             refunded_minor, paid_at FROM payments WHERE donation_id = $1 ORDER BY paid_at, id",
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
        let (raised_minor, supporters): (i64, i64) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(p.amount_minor - p.refunded_minor), 0) AS BIGINT), \
             CAST(COUNT(DISTINCT d.email_key) AS BIGINT) \
             FROM payments p JOIN donations d ON d.id = p.donation_id \
             WHERE p.refunded_minor < p.amount_minor",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(PaidTotals {
            raised_minor: non_negative("payments", "amount_minor", raised_minor)?,
            supporters: non_negative("donations", "supporters", supporters)?,
        })
    }
}

/// Inside a transaction: stores a payment once per source id and, if it is new, moves the
/// donation to paid (forward only: from pending or expired) and queues its receipt.
async fn record_payment(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    payment: &NewPayment,
) -> Result<bool, DbError> {
    let inserted = sqlx::query(
        "INSERT INTO payments (id, donation_id, source_id, payment_intent_id, amount_minor, \
         currency, paid_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (source_id) DO NOTHING",
    )
    .bind(&payment.id)
    .bind(&payment.donation_id)
    .bind(&payment.source_id)
    .bind(&payment.payment_intent_id)
    .bind(to_column(payment.amount.minor))
    .bind(payment.amount.currency.code())
    .bind(payment.paid_at)
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
    if let Some(receipt_id) = &payment.receipt_id {
        sqlx::query(
            "INSERT INTO outbox (id, kind, payment_id, donation_id, created_at, next_attempt_at) \
             VALUES ($1, 'receipt', $2, $3, $4, $4)",
        )
        .bind(receipt_id)
        .bind(&payment.id)
        .bind(&payment.donation_id)
        .bind(payment.paid_at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(true)
}

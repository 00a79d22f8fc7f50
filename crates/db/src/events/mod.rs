//! Provider events, applied once each, atomically with their change. A change to a payment that
//! is not recorded yet (a refund that arrives before its payment) waits in `unmatched_events`
//! and is applied when the payment appears; a payment that does not match its donation becomes
//! a row in `payment_exceptions` for staff.

mod apply;
mod change;

pub use change::{
    EventChange, EventOutcome, ExceptionRecord, ExpectedPayment, NewException, OpenException,
    PaymentChange, ProviderEvent, WaitingChange,
};

use crate::payments::{record_payment, NewPayment};
use crate::{non_negative, Database, DbError};
use apply::{
    apply_payment_change, apply_subscription_state, confirm_requests, link_event_to_donation,
    record_exception,
};
use sharecare_domain::changes::{ChangeKind, ChangeNotice};
use sharecare_domain::time::Timestamp;

impl Database {
    /// Applies what a provider event asks for, once per event id: the event is stored in the
    /// same transaction as its change, so a redelivery (even a concurrent one, on another
    /// instance) finds it and changes nothing, and a failure leaves neither behind.
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
        let outcome = match change {
            EventChange::Payment(payment) => EventOutcome::Applied {
                changed: record_payment(&mut tx, payment).await?,
            },
            EventChange::Expire {
                donation_id,
                session_id,
            } => {
                // Forward only: an expiry that arrives after the payment changes nothing, and
                // a retired checkout's expiry leaves the gift to the way it is paid now.
                let changed = sqlx::query(
                    "UPDATE donations SET status = 'expired' WHERE id = $1 AND status = 'pending' \
                     AND COALESCE($2, checkout_session_id) = checkout_session_id",
                )
                .bind(donation_id)
                .bind(session_id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1;
                EventOutcome::Applied { changed }
            }
            EventChange::Fail { donation_id } => {
                let changed = sqlx::query(
                    "UPDATE donations SET status = 'failed' WHERE id = $1 AND status = 'pending'",
                )
                .bind(donation_id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1;
                EventOutcome::Applied { changed }
            }
            EventChange::Exception(exception) => {
                record_exception(&mut tx, event.event_id, exception).await?;
                EventOutcome::Applied { changed: true }
            }
            EventChange::SubscriptionState {
                donation_id,
                amount_minor,
                paused_until,
                next_charge_at,
                as_of,
            } => EventOutcome::Applied {
                changed: apply_subscription_state(
                    &mut tx,
                    donation_id,
                    *amount_minor,
                    *paused_until,
                    *next_charge_at,
                    *as_of,
                    event.received_at,
                )
                .await?,
            },
            EventChange::EndSubscription { donation_id, at } => {
                confirm_requests(&mut tx, donation_id, *at, |kind, _| {
                    (kind == ChangeKind::Cancel).then_some(ChangeNotice::Cancelled)
                })
                .await?;
                // A monthly gift that never paid is cancelled; one that did stays paid, ended.
                let changed = sqlx::query(
                    "UPDATE donations SET ended_at = $1, \
                     status = CASE WHEN status = 'pending' THEN 'cancelled' ELSE status END \
                     WHERE id = $2 AND ended_at IS NULL",
                )
                .bind(at)
                .bind(donation_id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1;
                EventOutcome::Applied { changed }
            }
            EventChange::ToPayment(payment_change) => {
                match apply_payment_change(&mut tx, payment_change).await? {
                    Some(changed) => EventOutcome::Applied { changed },
                    None => {
                        sqlx::query(
                            "INSERT INTO unmatched_events (event_id, provider, event_type, \
                             change, received_at) VALUES ($1, $2, $3, $4, $5)",
                        )
                        .bind(event.event_id)
                        .bind(event.provider)
                        .bind(event.event_type)
                        .bind(serde_json::to_string(payment_change).expect("a change serialises"))
                        .bind(event.received_at)
                        .execute(&mut *tx)
                        .await?;
                        EventOutcome::Waiting
                    }
                }
            }
            EventChange::Nothing => EventOutcome::Applied { changed: false },
        };
        link_event_to_donation(&mut tx, event.event_id, change).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Records a payment staff confirmed (an offline transfer): the payment, the donation's
    /// move to paid and its receipt, all at once. Returns whether the payment is new.
    pub async fn record_confirmed_payment(&self, payment: &NewPayment) -> Result<bool, DbError> {
        let mut tx = self.pool.begin().await?;
        let inserted = record_payment(&mut tx, payment).await?;
        tx.commit().await?;
        Ok(inserted)
    }

    /// The changes still waiting for their payment, oldest first.
    pub async fn waiting_changes(&self) -> Result<Vec<WaitingChange>, DbError> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT event_id, change FROM unmatched_events WHERE applied_at IS NULL \
             ORDER BY received_at, event_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(event_id, change)| {
                let change = serde_json::from_str(&change).map_err(|error| {
                    super::UnreadableRow::new("unmatched_events", "change", error.to_string())
                })?;
                Ok(WaitingChange { event_id, change })
            })
            .collect()
    }

    /// Applies a waiting change if its payment is there now; `Some(changed)` once applied
    /// (it stops waiting), `None` while it still waits.
    pub async fn apply_waiting_change(
        &self,
        waiting: &WaitingChange,
        now: Timestamp,
    ) -> Result<Option<bool>, DbError> {
        let mut tx = self.pool.begin().await?;
        let applied = apply_payment_change(&mut tx, &waiting.change).await?;
        if applied.is_some() {
            sqlx::query(
                "UPDATE unmatched_events SET applied_at = $1 WHERE event_id = $2 \
                 AND applied_at IS NULL",
            )
            .bind(now)
            .bind(&waiting.event_id)
            .execute(&mut *tx)
            .await?;
            let change = EventChange::ToPayment(waiting.change.clone());
            link_event_to_donation(&mut tx, &waiting.event_id, &change).await?;
        }
        tx.commit().await?;
        Ok(applied)
    }

    /// Monthly payments recorded under their invoice and not yet linked to the payment intent
    /// that paid them, least recently asked about first (none asked since `before`): their
    /// invoice ids.
    pub async fn unlinked_monthly_payments(
        &self,
        before: Timestamp,
        limit: i64,
    ) -> Result<Vec<String>, DbError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT p.source_id FROM payments p JOIN donations d ON d.id = p.donation_id \
             WHERE d.subscription_id IS NOT NULL AND p.payment_intent_id IS NULL \
             AND COALESCE(p.link_checked_at, 0) < $1 \
             ORDER BY COALESCE(p.link_checked_at, 0), p.paid_at DESC, p.id LIMIT $2",
        )
        .bind(before)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(invoice_id,)| invoice_id).collect())
    }

    /// What the provider said `at` about the payment intent that paid a monthly payment's
    /// invoice: linked if it named one (as `invoice_payment.paid` would have). Returns whether
    /// it was linked now.
    pub async fn link_monthly_payment(
        &self,
        invoice_id: &str,
        payment_intent_id: Option<&str>,
        at: Timestamp,
    ) -> Result<bool, DbError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE payments SET link_checked_at = $1 WHERE source_id = $2")
            .bind(at)
            .bind(invoice_id)
            .execute(&mut *tx)
            .await?;
        let linked = match payment_intent_id {
            Some(payment_intent_id) => {
                let link = PaymentChange::Link {
                    invoice_id: invoice_id.to_string(),
                    payment_intent_id: payment_intent_id.to_string(),
                };
                apply_payment_change(&mut tx, &link).await? == Some(true)
            }
            None => false,
        };
        tx.commit().await?;
        Ok(linked)
    }

    /// One exception, resolved or not.
    pub async fn payment_exception(&self, id: &str) -> Result<Option<ExceptionRecord>, DbError> {
        Ok(sqlx::query_as(
            "SELECT id, kind, donation_id, received_minor, received_currency, source_id, \
             paid_at, payment_intent_id, subscription_id, created_at, resolved_at \
             FROM payment_exceptions WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Finance staff accept an open exception as a payment: the payment is recorded (with its
    /// receipt), the exception resolved with staff's reason and the payment it became, the
    /// donation no longer flagged when nothing else about it is open, and the audit entry
    /// written, all at once. `false` if it was resolved already (or its charge recorded).
    pub async fn accept_exception(
        &self,
        exception_id: &str,
        payment: &NewPayment,
        note: &str,
        now: Timestamp,
        audit: &crate::AuditEntry,
    ) -> Result<bool, DbError> {
        let mut tx = self.pool.begin().await?;
        let resolved = sqlx::query(
            "UPDATE payment_exceptions SET resolved_at = $1, note = $2, payment_id = $3, \
             donation_id = $4 WHERE id = $5 AND resolved_at IS NULL",
        )
        .bind(now)
        .bind(note)
        .bind(&payment.id)
        .bind(&payment.donation_id)
        .bind(exception_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !resolved || !record_payment(&mut tx, payment).await? {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query(
            "UPDATE donations SET flag = NULL WHERE id = $1 AND NOT EXISTS (SELECT 1 \
             FROM payment_exceptions e WHERE e.donation_id = $1 AND e.resolved_at IS NULL)",
        )
        .bind(&payment.donation_id)
        .execute(&mut *tx)
        .await?;
        crate::audit::write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// How many payment exceptions await staff.
    pub async fn count_open_exceptions(&self) -> Result<u64, DbError> {
        let (count,): (i64,) = sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM payment_exceptions WHERE resolved_at IS NULL",
        )
        .fetch_one(&self.pool)
        .await?;
        non_negative("payment_exceptions", "count", count).map_err(Into::into)
    }

    /// The exceptions recorded for a donation: (kind, received minor units), oldest first.
    pub async fn exceptions_for_donation(
        &self,
        donation_id: &str,
    ) -> Result<Vec<(String, Option<i64>)>, DbError> {
        Ok(sqlx::query_as(
            "SELECT kind, received_minor FROM payment_exceptions WHERE donation_id = $1 \
             ORDER BY created_at, id",
        )
        .bind(donation_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Exceptions staff have not resolved, oldest first.
    pub async fn open_exceptions(&self) -> Result<Vec<OpenException>, DbError> {
        Ok(sqlx::query_as(
            "SELECT id, kind, donation_id, received_minor, received_currency, source_id, \
             created_at FROM payment_exceptions WHERE resolved_at IS NULL \
             ORDER BY created_at, id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// How many provider events still wait for the payment they name.
    pub async fn count_waiting_changes(&self) -> Result<u64, DbError> {
        let (count,): (i64,) = sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM unmatched_events WHERE applied_at IS NULL",
        )
        .fetch_one(&self.pool)
        .await?;
        non_negative("unmatched_events", "count", count).map_err(Into::into)
    }
}

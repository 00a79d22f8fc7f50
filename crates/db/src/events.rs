//! Provider events, applied once each, atomically with their change. A change to a payment that
//! is not recorded yet (a refund that arrives before its payment) waits in `unmatched_events`
//! and is applied when the payment appears; a payment that does not match its donation becomes
//! a row in `payment_exceptions` for staff.

use serde::{Deserialize, Serialize};

use super::payments::{record_payment, NewPayment};
use super::{non_negative, to_column, Database, DbError};
use sharecare_domain::changes::{ChangeKind, ChangeNotice};
use sharecare_domain::money::Money;

/// One event from a payment provider, as stored to handle it once.
#[derive(Debug, Clone, Copy)]
pub struct ProviderEvent<'a> {
    pub provider: &'a str,
    pub event_id: &'a str,
    pub event_type: &'a str,
    pub received_at: i64,
}

/// What a provider event changes, decided by the donations service and applied atomically with
/// the event's record. Every change only moves a donation forward.
#[derive(Debug, Clone)]
pub enum EventChange {
    Payment(NewPayment),
    /// The checkout lapsed unpaid: a pending donation becomes expired.
    Expire {
        donation_id: String,
    },
    /// A payment that does not match its donation: kept for staff, not recorded as paying it.
    Exception(NewException),
    /// A monthly gift ended at the provider.
    EndSubscription {
        donation_id: String,
        at: i64,
    },
    /// A monthly gift's subscription as the provider now has it: its amount, whether (and
    /// until when, Unix ms) collection is paused, when it is next charged. The donor's requests
    /// it fulfils are confirmed, each with an email.
    SubscriptionState {
        donation_id: String,
        amount_minor: Option<u64>,
        paused_until: Option<i64>,
        next_charge_at: Option<i64>,
    },
    /// A change to a payment already recorded (or, if not yet, as soon as it is).
    ToPayment(PaymentChange),
    /// Recorded only (an event about something this site does not act on).
    Nothing,
}

/// A change to a recorded payment, found by its payment intent (or, for a link, its invoice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PaymentChange {
    /// Refunded in part or in full: `refunded_minor` is the running total.
    Refund {
        payment_intent_id: String,
        refunded_minor: u64,
    },
    /// A dispute opened, or closed won or lost.
    Dispute {
        payment_intent_id: String,
        dispute_id: String,
        amount_minor: u64,
        state: DisputeState,
    },
    /// A monthly payment (recorded under its invoice) is paid by this payment intent, which
    /// later refunds and disputes name.
    Link {
        invoice_id: String,
        payment_intent_id: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DisputeState {
    Open,
    Won,
    Lost,
}

impl DisputeState {
    fn as_str(self) -> &'static str {
        match self {
            DisputeState::Open => "open",
            DisputeState::Won => "won",
            DisputeState::Lost => "lost",
        }
    }
}

/// A payment that did not match its donation, or named none of ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewException {
    pub id: String,
    /// `amount_mismatch`, `currency_mismatch` or `unknown_donation`.
    pub kind: &'static str,
    /// The donation it was meant for and what that expected; none for `unknown_donation`.
    pub expected: Option<ExpectedPayment>,
    pub received_minor: Option<i64>,
    pub received_currency: Option<String>,
    /// The provider's id for what was paid (a checkout session, an invoice), to look it up there.
    pub source_id: Option<String>,
    pub created_at: i64,
}

/// The donation a payment was meant for, and its amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedPayment {
    pub donation_id: String,
    pub amount: Money,
}

impl NewException {
    pub fn donation_id(&self) -> Option<&str> {
        self.expected
            .as_ref()
            .map(|expected| expected.donation_id.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventOutcome {
    /// First delivery: `changed` says whether anything moved.
    Applied { changed: bool },
    /// First delivery, about a payment not recorded yet: kept, applied when it is.
    Waiting,
    /// This event id was handled before; nothing was changed.
    AlreadyHandled,
}

/// An event waiting for its payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingChange {
    pub event_id: String,
    pub change: PaymentChange,
}

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
            EventChange::Expire { donation_id } => {
                // Forward only: an expiry that arrives after the payment changes nothing.
                let changed = sqlx::query(
                    "UPDATE donations SET status = 'expired' WHERE id = $1 AND status = 'pending'",
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
            } => EventOutcome::Applied {
                changed: apply_subscription_state(
                    &mut tx,
                    donation_id,
                    *amount_minor,
                    *paused_until,
                    *next_charge_at,
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
        now: i64,
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

/// An exception as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OpenException {
    pub id: String,
    pub kind: String,
    pub donation_id: Option<String>,
    pub received_minor: Option<i64>,
    pub received_currency: Option<String>,
    pub source_id: Option<String>,
    pub created_at: i64,
}

/// Inside a transaction: a monthly gift's subscription state, as the provider confirmed it.
/// Returns whether anything about the gift changed.
async fn apply_subscription_state(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    donation_id: &str,
    amount_minor: Option<u64>,
    paused_until: Option<i64>,
    next_charge_at: Option<i64>,
    now: i64,
) -> Result<bool, DbError> {
    // The provider reports what each month charges: the gift plus any fee the donor covers.
    // The same charge changes nothing; a new one (the donor changed the amount) is the new
    // gift, and the fee cover ends with the old amount.
    let changed = sqlx::query(
        "UPDATE donations SET \
         amount_minor = CASE WHEN COALESCE($1, amount_minor + fee_minor) = amount_minor + fee_minor \
             THEN amount_minor ELSE $1 END, \
         fee_minor = CASE WHEN COALESCE($1, amount_minor + fee_minor) = amount_minor + fee_minor \
             THEN fee_minor ELSE 0 END, \
         paused_until = $2, \
         next_charge_at = COALESCE($3, next_charge_at) WHERE id = $4 AND frequency = 'monthly' \
         AND NOT (COALESCE($1, amount_minor + fee_minor) = amount_minor + fee_minor \
             AND COALESCE(paused_until, -1) = COALESCE($2, -1) \
             AND COALESCE(next_charge_at, -1) = COALESCE($3, next_charge_at, -1))",
    )
    .bind(amount_minor.map(to_column))
    .bind(paused_until)
    .bind(next_charge_at)
    .bind(donation_id)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        > 0;
    confirm_requests(tx, donation_id, now, |kind, detail| {
        let detail_number = detail.and_then(|detail| detail.parse::<i64>().ok());
        match kind {
            ChangeKind::Pause => paused_until.map(|until| ChangeNotice::Paused { until }),
            ChangeKind::Resume => paused_until.is_none().then_some(ChangeNotice::Resumed),
            ChangeKind::Amount => amount_minor
                .filter(|minor| detail_number == Some(*minor as i64))
                .map(|minor| ChangeNotice::Amount { minor }),
            ChangeKind::Day => next_charge_at
                .filter(|next| detail_number == Some(*next))
                .map(|next| ChangeNotice::Day { next }),
            ChangeKind::Cancel | ChangeKind::Card => None,
        }
    })
    .await?;
    Ok(changed)
}

/// Inside a transaction: the donor's pending requests on a gift that `fulfilled` says the new
/// state carries out are confirmed, each queueing its confirmation email.
async fn confirm_requests(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    donation_id: &str,
    now: i64,
    fulfilled: impl Fn(ChangeKind, Option<&str>) -> Option<ChangeNotice>,
) -> Result<(), DbError> {
    let pending: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT id, kind, detail FROM gift_changes WHERE donation_id = $1 \
         AND confirmed_at IS NULL AND error IS NULL ORDER BY requested_at, id",
    )
    .bind(donation_id)
    .fetch_all(&mut **tx)
    .await?;
    for (id, kind, detail) in pending {
        let Some(notice) =
            ChangeKind::parse(&kind).and_then(|kind| fulfilled(kind, detail.as_deref()))
        else {
            continue;
        };
        let confirmed = sqlx::query(
            "UPDATE gift_changes SET confirmed_at = $1 WHERE id = $2 AND confirmed_at IS NULL",
        )
        .bind(now)
        .bind(&id)
        .execute(&mut **tx)
        .await?
        .rows_affected()
            == 1;
        if confirmed {
            if let ChangeNotice::Cancelled = notice {
                sqlx::query("UPDATE donations SET ended_reason = $1 WHERE id = $2")
                    .bind(detail.as_deref().filter(|reason| !reason.is_empty()))
                    .bind(donation_id)
                    .execute(&mut **tx)
                    .await?;
            }
            sqlx::query(
                "INSERT INTO outbox (id, kind, donation_id, payload, dedupe_key, created_at, \
                 next_attempt_at) VALUES ($1, 'gift_change', $2, $3, $4, $5, $5)",
            )
            .bind(sharecare_domain::secrets::random_hex::<16>())
            .bind(donation_id)
            .bind(notice.to_json())
            .bind(format!("change:{id}"))
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

/// Inside a transaction: notes which donation an event was about, for its history (staff see
/// a donation's events in the admin). A change to a payment finds it through the payment.
async fn link_event_to_donation(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    event_id: &str,
    change: &EventChange,
) -> Result<(), DbError> {
    let known = match change {
        EventChange::Payment(payment) => Some(payment.donation_id.clone()),
        EventChange::Expire { donation_id }
        | EventChange::EndSubscription { donation_id, .. }
        | EventChange::SubscriptionState { donation_id, .. } => Some(donation_id.clone()),
        EventChange::Exception(exception) => exception.donation_id().map(str::to_string),
        EventChange::ToPayment(change) => {
            let key = match change {
                PaymentChange::Link { invoice_id, .. } => invoice_id,
                PaymentChange::Refund {
                    payment_intent_id, ..
                }
                | PaymentChange::Dispute {
                    payment_intent_id, ..
                } => payment_intent_id,
            };
            let row: Option<(String,)> =
                sqlx::query_as(&format!("{BY_PAYMENT_INTENT_DONATION} LIMIT 1"))
                    .bind(key)
                    .fetch_optional(&mut **tx)
                    .await?;
            row.map(|(donation_id,)| donation_id)
        }
        EventChange::Nothing => None,
    };
    if let Some(donation_id) = known {
        sqlx::query("UPDATE provider_events SET donation_id = $1 WHERE event_id = $2")
            .bind(donation_id)
            .bind(event_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

const BY_PAYMENT_INTENT_DONATION: &str =
    "SELECT donation_id FROM payments WHERE payment_intent_id = $1 OR source_id = $1";

/// Inside a transaction: applies a change to the payment it names. `None` when no such payment
/// is recorded (yet).
///
/// The update runs before any read: on SQLite the first write takes the write lock (waiting
/// for it if need be), whereas a transaction that read first and then writes fails at once
/// with "database is locked" if another connection wrote in between.
async fn apply_payment_change(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    change: &PaymentChange,
) -> Result<Option<bool>, DbError> {
    // A payment is named by its payment intent; a one-off's is also its source id.
    let (changed, named) = match change {
        PaymentChange::Link {
            invoice_id,
            payment_intent_id,
        } => {
            let changed = sqlx::query(
                "UPDATE payments SET payment_intent_id = $1 \
                 WHERE source_id = $2 AND payment_intent_id IS NULL",
            )
            .bind(payment_intent_id)
            .bind(invoice_id)
            .execute(&mut **tx)
            .await?
            .rows_affected()
                > 0;
            (
                changed,
                ("SELECT id FROM payments WHERE source_id = $1", invoice_id),
            )
        }
        PaymentChange::Refund {
            payment_intent_id,
            refunded_minor,
        } => {
            // Refund events carry the running total refunded; only a larger one counts.
            let changed = sqlx::query(
                "UPDATE payments SET refunded_minor = $1 \
                 WHERE (payment_intent_id = $2 OR source_id = $2) \
                 AND refunded_minor < $1 AND amount_minor >= $1",
            )
            .bind(to_column(*refunded_minor))
            .bind(payment_intent_id)
            .execute(&mut **tx)
            .await?
            .rows_affected()
                > 0;
            (changed, (BY_PAYMENT_INTENT, payment_intent_id))
        }
        PaymentChange::Dispute {
            payment_intent_id,
            dispute_id,
            amount_minor,
            state,
        } => {
            // Open takes the money off the total; won gives it back; lost keeps it off. A
            // dispute already closed is not reopened by a late "created".
            let (disputed, guard) = match state {
                DisputeState::Open => (
                    to_column(*amount_minor),
                    "AND (dispute_id IS NULL OR dispute_id <> $3 OR dispute_status = 'open')",
                ),
                DisputeState::Won => (0, ""),
                DisputeState::Lost => (to_column(*amount_minor), ""),
            };
            let sql = format!(
                "UPDATE payments SET disputed_minor = $1, dispute_status = $2, dispute_id = $3 \
                 WHERE (payment_intent_id = $4 OR source_id = $4) \
                 AND NOT (dispute_id = $3 AND dispute_status = $2 AND disputed_minor = $1) {guard}"
            );
            let changed = sqlx::query(&sql)
                .bind(disputed)
                .bind(state.as_str())
                .bind(dispute_id)
                .bind(payment_intent_id)
                .execute(&mut **tx)
                .await?
                .rows_affected()
                > 0;
            (changed, (BY_PAYMENT_INTENT, payment_intent_id))
        }
    };
    if changed {
        // What the payment is worth changed: its receipt is voided and reissued.
        let reason = match change {
            PaymentChange::Refund { .. } => Some("refund"),
            PaymentChange::Dispute { .. } => Some("dispute"),
            PaymentChange::Link { .. } => None,
        };
        if let Some(reason) = reason {
            super::tax_receipts::reissue_receipts(
                tx,
                named.1,
                reason,
                sharecare_domain::time::Timestamp::now().as_millis(),
            )
            .await?;
        }
        return Ok(Some(true));
    }
    let (sql, key) = named;
    Ok(exists(tx, sql, key).await?.then_some(false))
}

const BY_PAYMENT_INTENT: &str =
    "SELECT id FROM payments WHERE payment_intent_id = $1 OR source_id = $1";

async fn exists(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    sql: &str,
    value: &str,
) -> Result<bool, DbError> {
    let row: Option<(String,)> = sqlx::query_as(sql)
        .bind(value)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(row.is_some())
}

/// Inside a transaction: one exception row per event, and the donation (if any) marked for
/// staff (its first reason kept).
async fn record_exception(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    event_id: &str,
    exception: &NewException,
) -> Result<(), DbError> {
    let expected = exception.expected.as_ref();
    sqlx::query(
        "INSERT INTO payment_exceptions (id, event_id, donation_id, kind, expected_minor, \
         expected_currency, received_minor, received_currency, source_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (event_id) DO NOTHING",
    )
    .bind(&exception.id)
    .bind(event_id)
    .bind(expected.map(|expected| expected.donation_id.clone()))
    .bind(exception.kind)
    .bind(expected.map(|expected| to_column(expected.amount.minor)))
    .bind(expected.map(|expected| expected.amount.currency.code()))
    .bind(exception.received_minor)
    .bind(&exception.received_currency)
    .bind(&exception.source_id)
    .bind(exception.created_at)
    .execute(&mut **tx)
    .await?;
    let Some(expected) = expected else {
        return Ok(());
    };
    sqlx::query("UPDATE donations SET flag = COALESCE(flag, $1) WHERE id = $2")
        .bind(format!(
            "payment of {} {} does not match the donation's {} {}",
            exception
                .received_minor
                .map_or("?".to_string(), |minor| minor.to_string()),
            exception.received_currency.as_deref().unwrap_or("?"),
            expected.amount.minor,
            expected.amount.currency.code(),
        ))
        .bind(&expected.donation_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

//! Inside a transaction, the parts of applying an event: a subscription's state, the donor's
//! requests it fulfils, the event's link to its donation, a change to a payment, and an
//! exception for staff.

use super::change::{EventChange, NewException, PaymentChange};
use crate::{to_column, DbError};
use sharecare_domain::changes::{ChangeKind, ChangeNotice};
use sharecare_domain::dispute::DisputeState;
use sharecare_domain::time::Timestamp;

/// Inside a transaction: a monthly gift's subscription state, as the provider confirmed it
/// `as_of` then. Returns whether anything about the gift changed: nothing does when a later
/// state was applied already (a delayed `customer.subscription.updated` must not move a gift
/// back to an old amount or pause).
pub(super) async fn apply_subscription_state(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    donation_id: &str,
    amount_minor: Option<u64>,
    paused_until: Option<Timestamp>,
    next_charge_at: Option<Timestamp>,
    as_of: Timestamp,
    now: Timestamp,
) -> Result<bool, DbError> {
    // The watermark first (a write, for SQLite's lock): a state as new as the last applied
    // (the same second) or newer moves it and is applied; an older one is not.
    let current = sqlx::query(
        "UPDATE donations SET subscription_state_at = $1 WHERE id = $2 \
         AND COALESCE(subscription_state_at, $1) <= $1",
    )
    .bind(as_of)
    .bind(donation_id)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1;
    if !current {
        return Ok(false);
    }
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
                .filter(|next| detail_number == Some(next.as_millis()))
                .map(|next| ChangeNotice::Day { next }),
            ChangeKind::Cancel | ChangeKind::Card => None,
        }
    })
    .await?;
    Ok(changed)
}

/// Inside a transaction: the donor's pending requests on a gift that `fulfilled` says the new
/// state carries out are confirmed, each queueing its confirmation email.
pub(super) async fn confirm_requests(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    donation_id: &str,
    now: Timestamp,
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
pub(super) async fn link_event_to_donation(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    event_id: &str,
    change: &EventChange,
) -> Result<(), DbError> {
    let known = match change {
        EventChange::Payment(payment) => Some(payment.donation_id.clone()),
        EventChange::Expire { donation_id, .. }
        | EventChange::Fail { donation_id }
        | EventChange::EndSubscription { donation_id, .. }
        | EventChange::SubscriptionState { donation_id, .. } => Some(donation_id.clone()),
        EventChange::Exception(exception) => exception.donation_id().map(str::to_string),
        EventChange::ToPayment(change) => {
            let key = match change {
                PaymentChange::Link { invoice_id, .. } => invoice_id,
                PaymentChange::Refund {
                    payment_intent_id, ..
                }
                | PaymentChange::RefundFailed {
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
pub(super) async fn apply_payment_change(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    change: &PaymentChange,
) -> Result<Option<bool>, DbError> {
    // A payment is named by its payment intent; a one-off's is also its source id.
    // What changed, whether that moved money (its receipt is then reissued), and how to find
    // the payment when nothing did.
    let (changed, moved_money, named) = match change {
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
                false,
                ("SELECT id FROM payments WHERE source_id = $1", invoice_id),
            )
        }
        PaymentChange::Refund {
            payment_intent_id,
            refunded_minor,
            reported_at,
        } => {
            // Refund events carry the charge's running total refunded. The latest report
            // stands (a refund that failed since makes the total smaller); one of unknown
            // time, or as old as the one kept, counts only if larger.
            let reported = sqlx::query(
                "UPDATE payments SET charge_refunded_minor = $1, \
                 charge_refunded_at = COALESCE($3, charge_refunded_at) \
                 WHERE (payment_intent_id = $2 OR source_id = $2) AND amount_minor >= $1 \
                 AND ((charge_refunded_at IS NULL OR $4 = 1) AND charge_refunded_minor < $1 \
                   OR charge_refunded_at IS NOT NULL AND $4 = 0 \
                   AND ($5 > charge_refunded_at \
                     OR $5 = charge_refunded_at AND charge_refunded_minor < $1))",
            )
            .bind(to_column(*refunded_minor))
            .bind(payment_intent_id)
            .bind(*reported_at)
            .bind(i64::from(reported_at.is_none()))
            .bind(reported_at.unwrap_or(Timestamp::EPOCH))
            .execute(&mut **tx)
            .await?
            .rows_affected()
                > 0;
            let changed = reported && settle_refunded(tx, payment_intent_id).await?;
            (changed, changed, (BY_PAYMENT_INTENT, payment_intent_id))
        }
        PaymentChange::RefundFailed {
            payment_intent_id,
            refund_id,
            amount_minor,
            failed_at,
        } => {
            // `refund.failed` and `refund.updated` both report a failure: it counts once.
            let new_failure = sqlx::query(
                "INSERT INTO failed_refunds (refund_id, payment_id, amount_minor, failed_at) \
                 SELECT $1, id, $2, $3 FROM payments \
                 WHERE payment_intent_id = $4 OR source_id = $4 LIMIT 1 \
                 ON CONFLICT (refund_id) DO NOTHING",
            )
            .bind(refund_id)
            .bind(to_column(*amount_minor))
            .bind(*failed_at)
            .bind(payment_intent_id)
            .execute(&mut **tx)
            .await?
            .rows_affected()
                > 0;
            let changed = new_failure && settle_refunded(tx, payment_intent_id).await?;
            (changed, changed, (BY_PAYMENT_INTENT, payment_intent_id))
        }
        PaymentChange::Dispute {
            payment_intent_id,
            dispute_id,
            amount_minor,
            state,
        } => {
            // A dispute's stage only moves forward (see `DisputeState::stage`): an event about
            // an earlier stage of the same dispute, arriving late, changes nothing. Money is
            // held back only while a chargeback has withdrawn it, and for good when it is lost;
            // an inquiry moves none, so the gift keeps counting and its receipt stands.
            let not_behind = format!(
                "(dispute_id IS NULL OR dispute_id <> $3 OR {} <= $4)",
                stored_stage()
            );
            let moved = sqlx::query(&format!(
                "UPDATE payments SET disputed_minor = $1 \
                 WHERE (payment_intent_id = $2 OR source_id = $2) AND disputed_minor <> $1 \
                 AND {not_behind}"
            ))
            .bind(to_column(state.withheld(*amount_minor)))
            .bind(payment_intent_id)
            .bind(dispute_id)
            .bind(state.stage())
            .execute(&mut **tx)
            .await?
            .rows_affected()
                > 0;
            let staged = sqlx::query(&format!(
                "UPDATE payments SET dispute_status = $1, dispute_id = $3 \
                 WHERE (payment_intent_id = $2 OR source_id = $2) \
                 AND NOT (COALESCE(dispute_id, '') = $3 AND COALESCE(dispute_status, '') = $1) \
                 AND {not_behind}"
            ))
            .bind(state.as_str())
            .bind(payment_intent_id)
            .bind(dispute_id)
            .bind(state.stage())
            .execute(&mut **tx)
            .await?
            .rows_affected()
                > 0;
            (
                moved || staged,
                moved,
                (BY_PAYMENT_INTENT, payment_intent_id),
            )
        }
    };
    if moved_money {
        // What the payment is worth changed: its receipt is voided and reissued.
        // (A link moves no money.)
        let reason = match change {
            PaymentChange::Refund { .. } => "refund",
            PaymentChange::RefundFailed { .. } => "refund failed",
            PaymentChange::Dispute { .. } | PaymentChange::Link { .. } => "dispute",
        };
        crate::tax_receipts::reissue_receipts(tx, named.1, reason, Timestamp::now()).await?;
    }
    if changed {
        return Ok(Some(true));
    }
    let (sql, key) = named;
    Ok(exists(tx, sql, key).await?.then_some(false))
}

const BY_PAYMENT_INTENT: &str =
    "SELECT id FROM payments WHERE payment_intent_id = $1 OR source_id = $1";

/// Inside a transaction: what a card payment has refunded is the charge's latest reported
/// total less the refunds that failed after that report (never below nothing), so refund
/// events and failures give the same result in any order. Returns whether it moved.
async fn settle_refunded(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    payment_intent_id: &str,
) -> Result<bool, DbError> {
    const FAILED_SINCE: &str = "(SELECT CAST(COALESCE(SUM(f.amount_minor), 0) AS BIGINT) \
        FROM failed_refunds f WHERE f.payment_id = payments.id \
        AND f.failed_at > COALESCE(payments.charge_refunded_at, -1))";
    let settled = format!(
        "CASE WHEN charge_refunded_minor > {FAILED_SINCE} \
         THEN charge_refunded_minor - {FAILED_SINCE} ELSE 0 END"
    );
    Ok(sqlx::query(&format!(
        "UPDATE payments SET refunded_minor = {settled} \
         WHERE (payment_intent_id = $1 OR source_id = $1) AND refunded_minor <> {settled}"
    ))
    .bind(payment_intent_id)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        > 0)
}

/// SQL for the stage of the dispute a payment has stored, as `DisputeState::stage` numbers it
/// (0 for none).
fn stored_stage() -> String {
    let cases: String = DisputeState::ALL
        .into_iter()
        .map(|state| format!("WHEN '{}' THEN {} ", state.as_str(), state.stage()))
        .collect();
    format!("CASE dispute_status {cases}ELSE 0 END")
}

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
pub(super) async fn record_exception(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    event_id: &str,
    exception: &NewException,
) -> Result<(), DbError> {
    let expected = exception.expected.as_ref();
    sqlx::query(
        "INSERT INTO payment_exceptions (id, event_id, donation_id, kind, expected_minor, \
         expected_currency, received_minor, received_currency, source_id, created_at, paid_at, \
         payment_intent_id, subscription_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (event_id) DO NOTHING",
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
    .bind(exception.paid_at)
    .bind(&exception.payment_intent_id)
    .bind(&exception.subscription_id)
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

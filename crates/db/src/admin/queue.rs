//! The exceptions queue: everything that needs a person, read from the tables where it arises,
//! and its resolutions.

use crate::audit::{write_audit, AuditEntry};
use crate::{Database, DbError};
use sharecare_domain::admin::QueueKind;
use sharecare_domain::dispute::DisputeState;
use sharecare_domain::time::Timestamp;

/// One thing a person must look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueItem {
    pub kind: QueueKind,
    pub id: String,
    pub donation_id: Option<String>,
    pub reference: Option<String>,
    /// When it arose.
    pub at: Timestamp,
    /// What it is about, for staff: the exception's kind and amounts, the error, the event.
    pub detail: String,
    pub amount_minor: Option<i64>,
    /// The bank statement it is on (a statement line).
    pub import_id: Option<String>,
}

/// A payment exception, as the queue reads it.
#[derive(sqlx::FromRow)]
struct ExceptionRow {
    id: String,
    donation_id: Option<String>,
    reference: Option<String>,
    created_at: Timestamp,
    kind: String,
    /// What was received: amount and currency.
    received_minor: Option<i64>,
    received_currency: Option<String>,
    /// What was expected.
    expected_minor: Option<i64>,
    /// The provider's id for the payment.
    source_id: Option<String>,
}

impl From<ExceptionRow> for QueueItem {
    fn from(row: ExceptionRow) -> QueueItem {
        QueueItem {
            kind: QueueKind::Exception,
            id: row.id,
            donation_id: row.donation_id,
            reference: row.reference,
            at: row.created_at,
            detail: format!(
                "{}: received {} {}, expected {}{}",
                row.kind,
                row.received_minor
                    .map_or("?".into(), |minor| minor.to_string()),
                row.received_currency.unwrap_or_default(),
                row.expected_minor
                    .map_or("nothing".into(), |minor| minor.to_string()),
                row.source_id
                    .map(|source| format!(" ({source})"))
                    .unwrap_or_default(),
            ),
            amount_minor: row.received_minor,
            import_id: None,
        }
    }
}

/// A dispute on a payment that staff must answer: an inquiry or a chargeback.
#[derive(sqlx::FromRow)]
struct DisputeRow {
    id: String,
    donation_id: String,
    reference: String,
    paid_at: Timestamp,
    dispute_id: Option<String>,
    dispute_status: String,
    disputed_minor: i64,
}

impl From<DisputeRow> for QueueItem {
    fn from(row: DisputeRow) -> QueueItem {
        QueueItem {
            kind: QueueKind::Dispute,
            id: row.id,
            donation_id: Some(row.donation_id),
            reference: Some(row.reference),
            at: row.paid_at,
            // "inquiry: dp_…" (nothing withheld) or "open: dp_…" (the amount withheld).
            detail: format!(
                "{}: {}",
                row.dispute_status,
                row.dispute_id.unwrap_or_default()
            ),
            amount_minor: Some(row.disputed_minor),
            import_id: None,
        }
    }
}

/// A receipt parked after its last failed try.
#[derive(sqlx::FromRow)]
struct ParkedReceiptRow {
    id: String,
    donation_id: String,
    reference: String,
    failed_at: Timestamp,
    last_error: Option<String>,
    attempts: i64,
}

impl From<ParkedReceiptRow> for QueueItem {
    fn from(row: ParkedReceiptRow) -> QueueItem {
        QueueItem {
            kind: QueueKind::Receipt,
            id: row.id,
            donation_id: Some(row.donation_id),
            reference: Some(row.reference),
            at: row.failed_at,
            detail: format!(
                "{} attempts: {}",
                row.attempts,
                row.last_error.unwrap_or_default()
            ),
            amount_minor: None,
            import_id: None,
        }
    }
}

/// A provider event waiting for its payment.
#[derive(sqlx::FromRow)]
struct WaitingEventRow {
    event_id: String,
    event_type: String,
    received_at: Timestamp,
    change: String,
}

impl From<WaitingEventRow> for QueueItem {
    fn from(row: WaitingEventRow) -> QueueItem {
        QueueItem {
            kind: QueueKind::WaitingEvent,
            id: row.event_id,
            donation_id: None,
            reference: None,
            at: row.received_at,
            detail: format!("{}: {}", row.event_type, row.change),
            amount_minor: None,
            import_id: None,
        }
    }
}

/// A donor's message, as the queue reads it.
#[derive(sqlx::FromRow)]
struct DonorMessageRow {
    id: String,
    donation_id: Option<String>,
    reference: Option<String>,
    created_at: Timestamp,
    message: String,
}

impl From<DonorMessageRow> for QueueItem {
    fn from(row: DonorMessageRow) -> QueueItem {
        QueueItem {
            kind: QueueKind::DonorMessage,
            id: row.id,
            donation_id: row.donation_id,
            reference: row.reference,
            at: row.created_at,
            detail: row.message,
            amount_minor: None,
            import_id: None,
        }
    }
}

/// Money in on a statement that no one dealt with.
#[derive(sqlx::FromRow)]
struct OpenLineRow {
    id: String,
    import_id: String,
    uploaded_at: Timestamp,
    booked_on: String,
    description: String,
    amount_minor: i64,
    file_name: String,
}

impl From<OpenLineRow> for QueueItem {
    fn from(row: OpenLineRow) -> QueueItem {
        QueueItem {
            kind: QueueKind::StatementLine,
            id: row.id,
            donation_id: None,
            reference: None,
            at: row.uploaded_at,
            detail: format!("{} {} ({})", row.booked_on, row.description, row.file_name),
            amount_minor: Some(row.amount_minor),
            import_id: Some(row.import_id),
        }
    }
}

/// A monthly gift's second offline payment in a month.
#[derive(sqlx::FromRow)]
struct SecondPaymentRow {
    id: String,
    donation_id: String,
    reference: String,
    paid_at: Timestamp,
    amount_minor: i64,
}

impl From<SecondPaymentRow> for QueueItem {
    fn from(row: SecondPaymentRow) -> QueueItem {
        QueueItem {
            kind: QueueKind::SecondPayment,
            id: row.id,
            donation_id: Some(row.donation_id),
            reference: Some(row.reference),
            at: row.paid_at,
            detail: format!(
                "second payment in {}",
                &row.paid_at.hong_kong_iso_date()[..7]
            ),
            amount_minor: Some(row.amount_minor),
            import_id: None,
        }
    }
}

impl Database {
    /// Everything in the exceptions queue that no one has resolved, oldest first.
    pub async fn exceptions_queue(&self) -> Result<Vec<QueueItem>, DbError> {
        let mut items: Vec<QueueItem> = Vec::new();
        let exceptions: Vec<ExceptionRow> = sqlx::query_as(
            "SELECT e.id, e.donation_id, d.reference, e.created_at, e.kind, e.received_minor, \
                 e.received_currency, e.expected_minor, e.source_id FROM payment_exceptions e \
                 LEFT JOIN donations d ON d.id = e.donation_id WHERE e.resolved_at IS NULL",
        )
        .fetch_all(&self.pool)
        .await?;
        items.extend(exceptions.into_iter().map(QueueItem::from));
        let awaiting_staff: Vec<String> = DisputeState::ALL
            .into_iter()
            .filter(|state| state.needs_staff())
            .map(|state| format!("'{}'", state.as_str()))
            .collect();
        let disputes: Vec<DisputeRow> = sqlx::query_as(&format!(
            "SELECT p.id, p.donation_id, d.reference, p.paid_at, p.dispute_id, p.dispute_status, \
             p.disputed_minor FROM payments p JOIN donations d ON d.id = p.donation_id \
             WHERE p.dispute_status IN ({}) AND NOT EXISTS (SELECT 1 FROM staff_resolutions r \
             WHERE r.kind = 'dispute' AND r.item_id = p.id)",
            awaiting_staff.join(", ")
        ))
        .fetch_all(&self.pool)
        .await?;
        items.extend(disputes.into_iter().map(QueueItem::from));
        let receipts: Vec<ParkedReceiptRow> = sqlx::query_as(
            "SELECT o.id, o.donation_id, d.reference, o.failed_at, o.last_error, o.attempts \
             FROM outbox o JOIN donations d ON d.id = o.donation_id \
             WHERE o.failed_at IS NOT NULL AND o.sent_at IS NULL AND NOT EXISTS \
             (SELECT 1 FROM staff_resolutions r WHERE r.kind = 'receipt' AND r.item_id = o.id)",
        )
        .fetch_all(&self.pool)
        .await?;
        items.extend(receipts.into_iter().map(QueueItem::from));
        let waiting: Vec<WaitingEventRow> = sqlx::query_as(
            "SELECT u.event_id, u.event_type, u.received_at, u.change FROM unmatched_events u \
             WHERE u.applied_at IS NULL AND NOT EXISTS (SELECT 1 FROM staff_resolutions r \
             WHERE r.kind = 'waiting_event' AND r.item_id = u.event_id)",
        )
        .fetch_all(&self.pool)
        .await?;
        items.extend(waiting.into_iter().map(QueueItem::from));
        let messages: Vec<DonorMessageRow> = sqlx::query_as(
            "SELECT m.id, m.donation_id, d.reference, m.created_at, m.message FROM donor_messages m \
             LEFT JOIN donations d ON d.id = m.donation_id WHERE NOT EXISTS \
             (SELECT 1 FROM staff_resolutions r WHERE r.kind = 'donor_message' AND r.item_id = m.id)",
        )
        .fetch_all(&self.pool)
        .await?;
        items.extend(messages.into_iter().map(QueueItem::from));
        let lines: Vec<OpenLineRow> = sqlx::query_as(
            "SELECT l.id, l.import_id, i.uploaded_at, l.booked_on, l.description, l.amount_minor, \
             i.file_name FROM statement_lines l JOIN statement_imports i ON i.id = l.import_id \
             WHERE l.amount_minor > 0 AND l.payment_id IS NULL AND l.ignored_at IS NULL",
        )
        .fetch_all(&self.pool)
        .await?;
        items.extend(lines.into_iter().map(QueueItem::from));
        let seconds: Vec<SecondPaymentRow> = sqlx::query_as(
            "SELECT p.id, p.donation_id, d.reference, p.paid_at, p.amount_minor FROM payments p \
             JOIN donations d ON d.id = p.donation_id WHERE p.flag = 'second_in_month' \
             AND p.voided_at IS NULL AND NOT EXISTS (SELECT 1 FROM staff_resolutions r \
             WHERE r.kind = 'second_payment' AND r.item_id = p.id)",
        )
        .fetch_all(&self.pool)
        .await?;
        items.extend(seconds.into_iter().map(QueueItem::from));
        items.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
        Ok(items)
    }
    /// Marks a queue item dealt with, with staff's note; `false` if it was already.
    pub async fn resolve_queue_item(
        &self,
        kind: QueueKind,
        id: &str,
        note: &str,
        now: Timestamp,
        audit: &AuditEntry,
    ) -> Result<bool, DbError> {
        let mut tx = self.pool.begin().await?;
        let changed = match kind {
            QueueKind::Exception => sqlx::query(
                "UPDATE payment_exceptions SET resolved_at = $1, note = $2 \
                 WHERE id = $3 AND resolved_at IS NULL",
            )
            .bind(now)
            .bind(note)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected(),
            // Dealt with from the queue: set aside with staff's note in the audit log.
            QueueKind::StatementLine => {
                crate::statements::set_line_aside(&mut tx, id, &audit.actor.email, now).await?
            }
            _ => sqlx::query(
                "INSERT INTO staff_resolutions (kind, item_id, note, resolved_by, resolved_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kind, item_id) DO NOTHING",
            )
            .bind(kind.as_str())
            .bind(id)
            .bind(note)
            .bind(&audit.actor.email)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected(),
        } == 1;
        if changed {
            write_audit(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// Sends a parked receipt again from now, its tries counted afresh (the donor's address
    /// was corrected, the mail server fixed). `false` if it is not parked.
    pub async fn retry_parked_receipt(
        &self,
        id: &str,
        now: Timestamp,
        audit: &AuditEntry,
    ) -> Result<bool, DbError> {
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query(
            "UPDATE outbox SET failed_at = NULL, attempts = 0, next_attempt_at = $1, \
             claim = NULL, claimed_until = NULL WHERE id = $2 AND failed_at IS NOT NULL \
             AND sent_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if changed {
            write_audit(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }
}

//! What staff read and do in the admin: donations filtered, sorted and paged (and streamed for
//! export), one donation's whole history, the exceptions queue and its resolutions, payments
//! staff confirm, refunds staff request, and the figures on the dashboard.
//!
//! Filters build their SQL from fixed fragments; every value typed by staff is a bound
//! parameter.

use tokio::sync::mpsc;

use super::audit::{write_audit, AuditEntry};
use super::donations::{DonationRow, DONATION_COLUMNS};
use super::payments::{record_payment, NewPayment, NET};
use super::{non_negative, to_column, Database, DbError, UnreadableRow};
use sharecare_domain::donation::{Donation, Frequency, PaymentMethod};
use sharecare_domain::status::DonationStatus;

/// Which donations staff are looking at. Every field narrows the set; `None` leaves it open.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DonationFilter {
    pub status: Option<DonationStatus>,
    pub method: Option<PaymentMethod>,
    pub frequency: Option<Frequency>,
    /// Made at or after (Unix ms).
    pub from: Option<i64>,
    /// Made before (Unix ms).
    pub until: Option<i64>,
    /// Part of the reference, the email or the donor's name, any case.
    pub text: Option<String>,
}

/// Columns the table sorts by (a closed list: never a column name from input).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortBy {
    #[default]
    Date,
    Reference,
    Amount,
    Status,
    Email,
}

impl SortBy {
    pub const ALL: [SortBy; 5] = [
        SortBy::Date,
        SortBy::Reference,
        SortBy::Amount,
        SortBy::Status,
        SortBy::Email,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SortBy::Date => "date",
            SortBy::Reference => "reference",
            SortBy::Amount => "amount",
            SortBy::Status => "status",
            SortBy::Email => "email",
        }
    }

    pub fn parse(value: &str) -> Option<SortBy> {
        SortBy::ALL.into_iter().find(|sort| sort.as_str() == value)
    }

    fn column(self) -> &'static str {
        match self {
            SortBy::Date => "d.created_at",
            SortBy::Reference => "d.reference",
            SortBy::Amount => "d.amount_minor",
            SortBy::Status => "d.status",
            SortBy::Email => "d.email_key",
        }
    }
}

/// A donation as the admin table shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminDonation {
    pub donation: Donation,
    /// The story its referral link was for, if it came through one.
    pub story: Option<String>,
}

#[derive(sqlx::FromRow)]
struct AdminDonationRow {
    #[sqlx(flatten)]
    donation: DonationRow,
    story_slug: Option<String>,
}

impl TryFrom<AdminDonationRow> for AdminDonation {
    type Error = UnreadableRow;

    fn try_from(row: AdminDonationRow) -> Result<AdminDonation, UnreadableRow> {
        Ok(AdminDonation {
            donation: Donation::try_from(row.donation)?,
            story: row.story_slug,
        })
    }
}

/// The filtered set's size and money.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FilteredTotals {
    pub count: u64,
    /// What the donations pledged.
    pub pledged_minor: u64,
    /// What their payments brought in, less refunds and disputes.
    pub received_minor: u64,
}

/// One value bound into a built query.
#[derive(Debug, Clone)]
enum Bound {
    Text(String),
    Int(i64),
}

/// A query built from fixed fragments and bound values.
#[derive(Debug, Default)]
struct Built {
    sql: String,
    values: Vec<Bound>,
}

impl Built {
    /// A placeholder for `value`.
    fn bind(&mut self, value: Bound) -> String {
        self.values.push(value);
        format!("${}", self.values.len())
    }

    fn query_as<'q, T>(
        &'q self,
    ) -> sqlx::query::QueryAs<'q, sqlx::Any, T, sqlx::any::AnyArguments<'q>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        let mut query = sqlx::query_as(&self.sql);
        for value in &self.values {
            query = match value {
                Bound::Text(text) => query.bind(text.clone()),
                Bound::Int(number) => query.bind(*number),
            };
        }
        query
    }
}

/// `d.`-prefixed donation columns, for queries that join other tables.
fn donation_columns() -> String {
    DONATION_COLUMNS
        .split(',')
        .map(|column| format!("d.{}", column.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `LIKE` pattern for "contains `text`", with the pattern characters escaped.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// ` WHERE ...` for `filter` (donations as `d`), binding its values into `built`.
fn where_clause(filter: &DonationFilter, built: &mut Built) -> String {
    let mut conditions = vec!["1 = 1".to_string()];
    if let Some(status) = filter.status {
        let p = built.bind(Bound::Text(status.as_str().into()));
        conditions.push(format!("d.status = {p}"));
    }
    if let Some(method) = filter.method {
        let p = built.bind(Bound::Text(method.as_str().into()));
        conditions.push(format!("d.payment_method = {p}"));
    }
    if let Some(frequency) = filter.frequency {
        let p = built.bind(Bound::Text(frequency.as_str().into()));
        conditions.push(format!("d.frequency = {p}"));
    }
    if let Some(from) = filter.from {
        let p = built.bind(Bound::Int(from));
        conditions.push(format!("d.created_at >= {p}"));
    }
    if let Some(until) = filter.until {
        let p = built.bind(Bound::Int(until));
        conditions.push(format!("d.created_at < {p}"));
    }
    if let Some(text) = filter
        .text
        .as_deref()
        .filter(|text| !text.trim().is_empty())
    {
        let p = built.bind(Bound::Text(contains_pattern(text)));
        conditions.push(format!(
            "(LOWER(d.reference) LIKE {p} ESCAPE '\\' OR d.email_key LIKE {p} ESCAPE '\\' \
             OR LOWER(COALESCE(d.donor_name, '')) LIKE {p} ESCAPE '\\')"
        ));
    }
    format!(" WHERE {}", conditions.join(" AND "))
}

/// A payment exception as the queue reads it: id, donation id and reference, when, kind,
/// what was received (amount, currency), what was expected, and the provider's id.
type ExceptionRow = (
    String,
    Option<String>,
    Option<String>,
    i64,
    String,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<String>,
);

/// One thing a person must look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueItem {
    pub kind: QueueKind,
    pub id: String,
    pub donation_id: Option<String>,
    pub reference: Option<String>,
    /// Unix ms: when it arose.
    pub at: i64,
    /// What it is about, for staff: the exception's kind and amounts, the error, the event.
    pub detail: String,
    pub amount_minor: Option<i64>,
}

/// A donor's message, as the queue reads it.
#[derive(sqlx::FromRow)]
struct DonorMessageRow {
    id: String,
    donation_id: Option<String>,
    reference: Option<String>,
    created_at: i64,
    message: String,
}

/// The kinds of things in the exceptions queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueueKind {
    /// A payment that did not match its donation, or named none of ours.
    Exception,
    /// A payment disputed by the card holder, still open.
    Dispute,
    /// A receipt that could not be delivered and was parked.
    Receipt,
    /// A provider event still waiting for its payment.
    WaitingEvent,
    /// A donor's message from My gifts (a standing order stopped or changed, a question).
    DonorMessage,
}

impl QueueKind {
    pub const ALL: [QueueKind; 5] = [
        QueueKind::Exception,
        QueueKind::Dispute,
        QueueKind::Receipt,
        QueueKind::WaitingEvent,
        QueueKind::DonorMessage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QueueKind::Exception => "exception",
            QueueKind::Dispute => "dispute",
            QueueKind::Receipt => "receipt",
            QueueKind::WaitingEvent => "waiting_event",
            QueueKind::DonorMessage => "donor_message",
        }
    }

    pub fn parse(value: &str) -> Option<QueueKind> {
        QueueKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == value)
    }
}

/// A provider event in a donation's history.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EventRecord {
    pub event_id: String,
    pub provider: String,
    pub event_type: String,
    pub received_at: i64,
}

/// A receipt in a donation's history.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReceiptRecord {
    pub id: String,
    pub created_at: i64,
    pub attempts: i64,
    pub sent_at: Option<i64>,
    pub logged_at: Option<i64>,
    pub failed_at: Option<i64>,
    pub last_error: Option<String>,
}

/// A refund staff asked the provider for.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RefundRequestRecord {
    pub id: String,
    pub payment_id: String,
    pub amount_minor: i64,
    pub requested_by: String,
    pub requested_at: i64,
    pub provider_refund_id: Option<String>,
    pub error: Option<String>,
}

/// A refund about to be asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRefundRequest {
    pub id: String,
    pub donation_id: String,
    pub payment_id: String,
    pub amount_minor: u64,
    pub requested_by: String,
    pub requested_at: i64,
}

/// Money in one bucket of a figure (a day, a method, a story...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    pub key: String,
    pub amount_minor: u64,
    pub gifts: u64,
}

/// Donors who gave once, and donors who gave more than once (paid gifts, by email).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DonorLoyalty {
    pub once: u64,
    pub repeat: u64,
}

fn buckets(rows: Vec<(String, i64, i64)>, table: &'static str) -> Result<Vec<Bucket>, DbError> {
    rows.into_iter()
        .map(|(key, amount, gifts)| {
            Ok(Bucket {
                key,
                amount_minor: non_negative(table, "amount", amount.max(0))?,
                gifts: non_negative(table, "gifts", gifts)?,
            })
        })
        .collect()
}

impl Database {
    /// A page of the filtered donations, sorted; `page` counts from 0.
    pub async fn admin_donations(
        &self,
        filter: &DonationFilter,
        sort: SortBy,
        descending: bool,
        page: u32,
        per_page: u32,
    ) -> Result<Vec<AdminDonation>, DbError> {
        let mut built = Built::default();
        let condition = where_clause(filter, &mut built);
        let limit = built.bind(Bound::Int(i64::from(per_page)));
        let offset = built.bind(Bound::Int(i64::from(page) * i64::from(per_page)));
        built.sql = format!(
            "SELECT {}, r.story_slug FROM donations d \
             LEFT JOIN referral_codes r ON r.code = d.referral_code{condition} \
             ORDER BY {} {}, d.id LIMIT {limit} OFFSET {offset}",
            donation_columns(),
            sort.column(),
            if descending { "DESC" } else { "ASC" },
        );
        let rows: Vec<AdminDonationRow> = built.query_as().fetch_all(&self.pool).await?;
        rows.into_iter()
            .map(|row| Ok(AdminDonation::try_from(row)?))
            .collect()
    }

    /// How many donations the filter finds, what they pledged and what was received for them.
    pub async fn admin_totals(&self, filter: &DonationFilter) -> Result<FilteredTotals, DbError> {
        let mut built = Built::default();
        let condition = where_clause(filter, &mut built);
        built.sql = format!(
            "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(d.amount_minor), 0) AS BIGINT), \
             CAST(COALESCE((SELECT SUM({NET}) FROM payments p WHERE p.donation_id IN \
             (SELECT d.id FROM donations d{condition})), 0) AS BIGINT) FROM donations d{condition}"
        );
        let (count, pledged, received): (i64, i64, i64) =
            built.query_as().fetch_one(&self.pool).await?;
        Ok(FilteredTotals {
            count: non_negative("donations", "count", count)?,
            pledged_minor: non_negative("donations", "amount_minor", pledged)?,
            received_minor: non_negative("payments", "amount_minor", received.max(0))?,
        })
    }

    /// Sends the filtered donations, newest first, one at a time into `rows`, until all are
    /// sent or the receiver goes away (a cancelled download). Memory stays flat whatever the
    /// number of rows: the database streams them and the channel holds a few.
    pub async fn send_donations(
        &self,
        filter: &DonationFilter,
        rows: mpsc::Sender<Result<AdminDonation, DbError>>,
    ) {
        use futures_util::TryStreamExt;
        let mut built = Built::default();
        let condition = where_clause(filter, &mut built);
        built.sql = format!(
            "SELECT {}, r.story_slug FROM donations d \
             LEFT JOIN referral_codes r ON r.code = d.referral_code{condition} \
             ORDER BY d.created_at DESC, d.id",
            donation_columns(),
        );
        let mut stream = built.query_as::<AdminDonationRow>().fetch(&self.pool);
        loop {
            let next = match stream.try_next().await {
                Ok(Some(row)) => AdminDonation::try_from(row).map_err(DbError::from),
                Ok(None) => return,
                Err(error) => Err(DbError::from(error)),
            };
            let failed = next.is_err();
            if rows.send(next).await.is_err() || failed {
                return;
            }
        }
    }

    /// The provider events about a donation, oldest first.
    pub async fn events_for_donation(
        &self,
        donation_id: &str,
    ) -> Result<Vec<EventRecord>, DbError> {
        Ok(sqlx::query_as(
            "SELECT event_id, provider, event_type, received_at FROM provider_events \
             WHERE donation_id = $1 ORDER BY received_at, event_id",
        )
        .bind(donation_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// A donation's receipts, oldest first.
    pub async fn receipts_for_donation(
        &self,
        donation_id: &str,
    ) -> Result<Vec<ReceiptRecord>, DbError> {
        Ok(sqlx::query_as(
            "SELECT id, created_at, attempts, sent_at, logged_at, failed_at, last_error \
             FROM outbox WHERE donation_id = $1 ORDER BY created_at, id",
        )
        .bind(donation_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The refunds staff asked for on a donation, oldest first.
    pub async fn refund_requests_for_donation(
        &self,
        donation_id: &str,
    ) -> Result<Vec<RefundRequestRecord>, DbError> {
        Ok(sqlx::query_as(
            "SELECT id, payment_id, amount_minor, requested_by, requested_at, \
             provider_refund_id, error FROM refund_requests WHERE donation_id = $1 \
             ORDER BY requested_at, id",
        )
        .bind(donation_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Records a payment staff confirmed (a transfer seen on the bank statement, or confirmed by
    /// hand), with its audit entry, at once. With a statement line, the line is marked as
    /// applied by this payment in the same transaction, and only if it was not applied (or set
    /// aside) before. Returns whether the payment was recorded.
    pub async fn record_staff_payment(
        &self,
        payment: &NewPayment,
        statement_line: Option<&str>,
        audit: &AuditEntry,
    ) -> Result<bool, DbError> {
        let mut tx = self.pool.begin().await?;
        if !record_payment(&mut tx, payment).await? {
            tx.rollback().await?;
            return Ok(false);
        }
        if let Some(line) = statement_line {
            let applied = sqlx::query(
                "UPDATE statement_lines SET payment_id = $1, donation_id = $2, handled_by = $3 \
                 WHERE id = $4 AND payment_id IS NULL AND ignored_at IS NULL",
            )
            .bind(&payment.id)
            .bind(&payment.donation_id)
            .bind(&audit.actor.email)
            .bind(line)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if !applied {
                tx.rollback().await?;
                return Ok(false);
            }
        }
        write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Stores a refund request once per id (a double submit of the form finds it); `false`
    /// when the id was already stored.
    pub async fn insert_refund_request(
        &self,
        request: &NewRefundRequest,
        audit: &AuditEntry,
    ) -> Result<bool, DbError> {
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO refund_requests (id, donation_id, payment_id, amount_minor, \
             requested_by, requested_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&request.id)
        .bind(&request.donation_id)
        .bind(&request.payment_id)
        .bind(to_column(request.amount_minor))
        .bind(&request.requested_by)
        .bind(request.requested_at)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if inserted {
            write_audit(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(inserted)
    }

    /// What the provider answered a refund request.
    pub async fn set_refund_result(
        &self,
        id: &str,
        provider_refund_id: Option<&str>,
        error: Option<&str>,
    ) -> Result<(), DbError> {
        sqlx::query("UPDATE refund_requests SET provider_refund_id = $1, error = $2 WHERE id = $3")
            .bind(provider_refund_id)
            .bind(error)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The refund request with this id, if stored.
    pub async fn refund_request(&self, id: &str) -> Result<Option<RefundRequestRecord>, DbError> {
        Ok(sqlx::query_as(
            "SELECT id, payment_id, amount_minor, requested_by, requested_at, \
             provider_refund_id, error FROM refund_requests WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Everything in the exceptions queue that no one has resolved, oldest first.
    pub async fn exceptions_queue(&self) -> Result<Vec<QueueItem>, DbError> {
        let mut items = Vec::new();
        let exceptions: Vec<ExceptionRow> = sqlx::query_as(
            "SELECT e.id, e.donation_id, d.reference, e.created_at, e.kind, e.received_minor, \
                 e.received_currency, e.expected_minor, e.source_id FROM payment_exceptions e \
                 LEFT JOIN donations d ON d.id = e.donation_id WHERE e.resolved_at IS NULL",
        )
        .fetch_all(&self.pool)
        .await?;
        for (id, donation_id, reference, at, kind, received, currency, expected, source) in
            exceptions
        {
            items.push(QueueItem {
                kind: QueueKind::Exception,
                id,
                donation_id,
                reference,
                at,
                detail: format!(
                    "{kind}: received {} {}, expected {}{}",
                    received.map_or("?".into(), |minor| minor.to_string()),
                    currency.unwrap_or_default(),
                    expected.map_or("nothing".into(), |minor| minor.to_string()),
                    source
                        .map(|source| format!(" ({source})"))
                        .unwrap_or_default(),
                ),
                amount_minor: received,
            });
        }
        let disputes: Vec<(String, String, String, i64, Option<String>, i64)> = sqlx::query_as(
            "SELECT p.id, p.donation_id, d.reference, p.paid_at, p.dispute_id, p.disputed_minor \
             FROM payments p JOIN donations d ON d.id = p.donation_id \
             WHERE p.dispute_status = 'open' AND NOT EXISTS (SELECT 1 FROM staff_resolutions r \
             WHERE r.kind = 'dispute' AND r.item_id = p.id)",
        )
        .fetch_all(&self.pool)
        .await?;
        for (id, donation_id, reference, at, dispute, amount) in disputes {
            items.push(QueueItem {
                kind: QueueKind::Dispute,
                id,
                donation_id: Some(donation_id),
                reference: Some(reference),
                at,
                detail: dispute.unwrap_or_default(),
                amount_minor: Some(amount),
            });
        }
        let receipts: Vec<(String, String, String, i64, Option<String>, i64)> = sqlx::query_as(
            "SELECT o.id, o.donation_id, d.reference, o.failed_at, o.last_error, o.attempts \
             FROM outbox o JOIN donations d ON d.id = o.donation_id \
             WHERE o.failed_at IS NOT NULL AND o.sent_at IS NULL AND NOT EXISTS \
             (SELECT 1 FROM staff_resolutions r WHERE r.kind = 'receipt' AND r.item_id = o.id)",
        )
        .fetch_all(&self.pool)
        .await?;
        for (id, donation_id, reference, at, error, attempts) in receipts {
            items.push(QueueItem {
                kind: QueueKind::Receipt,
                id,
                donation_id: Some(donation_id),
                reference: Some(reference),
                at,
                detail: format!("{attempts} attempts: {}", error.unwrap_or_default()),
                amount_minor: None,
            });
        }
        let waiting: Vec<(String, String, i64, String)> = sqlx::query_as(
            "SELECT u.event_id, u.event_type, u.received_at, u.change FROM unmatched_events u \
             WHERE u.applied_at IS NULL AND NOT EXISTS (SELECT 1 FROM staff_resolutions r \
             WHERE r.kind = 'waiting_event' AND r.item_id = u.event_id)",
        )
        .fetch_all(&self.pool)
        .await?;
        for (id, event_type, at, change) in waiting {
            items.push(QueueItem {
                kind: QueueKind::WaitingEvent,
                id,
                donation_id: None,
                reference: None,
                at,
                detail: format!("{event_type}: {change}"),
                amount_minor: None,
            });
        }
        let messages: Vec<DonorMessageRow> = sqlx::query_as(
            "SELECT m.id, m.donation_id, d.reference, m.created_at, m.message FROM donor_messages m \
             LEFT JOIN donations d ON d.id = m.donation_id WHERE NOT EXISTS \
             (SELECT 1 FROM staff_resolutions r WHERE r.kind = 'donor_message' AND r.item_id = m.id)",
        )
        .fetch_all(&self.pool)
        .await?;
        for row in messages {
            items.push(QueueItem {
                kind: QueueKind::DonorMessage,
                id: row.id,
                donation_id: row.donation_id,
                reference: row.reference,
                at: row.created_at,
                detail: row.message,
                amount_minor: None,
            });
        }
        items.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
        Ok(items)
    }

    /// Marks a queue item dealt with, with staff's note; `false` if it was already.
    pub async fn resolve_queue_item(
        &self,
        kind: QueueKind,
        id: &str,
        note: &str,
        now: i64,
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
        now: i64,
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

    /// Net money received per day (Hong Kong days, as day numbers since 1970) from `since` (ms).
    pub async fn received_by_day(&self, since: i64) -> Result<Vec<Bucket>, DbError> {
        let sql = format!(
            "SELECT CAST(CAST((p.paid_at + {HONG_KONG_OFFSET_MS}) / 86400000 AS BIGINT) AS TEXT), \
             CAST(SUM({NET}) AS BIGINT), CAST(COUNT(*) AS BIGINT) FROM payments p \
             WHERE p.paid_at >= $1 GROUP BY CAST((p.paid_at + {HONG_KONG_OFFSET_MS}) / 86400000 AS BIGINT) \
             ORDER BY 1"
        );
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(&sql)
            .bind(since)
            .fetch_all(&self.pool)
            .await?;
        buckets(rows, "payments")
    }

    /// Net money received by a donation's column (`payment_method` or `frequency`).
    pub async fn received_by(&self, by: Breakdown) -> Result<Vec<Bucket>, DbError> {
        let column = match by {
            Breakdown::Method => "d.payment_method",
            Breakdown::Frequency => "d.frequency",
            // The story read before giving; else the story of the share link that brought them.
            Breakdown::Story => "COALESCE(d.story_slug, r.story_slug)",
            Breakdown::ReferralCode => "d.referral_code",
            Breakdown::Source => "d.utm_source",
            Breakdown::Medium => "d.utm_medium",
            Breakdown::Campaign => "d.utm_campaign",
            Breakdown::Partner => "d.partner_code",
        };
        let sql = format!(
            "SELECT {column}, CAST(SUM({NET}) AS BIGINT), CAST(COUNT(DISTINCT d.id) AS BIGINT) \
             FROM payments p JOIN donations d ON d.id = p.donation_id \
             LEFT JOIN referral_codes r ON r.code = d.referral_code \
             WHERE {column} IS NOT NULL GROUP BY {column} ORDER BY 2 DESC, 1 LIMIT 10"
        );
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(&sql).fetch_all(&self.pool).await?;
        buckets(rows, "payments")
    }

    /// Donors (by email) with one paid gift, and with more than one.
    pub async fn donor_loyalty(&self) -> Result<DonorLoyalty, DbError> {
        let (once, repeat): (i64, i64) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(CASE WHEN gifts = 1 THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN gifts > 1 THEN 1 ELSE 0 END), 0) AS BIGINT) FROM \
             (SELECT email_key, COUNT(*) AS gifts FROM donations WHERE status = 'paid' \
             GROUP BY email_key) per_donor",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(DonorLoyalty {
            once: non_negative("donations", "count", once)?,
            repeat: non_negative("donations", "count", repeat)?,
        })
    }
}

/// Hong Kong is UTC+8 all year: days on the dashboard are Hong Kong days.
const HONG_KONG_OFFSET_MS: i64 = 8 * 3_600_000;

/// What received money is broken down by on the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breakdown {
    Method,
    Frequency,
    Story,
    ReferralCode,
    /// Where the gift came from (see `domain::attribution`).
    Source,
    Medium,
    Campaign,
    Partner,
}

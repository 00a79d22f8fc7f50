//! The outbox: mail queued in the same transaction as what it tells (a receipt with its
//! payment, a confirmation with the change to a monthly gift, a yearly summary once per donor
//! and year), claimed by one worker at a time for a lease, and marked sent (or written to the
//! log) or failed.

use super::{non_negative, Backend, Database, DbError, UnreadableRow};
use sharecare_domain::donation::Frequency;
use sharecare_domain::donor::{Email, PersonName, Receipt};
use sharecare_domain::identifiers::Reference;
use sharecare_domain::money::{Currency, Money};
use sharecare_domain::time::Timestamp;
use sharecare_domain::Locale;

/// How an outbox message left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivered {
    Sent,
    Logged,
}

/// A message claimed for sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    /// The outbox row's id (also the mail's Message-ID).
    pub id: String,
    /// Sending attempts so far, this one included.
    pub attempts: u32,
    pub job: OutboxJob,
}

/// What a message is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboxJob {
    Receipt(Box<ReceiptJob>),
    /// A change to a monthly gift, confirmed by the provider: what it is now (`notice`, JSON
    /// the donations service wrote).
    GiftChange {
        donation: Box<sharecare_domain::donation::Donation>,
        notice: String,
    },
    /// The yearly summary of a donor's receipts for the tax year starting in April of
    /// `year_start`, for the holder (the person or company the receipts are made out to) of
    /// `holder_receipt_id`, one of the donor's receipts (none: queued before summaries were
    /// per holder); `donation` is their latest gift (for their address, name and language).
    YearlySummary {
        email_key: String,
        year_start: i64,
        holder_receipt_id: Option<String>,
        donation: Box<sharecare_domain::donation::Donation>,
    },
    /// Telling a tribute gift's contact, once the gift is paid.
    TributeNotice {
        donation: Box<sharecare_domain::donation::Donation>,
    },
    /// A transfer pledge's payment details (FPS, bank, reference), once per pledge.
    PaymentDetails {
        donation: Box<sharecare_domain::donation::Donation>,
    },
}

/// A receipt claimed for sending, with everything it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptJob {
    /// The outbox row's id (also the receipt's Message-ID).
    pub id: String,
    /// Sending attempts so far, this one included.
    pub attempts: u32,
    pub amount: Money,
    /// When the payment was made.
    pub paid_at: Timestamp,
    pub reference: Reference,
    pub frequency: Frequency,
    pub email: Email,
    pub donor_name: Option<PersonName>,
    pub receipt: Receipt,
    pub locale: Locale,
    /// The numbered tax receipt it sends.
    pub tax_receipt: Option<super::TaxReceipt>,
    /// What the donor added towards card costs within `amount`, as recorded with the payment
    /// (zero if nothing).
    pub fee: Money,
}

/// The messages a donation has in the outbox, by the `kind` they are stored under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DonationMessage {
    /// A gift's receipt (with its tax receipt when it has one).
    Receipt,
    /// A transfer pledge's FPS and bank details, mailed until the money arrives.
    PaymentDetails,
}

impl DonationMessage {
    const fn stored_as(self) -> &'static str {
        match self {
            DonationMessage::Receipt => "receipt",
            DonationMessage::PaymentDetails => "payment_details",
        }
    }
}

/// An outbox row's id, attempts, kind, tax receipt, donation, donor, payload, dedupe key and
/// a summary's holder.
type OutboxHead = (
    String,
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

#[derive(sqlx::FromRow)]
struct OutboxRow {
    id: String,
    attempts: i64,
    amount_minor: i64,
    currency: String,
    paid_at: Timestamp,
    reference: String,
    frequency: String,
    email: String,
    donor_name: Option<String>,
    receipt: String,
    receipt_name: Option<String>,
    locale: String,
    fee_minor: i64,
    receipt_holder: Option<String>,
    company_registration: Option<String>,
}

impl TryFrom<OutboxRow> for ReceiptJob {
    type Error = UnreadableRow;

    fn try_from(row: OutboxRow) -> Result<ReceiptJob, UnreadableRow> {
        let bad = |column: &'static str, value: &str| {
            UnreadableRow::new("outbox", column, format!("unknown value {value:?}"))
        };
        let name = |column: &'static str, value: Option<String>| {
            value
                .as_deref()
                .map(|name| PersonName::parse(name).map_err(|_| bad(column, name)))
                .transpose()
        };
        let currency =
            Currency::from_code(&row.currency).ok_or_else(|| bad("currency", &row.currency))?;
        Ok(ReceiptJob {
            attempts: u32::try_from(row.attempts)
                .map_err(|_| bad("attempts", &row.attempts.to_string()))?,
            amount: Money::new(
                non_negative("payments", "amount_minor", row.amount_minor)?,
                currency,
            ),
            reference: Reference::parse(&row.reference)
                .ok_or_else(|| bad("reference", &row.reference))?,
            frequency: Frequency::parse(&row.frequency)
                .ok_or_else(|| bad("frequency", &row.frequency))?,
            email: Email::parse(&row.email).map_err(|_| bad("email", &row.email))?,
            receipt: super::donations::company_receipt(
                Receipt::from_code(&row.receipt, name("receipt_name", row.receipt_name)?)
                    .ok_or_else(|| bad("receipt", &row.receipt))?,
                row.receipt_holder.as_deref(),
                row.company_registration.as_deref(),
            )
            .ok_or_else(|| bad("receipt_holder", "company"))?,
            fee: Money::new(
                non_negative("payments", "fee_minor", row.fee_minor)?,
                currency,
            ),
            donor_name: name("donor_name", row.donor_name)?,
            locale: Locale::from_code(&row.locale).ok_or_else(|| bad("locale", &row.locale))?,
            id: row.id,
            paid_at: row.paid_at,
            tax_receipt: None,
        })
    }
}

impl Database {
    /// Claims the next message that is due for `lease_until`, marking it with `claim`;
    /// `unlogged_only` skips messages already written to the log (no SMTP configured).
    pub async fn claim_due_message(
        &self,
        claim: &str,
        now: Timestamp,
        lease_until: Timestamp,
        unlogged_only: bool,
    ) -> Result<Option<OutboxMessage>, DbError> {
        let unlogged = if unlogged_only {
            " AND logged_at IS NULL"
        } else {
            ""
        };
        // On PostgreSQL, workers of several instances skip the rows another is claiming
        // instead of queueing on them. The claim test is repeated in the UPDATE itself: of two
        // workers that picked the same row (SQLite), only the first changes it.
        let skip_locked = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE outbox SET claim = $1, claimed_until = $2, attempts = attempts + 1 \
             WHERE id = (SELECT id FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL \
                 AND next_attempt_at <= $3 \
                 AND (claimed_until IS NULL OR claimed_until < $3){unlogged} \
                 ORDER BY next_attempt_at LIMIT 1{skip_locked}) \
             AND sent_at IS NULL AND (claimed_until IS NULL OR claimed_until < $3)"
        );
        let claimed = sqlx::query(&sql)
            .bind(claim)
            .bind(lease_until)
            .bind(now)
            .execute(&self.pool)
            .await?
            .rows_affected();
        if claimed == 0 {
            return Ok(None);
        }
        let head: Option<OutboxHead> = sqlx::query_as(
            "SELECT id, attempts, kind, tax_receipt_id, donation_id, email_key, payload, \
                 dedupe_key, holder_receipt_id FROM outbox WHERE claim = $1",
        )
        .bind(claim)
        .fetch_optional(&self.pool)
        .await?;
        let Some((
            id,
            attempts,
            kind,
            tax_receipt_id,
            donation_id,
            email_key,
            payload,
            _,
            holder_receipt_id,
        )) = head
        else {
            return Ok(None);
        };
        let attempts = u32::try_from(attempts)
            .map_err(|_| UnreadableRow::new("outbox", "attempts", attempts.to_string()))?;
        let unreadable = |column: &'static str, problem: &str| {
            DbError::from(UnreadableRow::new("outbox", column, problem.to_string()))
        };
        let job = match kind.as_str() {
            "receipt" => {
                let row: OutboxRow = sqlx::query_as(
                    "SELECT o.id, o.attempts, COALESCE(r.amount_minor, p.amount_minor) AS amount_minor, \
                     p.currency, p.paid_at, d.reference, d.frequency, d.email, d.donor_name, \
                     d.receipt, d.receipt_name, d.locale, p.fee_minor, d.receipt_holder, \
                     d.company_registration \
                     FROM outbox o JOIN payments p ON p.id = o.payment_id \
                     JOIN donations d ON d.id = o.donation_id \
                     LEFT JOIN tax_receipts r ON r.id = o.tax_receipt_id WHERE o.claim = $1",
                )
                .bind(claim)
                .fetch_one(&self.pool)
                .await?;
                let mut job = ReceiptJob::try_from(row)?;
                if let Some(receipt_id) = tax_receipt_id {
                    job.tax_receipt = self.tax_receipt(&receipt_id).await?;
                }
                OutboxJob::Receipt(Box::new(job))
            }
            "gift_change" => {
                let donation_id =
                    donation_id.ok_or_else(|| unreadable("donation_id", "missing"))?;
                let donation = self
                    .donation_by_id(&donation_id)
                    .await?
                    .ok_or_else(|| unreadable("donation_id", "no such donation"))?;
                OutboxJob::GiftChange {
                    donation: Box::new(donation),
                    notice: payload.unwrap_or_default(),
                }
            }
            "tribute_notice" | "payment_details" => {
                let donation_id =
                    donation_id.ok_or_else(|| unreadable("donation_id", "missing"))?;
                let donation = Box::new(
                    self.donation_by_id(&donation_id)
                        .await?
                        .ok_or_else(|| unreadable("donation_id", "no such donation"))?,
                );
                if kind == "tribute_notice" {
                    OutboxJob::TributeNotice { donation }
                } else {
                    OutboxJob::PaymentDetails { donation }
                }
            }
            "yearly_summary" => {
                let email_key = email_key.ok_or_else(|| unreadable("email_key", "missing"))?;
                let year_start = payload
                    .as_deref()
                    .and_then(|year| year.parse().ok())
                    .ok_or_else(|| unreadable("payload", "not a year"))?;
                let donation = self
                    .latest_donation_of(&email_key)
                    .await?
                    .ok_or_else(|| unreadable("email_key", "no donation"))?;
                OutboxJob::YearlySummary {
                    email_key,
                    year_start,
                    holder_receipt_id,
                    donation: Box::new(donation),
                }
            }
            other => return Err(unreadable("kind", other)),
        };
        Ok(Some(OutboxMessage { id, attempts, job }))
    }

    /// Queues a transfer pledge's payment details, once per pledge: `false` if they were
    /// queued before (the same form sent twice) or the gift is not a pending transfer.
    pub async fn queue_payment_details(
        &self,
        donation_id: &str,
        now: Timestamp,
    ) -> Result<bool, DbError> {
        Ok(sqlx::query(
            "INSERT INTO outbox (id, kind, donation_id, dedupe_key, created_at, next_attempt_at) \
             SELECT $1, 'payment_details', id, 'payment_details:' || id, $2, $2 FROM donations \
             WHERE id = $3 AND status = 'pending' AND payment_method = 'offline' \
             ON CONFLICT (dedupe_key) DO NOTHING",
        )
        .bind(sharecare_domain::secrets::random_hex::<16>())
        .bind(now)
        .bind(donation_id)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    /// Drops a claimed message that no longer needs sending (a pledge paid or switched to a
    /// card before its payment details went out).
    pub async fn discard_message(&self, id: &str, claim: &str) -> Result<(), DbError> {
        sqlx::query("DELETE FROM outbox WHERE id = $1 AND claim = $2 AND sent_at IS NULL")
            .bind(id)
            .bind(claim)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Queues a yearly summary for a donor and one holder of their receipts (named by
    /// `holder_receipt_id`, a receipt of theirs that the caller picks the same way each time)
    /// once: a second call for the same donor, year and holder queues nothing (`false`).
    pub async fn queue_yearly_summary(
        &self,
        email_key: &str,
        year_start: i64,
        holder_receipt_id: &str,
        now: Timestamp,
    ) -> Result<bool, DbError> {
        Ok(sqlx::query(
            "INSERT INTO outbox (id, kind, email_key, payload, dedupe_key, created_at, \
             next_attempt_at, holder_receipt_id) \
             VALUES ($1, 'yearly_summary', $2, $3, $4, $5, $5, $6) \
             ON CONFLICT (dedupe_key) DO NOTHING",
        )
        .bind(sharecare_domain::secrets::random_hex::<16>())
        .bind(email_key)
        .bind(year_start.to_string())
        .bind(format!(
            "summary:{email_key}:{year_start}:{holder_receipt_id}"
        ))
        .bind(now)
        .bind(holder_receipt_id)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    /// The yearly summaries queued (sent or not) for a tax year: for the job's tests and staff.
    pub async fn count_yearly_summaries(&self, year_start: i64) -> Result<i64, DbError> {
        let (count,): (i64,) = sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM outbox WHERE kind = 'yearly_summary' \
             AND payload = $1",
        )
        .bind(year_start.to_string())
        .fetch_one(&self.pool)
        .await?;
        Ok(count)
    }

    /// The claimed message was delivered: sent, or (no SMTP configured) written to the log,
    /// in which case it stays unsent so it goes out once SMTP is set.
    pub async fn mark_message_delivered(
        &self,
        id: &str,
        claim: &str,
        delivered: Delivered,
        now: Timestamp,
    ) -> Result<(), DbError> {
        let column = match delivered {
            Delivered::Sent => "sent_at",
            Delivered::Logged => "logged_at",
        };
        let sql = format!(
            "UPDATE outbox SET {column} = $1, claim = NULL, claimed_until = NULL, \
             last_error = NULL WHERE id = $2 AND claim = $3"
        );
        sqlx::query(&sql)
            .bind(now)
            .bind(id)
            .bind(claim)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Keeps a claim for longer while its message is being sent (a send slower than the
    /// lease must not let another worker send it too). `false` if the claim was lost.
    pub async fn renew_claim(
        &self,
        id: &str,
        claim: &str,
        until: Timestamp,
    ) -> Result<bool, DbError> {
        Ok(
            sqlx::query("UPDATE outbox SET claimed_until = $1 WHERE id = $2 AND claim = $3")
                .bind(until)
                .bind(id)
                .bind(claim)
                .execute(&self.pool)
                .await?
                .rows_affected()
                == 1,
        )
    }

    /// Sending the claimed message failed: it is tried again at `retry_at`, or, when `park`,
    /// never again by itself (staff see it).
    pub async fn mark_message_failed(
        &self,
        id: &str,
        claim: &str,
        retry_at: Timestamp,
        error: &str,
        park: Option<Timestamp>,
    ) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE outbox SET next_attempt_at = $1, last_error = $2, claim = NULL, \
             claimed_until = NULL, failed_at = $3 WHERE id = $4 AND claim = $5",
        )
        .bind(retry_at)
        .bind(error)
        .bind(park)
        .bind(id)
        .bind(claim)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// How many messages are waiting to be sent (parked ones aside).
    pub async fn count_unsent_messages(&self) -> Result<i64, DbError> {
        let (count,): (i64,) = sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(count)
    }

    /// How many messages of one kind (sent or not) one donation has.
    pub async fn count_messages_for_donation(
        &self,
        donation_id: &str,
        kind: DonationMessage,
    ) -> Result<i64, DbError> {
        let (count,): (i64,) = sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM outbox WHERE donation_id = $1 AND kind = $2",
        )
        .bind(donation_id)
        .bind(kind.stored_as())
        .fetch_one(&self.pool)
        .await?;
        Ok(count)
    }

    /// How many messages were parked after too many failed tries.
    pub async fn count_parked_messages(&self) -> Result<i64, DbError> {
        let (count,): (i64,) = sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM outbox o WHERE o.failed_at IS NOT NULL \
             AND o.sent_at IS NULL AND NOT EXISTS (SELECT 1 FROM staff_resolutions r \
             WHERE r.kind = 'receipt' AND r.item_id = o.id)",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(count)
    }
}

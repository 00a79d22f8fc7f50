//! Every SQL statement the site runs, in one place, written once for SQLite and PostgreSQL.
//!
//! sqlx's `Any` driver picks the backend from `DATABASE_URL` at run time. The SQL sticks to what
//! both understand: `$n` parameters, `ON CONFLICT ... DO NOTHING`, BIGINT money in minor units,
//! BIGINT Unix milliseconds and ids made by the application.

use std::path::Path;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

/// The migrations under `migrations/`, compiled into the binary.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("DATABASE_URL must start with sqlite: or postgres:// (got {0:?})")]
    UnsupportedUrl(String),
    #[error("cannot create the database folder {folder}: {source}")]
    Folder {
        folder: String,
        source: std::io::Error,
    },
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
}

impl DbError {
    /// A second row with a value that must be unique (used to retry a clashing reference).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, DbError::Sqlx(sqlx::Error::Database(error)) if error.is_unique_violation())
    }

    /// A failure that may pass if the same statement is tried again: a busy SQLite file, a
    /// dropped or refused connection, a PostgreSQL restart or serialization conflict.
    pub fn is_transient(&self) -> bool {
        match self {
            // Not PoolTimedOut: the pool has already waited its acquire timeout, and a donor
            // must hear "try again" within seconds rather than after several more waits.
            DbError::Sqlx(
                sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::Protocol(_)
                | sqlx::Error::WorkerCrashed,
            ) => true,
            DbError::Sqlx(sqlx::Error::Database(error)) => {
                let code = error.code().unwrap_or_default();
                // SQLite: BUSY, LOCKED and their extended codes.
                matches!(code.as_ref(), "5" | "6" | "261" | "262" | "517" | "518")
                    // PostgreSQL: connection exceptions, serialization failure, deadlock,
                    // shutdown, too many connections.
                    || code.starts_with("08")
                    || matches!(
                        code.as_ref(),
                        "40001" | "40P01" | "57P01" | "57P02" | "57P03" | "53300"
                    )
            }
            _ => false,
        }
    }
}

/// A connection pool to the site's database, migrated.
#[derive(Debug, Clone)]
pub struct Database {
    pool: AnyPool,
    backend: Backend,
}

/// A donation to store, exactly as the columns want it.
#[derive(Debug, Clone)]
pub struct NewDonation {
    pub id: String,
    pub reference: String,
    pub idempotency_key: String,
    pub access_key: String,
    pub amount_minor: i64,
    pub currency: String,
    pub frequency: String,
    pub payment_method: String,
    pub email: String,
    pub email_key: String,
    pub donor_name: Option<String>,
    pub receipt: String,
    pub receipt_name: Option<String>,
    /// `given` or `declined` (see [`consent`]).
    pub marketing_consent: &'static str,
    pub consent_recorded_at: i64,
    pub locale: String,
    pub referral_code: Option<String>,
    pub created_at: i64,
}

/// The stored form of the donor's answer to the marketing question.
pub fn consent(opted_in: bool) -> &'static str {
    if opted_in {
        "given"
    } else {
        "declined"
    }
}

/// A stored donation, as read back.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DonationRow {
    pub id: String,
    pub reference: String,
    pub idempotency_key: String,
    pub access_key: String,
    pub status: String,
    pub amount_minor: i64,
    pub currency: String,
    pub frequency: String,
    pub payment_method: String,
    pub email: String,
    pub donor_name: Option<String>,
    pub receipt: String,
    pub receipt_name: Option<String>,
    pub marketing_consent: String,
    pub consent_recorded_at: i64,
    pub locale: String,
    pub referral_code: Option<String>,
    pub created_at: i64,
    pub paid_at: Option<i64>,
    pub checkout_session_id: Option<String>,
    pub checkout_url: Option<String>,
    pub subscription_id: Option<String>,
    pub ended_at: Option<i64>,
    pub flag: Option<String>,
}

/// What storing a donation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inserted {
    /// A new row.
    Created(DonationRow),
    /// The idempotency key was already used: this is the donation it made.
    Existing(DonationRow),
}

/// Paid gifts, summed by the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PaidTotals {
    pub raised_minor: i64,
    pub supporters: i64,
}

/// What one personal share link has brought in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralTotals {
    pub story_slug: String,
    pub raised_minor: i64,
    pub gifts: i64,
}

/// A payment to record, with the donation it pays for.
#[derive(Debug, Clone)]
pub struct NewPayment {
    pub id: String,
    pub donation_id: String,
    /// The charge's id at its source (see the `payments` table); recording it twice is a no-op.
    pub source_id: String,
    pub payment_intent_id: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    pub paid_at: i64,
    /// A monthly gift's subscription, learnt with its first payment.
    pub subscription_id: Option<String>,
    /// The id of the receipt to queue with it; `None` when the donor asked for no receipt.
    pub receipt_id: Option<String>,
}

/// A stored payment.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PaymentRow {
    pub id: String,
    pub donation_id: String,
    pub source_id: String,
    pub payment_intent_id: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    pub refunded_minor: i64,
    pub paid_at: i64,
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
        refunded_minor: i64,
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

/// How an outbox message left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivered {
    Sent,
    Logged,
}

/// A receipt claimed for sending, with what it says.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxMessage {
    pub id: String,
    pub kind: String,
    pub attempts: i64,
    pub amount_minor: i64,
    pub currency: String,
    pub paid_at: i64,
    pub reference: String,
    pub frequency: String,
    pub email: String,
    pub donor_name: Option<String>,
    pub receipt: String,
    pub receipt_name: Option<String>,
    pub locale: String,
}

/// The columns a donation is looked up by (a closed list: never a column name from input).
#[derive(Debug, Clone, Copy)]
enum DonationKey {
    Id,
    Reference,
    IdempotencyKey,
    SubscriptionId,
}

const DONATION_COLUMNS: &str = "id, reference, idempotency_key, access_key, status, amount_minor, \
     currency, frequency, payment_method, email, donor_name, receipt, receipt_name, \
     marketing_consent, consent_recorded_at, locale, referral_code, created_at, paid_at, \
     checkout_session_id, checkout_url, subscription_id, ended_at, flag";

impl Database {
    /// Connects, creating a SQLite file (and its folder) if needed, and applies migrations.
    pub async fn connect(url: &str) -> Result<Database, DbError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(DbError::UnsupportedUrl(redact(url)));
        };
        if backend == Backend::Sqlite {
            create_sqlite_folder(url)?;
        }
        let options: AnyConnectOptions = url.parse()?;
        let pool = AnyPoolOptions::new()
            // SQLite has one writer at a time; more connections only queue on its lock.
            .max_connections(if backend == Backend::Sqlite { 4 } else { 10 })
            // A donor waits at most this long for a connection before hearing "try again".
            .acquire_timeout(Duration::from_secs(3))
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets pages read while a gift is written; NORMAL sync is durable
                        // across application crashes and fast enough for bursts of gifts.
                        connection.execute("PRAGMA journal_mode = WAL").await?;
                        connection.execute("PRAGMA synchronous = NORMAL").await?;
                        connection.execute("PRAGMA busy_timeout = 5000").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Database { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Stores a donation once per idempotency key. A clash on the reference (rare: one in
    /// hundreds of millions) is an error the caller answers with a fresh reference.
    pub async fn insert_donation(&self, new: &NewDonation) -> Result<Inserted, DbError> {
        const INSERT: &str =
            "INSERT INTO donations (id, reference, idempotency_key, access_key, status, \
             amount_minor, currency, frequency, payment_method, email, email_key, donor_name, \
             receipt, receipt_name, marketing_consent, consent_recorded_at, locale, \
             referral_code, created_at) \
             VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
             $15, $16, $17, $18) \
             ON CONFLICT (idempotency_key) DO NOTHING";
        let result = sqlx::query(INSERT)
            .bind(&new.id)
            .bind(&new.reference)
            .bind(&new.idempotency_key)
            .bind(&new.access_key)
            .bind(new.amount_minor)
            .bind(&new.currency)
            .bind(&new.frequency)
            .bind(&new.payment_method)
            .bind(&new.email)
            .bind(&new.email_key)
            .bind(&new.donor_name)
            .bind(&new.receipt)
            .bind(&new.receipt_name)
            .bind(new.marketing_consent)
            .bind(new.consent_recorded_at)
            .bind(&new.locale)
            .bind(&new.referral_code)
            .bind(new.created_at)
            .execute(&self.pool)
            .await?;
        let row = self
            .donation_by_idempotency_key(&new.idempotency_key)
            .await?
            .ok_or(DbError::Sqlx(sqlx::Error::RowNotFound))?;
        Ok(if result.rows_affected() == 1 {
            Inserted::Created(row)
        } else {
            Inserted::Existing(row)
        })
    }

    pub async fn donation_by_idempotency_key(
        &self,
        key: &str,
    ) -> Result<Option<DonationRow>, DbError> {
        self.donation_where(DonationKey::IdempotencyKey, key).await
    }

    pub async fn donation_by_reference(
        &self,
        reference: &str,
    ) -> Result<Option<DonationRow>, DbError> {
        self.donation_where(DonationKey::Reference, reference).await
    }

    pub async fn donation_by_id(&self, id: &str) -> Result<Option<DonationRow>, DbError> {
        self.donation_where(DonationKey::Id, id).await
    }

    pub async fn donation_by_subscription_id(
        &self,
        subscription_id: &str,
    ) -> Result<Option<DonationRow>, DbError> {
        self.donation_where(DonationKey::SubscriptionId, subscription_id)
            .await
    }

    /// The donation whose `key` column holds `value` (each is unique or indexed).
    async fn donation_where(
        &self,
        key: DonationKey,
        value: &str,
    ) -> Result<Option<DonationRow>, DbError> {
        let column = match key {
            DonationKey::Id => "id",
            DonationKey::Reference => "reference",
            DonationKey::IdempotencyKey => "idempotency_key",
            DonationKey::SubscriptionId => "subscription_id",
        };
        let sql = format!("SELECT {DONATION_COLUMNS} FROM donations WHERE {column} = $1");
        Ok(sqlx::query_as(&sql)
            .bind(value)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Switches a still-pending donation to another payment method (the donor submitted the
    /// same form again with the other choice, e.g. after the card service failed).
    pub async fn set_payment_method(&self, id: &str, method: &str) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE donations SET payment_method = $1 WHERE id = $2 AND status = 'pending'",
        )
        .bind(method)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Remembers the hosted checkout made for a donation, so the donor returns to the same one.
    pub async fn set_checkout_session(
        &self,
        id: &str,
        session_id: &str,
        url: &str,
    ) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE donations SET checkout_session_id = $1, checkout_url = $2 WHERE id = $3",
        )
        .bind(session_id)
        .bind(url)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

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
                .bind(refunded_minor)
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
    ) -> Result<Vec<PaymentRow>, DbError> {
        Ok(sqlx::query_as(
            "SELECT id, donation_id, source_id, payment_intent_id, amount_minor, currency, \
             refunded_minor, paid_at FROM payments WHERE donation_id = $1 ORDER BY paid_at, id",
        )
        .bind(donation_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Stores a new personal share code; `false` if the code is taken (the caller draws again).
    pub async fn insert_referral_code(
        &self,
        code: &str,
        story_slug: &str,
        created_at: i64,
    ) -> Result<bool, DbError> {
        Ok(sqlx::query(
            "INSERT INTO referral_codes (code, story_slug, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (code) DO NOTHING",
        )
        .bind(code)
        .bind(story_slug)
        .bind(created_at)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    /// A share code's story and what gifts made through it have raised (paid, less refunds)
    /// and how many gifts that is; `None` for a code that was never issued.
    pub async fn referral_totals(&self, code: &str) -> Result<Option<ReferralTotals>, DbError> {
        let story: Option<(String,)> =
            sqlx::query_as("SELECT story_slug FROM referral_codes WHERE code = $1")
                .bind(code)
                .fetch_optional(&self.pool)
                .await?;
        let Some((story_slug,)) = story else {
            return Ok(None);
        };
        let (raised_minor, gifts): (i64, i64) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(p.amount_minor - p.refunded_minor), 0) AS BIGINT), \
             CAST(COUNT(DISTINCT d.id) AS BIGINT) \
             FROM payments p JOIN donations d ON d.id = p.donation_id \
             WHERE d.referral_code = $1 AND p.refunded_minor < p.amount_minor",
        )
        .bind(code)
        .fetch_one(&self.pool)
        .await?;
        Ok(Some(ReferralTotals {
            story_slug,
            raised_minor,
            gifts,
        }))
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
            raised_minor,
            supporters,
        })
    }

    /// Claims the next message that is due for `lease_until`, marking it with `claim`;
    /// `unlogged_only` skips messages already written to the log (no SMTP configured).
    pub async fn claim_due_message(
        &self,
        claim: &str,
        now: i64,
        lease_until: i64,
        unlogged_only: bool,
    ) -> Result<Option<OutboxMessage>, DbError> {
        let unlogged = if unlogged_only {
            " AND logged_at IS NULL"
        } else {
            ""
        };
        // The claim test is repeated in the UPDATE itself: of two workers that picked the same
        // row, only the first changes it.
        let sql = format!(
            "UPDATE outbox SET claim = $1, claimed_until = $2, attempts = attempts + 1 \
             WHERE id = (SELECT id FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= $3 \
                 AND (claimed_until IS NULL OR claimed_until < $3){unlogged} \
                 ORDER BY next_attempt_at LIMIT 1) \
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
        Ok(sqlx::query_as(
            "SELECT o.id, o.kind, o.attempts, p.amount_minor, p.currency, p.paid_at, \
             d.reference, d.frequency, d.email, d.donor_name, d.receipt, d.receipt_name, d.locale \
             FROM outbox o JOIN payments p ON p.id = o.payment_id \
             JOIN donations d ON d.id = o.donation_id WHERE o.claim = $1",
        )
        .bind(claim)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The claimed message was delivered: sent, or (no SMTP configured) written to the log,
    /// in which case it stays unsent so it goes out once SMTP is set.
    pub async fn mark_message_delivered(
        &self,
        id: &str,
        claim: &str,
        delivered: Delivered,
        now: i64,
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

    /// Sending the claimed message failed: it is tried again at `retry_at`.
    pub async fn mark_message_failed(
        &self,
        id: &str,
        claim: &str,
        retry_at: i64,
        error: &str,
    ) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE outbox SET next_attempt_at = $1, last_error = $2, claim = NULL, \
             claimed_until = NULL WHERE id = $3 AND claim = $4",
        )
        .bind(retry_at)
        .bind(error)
        .bind(id)
        .bind(claim)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// How many messages are waiting to be sent (tests, and later the admin pages).
    pub async fn count_unsent_messages(&self) -> Result<i64, DbError> {
        let (count,): (i64,) =
            sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT) FROM outbox WHERE sent_at IS NULL")
                .fetch_one(&self.pool)
                .await?;
        Ok(count)
    }

    /// How many donations are stored, whatever their status (tests and the benchmark).
    pub async fn count_donations(&self) -> Result<i64, DbError> {
        let (count,): (i64,) = sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT) FROM donations")
            .fetch_one(&self.pool)
            .await?;
        Ok(count)
    }

    /// Closes every connection (tests drop their PostgreSQL database afterwards).
    pub async fn close(&self) {
        self.pool.close().await;
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
    .bind(payment.amount_minor)
    .bind(&payment.currency)
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

/// `sqlite://data/sharecare.db?mode=rwc` needs `data/` to exist before SQLite can create the file.
fn create_sqlite_folder(url: &str) -> Result<(), DbError> {
    let path = url
        .trim_start_matches("sqlite:")
        .trim_start_matches("//")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path.starts_with(":memory:") {
        return Ok(());
    }
    match Path::new(path).parent() {
        Some(folder) if !folder.as_os_str().is_empty() => {
            std::fs::create_dir_all(folder).map_err(|source| DbError::Folder {
                folder: folder.display().to_string(),
                source,
            })
        }
        _ => Ok(()),
    }
}

/// A database URL safe to print: the password, if any, replaced.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_logs() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/give"),
            "postgres://app:***@db:5432/give"
        );
        assert_eq!(
            redact("postgres://postgres@127.0.0.1/test"),
            "postgres://postgres@127.0.0.1/test"
        );
        assert_eq!(redact("sqlite://data/x.db"), "sqlite://data/x.db");
    }

    #[tokio::test]
    async fn other_databases_are_refused_with_a_clear_message() {
        let error = Database::connect("mysql://root@localhost/test")
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("sqlite: or postgres://"),
            "{error}"
        );
    }

    #[test]
    fn the_sqlite_folder_is_found_in_the_url() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("nested/deeper/x.db");
        create_sqlite_folder(&format!("sqlite://{}?mode=rwc", file.display())).unwrap();
        assert!(file.parent().unwrap().is_dir());
        create_sqlite_folder("sqlite::memory:").unwrap();
    }
}

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

const DONATION_COLUMNS: &str = "id, reference, idempotency_key, access_key, status, amount_minor, \
     currency, frequency, payment_method, email, donor_name, receipt, receipt_name, \
     marketing_consent, consent_recorded_at, locale, referral_code, created_at, paid_at";

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
        let sql = format!("SELECT {DONATION_COLUMNS} FROM donations WHERE idempotency_key = $1");
        Ok(sqlx::query_as(&sql)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn donation_by_reference(
        &self,
        reference: &str,
    ) -> Result<Option<DonationRow>, DbError> {
        let sql = format!("SELECT {DONATION_COLUMNS} FROM donations WHERE reference = $1");
        Ok(sqlx::query_as(&sql)
            .bind(reference)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Sets a donation paid if its status is still one of `from`; returns whether it changed.
    /// The status test is in the UPDATE itself, so two staff confirming at once change it once.
    pub async fn set_paid(
        &self,
        reference: &str,
        from: &[&str],
        paid_at: i64,
    ) -> Result<bool, DbError> {
        let placeholders: Vec<String> = (0..from.len()).map(|i| format!("${}", i + 3)).collect();
        let sql = format!(
            "UPDATE donations SET status = 'paid', paid_at = $1 \
             WHERE reference = $2 AND status IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(paid_at).bind(reference);
        for status in from {
            query = query.bind(*status);
        }
        Ok(query.execute(&self.pool).await?.rows_affected() == 1)
    }

    /// The sum of paid gifts and the number of distinct people who made them.
    pub async fn paid_totals(&self) -> Result<PaidTotals, DbError> {
        // PostgreSQL sums BIGINT into NUMERIC; the cast keeps one integer type on both.
        let (raised_minor, supporters): (i64, i64) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT), \
             CAST(COUNT(DISTINCT email_key) AS BIGINT) \
             FROM donations WHERE status = 'paid'",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(PaidTotals {
            raised_minor,
            supporters,
        })
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

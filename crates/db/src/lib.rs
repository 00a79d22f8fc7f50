//! Every SQL statement the site runs, in one place, written once for SQLite and PostgreSQL.
//!
//! sqlx's `Any` driver picks the backend from `DATABASE_URL` at run time. The SQL sticks to what
//! both understand: `$n` parameters, `ON CONFLICT ... DO NOTHING`, BIGINT money in minor units,
//! BIGINT Unix milliseconds and ids made by the application.
//!
//! `impl Database` is spread over one file per subject. Rows are read into private row
//! structs and converted once, here, into typed values (`TryFrom`); a row the code cannot read
//! is an error naming its column, never a silent default. Strings such as `'pending'` exist
//! only in SQL and in the domain types' `as_str`/`parse` pairs.

mod admin;
mod audit;
mod backups;
mod donations;
mod donors;
mod events;
mod guards;
mod offline;
mod outbox;
mod payments;
mod personal_data;
mod referrals;
mod staff;
mod statements;
mod tax_receipts;

pub use admin::{
    AdminDonation, Breakdown, Bucket, DonationFilter, DonorLoyalty, EventRecord, FilteredTotals,
    NewRefundRequest, QueueItem, ReceiptRecord, RefundRequestRecord,
};
pub use audit::{Actor, AuditEntry, AuditRecord};
pub use backups::{
    check_sqlite_file, holds_the_books, sqlite_file, BadCopy, FileCheck, APPEND_ONLY,
};
pub use donors::{ConsentEvent, GiftChange, GiftParticulars, NewSignIn};
pub use personal_data::{
    Column, Data, Erased, Erasure, Export, SchemaColumn, Table, Value, PERSONAL_DATA, REMOVED,
};
pub use staff::{SessionRecord, SessionTable, StaffUser};
pub use statements::{NewStatementLine, StatementImport, StatementLine, StatementMapping};
pub use tax_receipts::TaxReceipt;

pub use donations::{Inserted, NewDonation, PAYMENT_RECORDS, PLEDGE_DEPENDENTS};
pub use events::{
    EventChange, EventOutcome, ExceptionRecord, ExpectedPayment, NewException, OpenException,
    PaymentChange, ProviderEvent, WaitingChange,
};
pub use guards::Hit;
pub use offline::{OfflineDetails, OfflineMethod, OfflinePayment, UnlinkedPayment};
pub use outbox::{Delivered, DonationMessage, OutboxJob, OutboxMessage, ReceiptJob};
pub use payments::{NewPayment, PaidTotals, PaymentRecord};
pub use referrals::ReferralTotals;

use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

/// The migrations under `migrations/`, compiled into the binary.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

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
    #[error("only a SQLite database is copied by the site; back PostgreSQL up with pg_dump")]
    NotSqlite,
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Unreadable(#[from] UnreadableRow),
}

/// A stored value the code cannot read (a status it does not know, a negative amount...).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot read {table}.{column}: {problem}")]
pub struct UnreadableRow {
    pub table: &'static str,
    pub column: &'static str,
    pub problem: String,
}

impl UnreadableRow {
    fn new(table: &'static str, column: &'static str, problem: impl Into<String>) -> UnreadableRow {
        UnreadableRow {
            table,
            column,
            problem: problem.into(),
        }
    }
}

/// Reads a stored amount of minor units, or a count, neither of which is ever negative.
fn non_negative(
    table: &'static str,
    column: &'static str,
    value: i64,
) -> Result<u64, UnreadableRow> {
    u64::try_from(value)
        .map_err(|_| UnreadableRow::new(table, column, format!("negative value {value}")))
}

/// An amount for a BIGINT column. Amounts are capped by content far below `i64::MAX`.
fn to_column(minor: u64) -> i64 {
    i64::try_from(minor).unwrap_or(i64::MAX)
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
                    match backend {
                        Backend::Sqlite => {
                            // WAL lets pages read while a gift is written. FULL sync: a gift is
                            // on disk before its donor is told so, even across a power loss.
                            connection.execute("PRAGMA journal_mode = WAL").await?;
                            connection.execute("PRAGMA synchronous = FULL").await?;
                            connection.execute("PRAGMA busy_timeout = 5000").await?;
                        }
                        Backend::Postgres => {
                            // No statement holds a connection for long: a donor hears "try
                            // again" rather than waiting on a stuck query.
                            connection.execute("SET statement_timeout = 5000").await?;
                        }
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

    /// Whether the database answers and has every migration this build knows (`/readyz`).
    pub async fn is_ready(&self) -> bool {
        let latest = MIGRATOR.iter().map(|migration| migration.version).max();
        let applied: Result<(Option<i64>,), sqlx::Error> = sqlx::query_as(
            "SELECT CAST(MAX(version) AS BIGINT) FROM _sqlx_migrations WHERE success",
        )
        .fetch_one(&self.pool)
        .await;
        matches!(applied, Ok((applied,)) if applied == latest)
    }

    /// The setting that makes a commit wait until it is on disk, as a connection of the pool
    /// has it: `synchronous=2` (FULL) on SQLite, `synchronous_commit=on` on PostgreSQL. A donor
    /// is thanked only after their pledge's commit, so this is what makes the thanks true.
    pub async fn commit_durability(&self) -> Result<String, DbError> {
        Ok(match self.backend {
            Backend::Sqlite => {
                let (level,): (i64,) = sqlx::query_as("PRAGMA synchronous")
                    .fetch_one(&self.pool)
                    .await?;
                format!("synchronous={level}")
            }
            Backend::Postgres => {
                let (setting,): (String,) = sqlx::query_as("SHOW synchronous_commit")
                    .fetch_one(&self.pool)
                    .await?;
                format!("synchronous_commit={setting}")
            }
        })
    }

    /// Closes every connection (tests drop their PostgreSQL database afterwards).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// `sqlite://data/sharecare.db?mode=rwc` needs `data/` to exist before SQLite can create the file.
fn create_sqlite_folder(url: &str) -> Result<(), DbError> {
    let Some(path) = sqlite_file(url) else {
        return Ok(());
    };
    match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => {
            std::fs::create_dir_all(folder).map_err(|source| DbError::Folder {
                folder: folder.display().to_string(),
                source,
            })
        }
        _ => Ok(()),
    }
}

/// A database or mail URL safe to print: the password in the user part, and any password in
/// the query (`?password=`, `sslpassword=`, PostgreSQL's own parameters), replaced.
pub fn redact(url: &str) -> String {
    let (address, query) = match url.split_once('?') {
        Some((address, query)) => (address, Some(query)),
        None => (url, None),
    };
    let mut redacted = match (address.find("://"), address.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &address[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => {
                    format!("{}{user}:***{}", &address[..scheme_end + 3], &address[at..])
                }
                None => address.to_string(),
            }
        }
        _ => address.to_string(),
    };
    if let Some(query) = query {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) if name.to_ascii_lowercase().contains("password") => {
                    format!("{name}=***")
                }
                _ => pair.to_string(),
            })
            .collect();
        redacted.push('?');
        redacted.push_str(&pairs.join("&"));
    }
    redacted
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
        assert_eq!(
            redact("postgres://app@db/give?password=s3cret&sslmode=require"),
            "postgres://app@db/give?password=***&sslmode=require"
        );
        assert_eq!(
            redact("postgres://app:pw@db/give?sslpassword=k3y&PassWord=x"),
            "postgres://app:***@db/give?sslpassword=***&PassWord=***"
        );
        assert_eq!(
            redact("sqlite://data/x.db?mode=rwc"),
            "sqlite://data/x.db?mode=rwc"
        );
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

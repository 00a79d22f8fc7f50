//! Backups: a consistent copy of the SQLite database taken while the site serves, the check any
//! copy passes before it is trusted (or restored), and the record of each good one, whose age is
//! a metric on both databases.
//!
//! The copy is SQLite's `VACUUM INTO`: one read transaction, so it holds exactly what had been
//! committed when it began, and writers carry on meanwhile (WAL). A PostgreSQL site is copied by
//! `pg_dump` instead (the services layer runs it); both are recorded here.

use std::path::{Path, PathBuf};

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use super::{Backend, Database, DbError, MIGRATOR};
use sharecare_domain::time::Timestamp;

/// Tables whose rows are never deleted, only added to: a good copy holds at least as many of
/// each as the site had when the copy began. They are the books: money received and the tax
/// receipts issued for it.
pub const APPEND_ONLY: [&str; 2] = ["payments", "tax_receipts"];

/// What a database file holds, as its check found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCheck {
    /// Each table's rows, by table name, in name order.
    pub rows: Vec<(String, i64)>,
    /// The newest migration applied to it.
    pub schema_version: i64,
}

impl FileCheck {
    /// Rows in `table` (0 for a table it does not have).
    pub fn rows_in(&self, table: &str) -> i64 {
        self.rows
            .iter()
            .find(|(name, _)| name == table)
            .map_or(0, |(_, rows)| *rows)
    }

    pub fn total_rows(&self) -> i64 {
        self.rows.iter().map(|(_, rows)| rows).sum()
    }
}

/// Why a file is not a copy to trust.
#[derive(Debug, thiserror::Error)]
pub enum BadCopy {
    #[error("{file} cannot be opened as a SQLite database: {reason}")]
    Unopenable { file: String, reason: String },
    #[error("{file} failed SQLite's integrity check: {found}")]
    Corrupt { file: String, found: String },
    #[error("{file} is not a sharecare database (it has no record of migrations)")]
    NotOurs { file: String },
    #[error(
        "{file} was written by a newer release (migration {version}, which this one does not \
         know); restore it with that release or a later one"
    )]
    Newer { file: String, version: i64 },
    #[error(
        "{file} holds {copied} rows of {table}, fewer than the {before} the site had when the \
         copy began"
    )]
    Short {
        file: String,
        table: &'static str,
        copied: i64,
        before: i64,
    },
}

/// The file a `sqlite:` URL names (`None` for PostgreSQL or an in-memory database).
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let path = url
        .strip_prefix("sqlite:")?
        .trim_start_matches("//")
        .split('?')
        .next()
        .unwrap_or_default();
    (!path.is_empty() && !path.starts_with(":memory:")).then(|| PathBuf::from(path))
}

/// Opens `file` read-only and checks it: SQLite's `integrity_check` says "ok", it has the
/// site's migrations and none newer than this build knows, and every table can be counted.
pub async fn check_sqlite_file(file: &Path) -> Result<FileCheck, BadCopy> {
    let name = file.display().to_string();
    let unopenable = |reason: sqlx::Error| BadCopy::Unopenable {
        file: name.clone(),
        reason: reason.to_string(),
    };
    if !file.is_file() {
        return Err(BadCopy::Unopenable {
            file: name,
            reason: "no such file".into(),
        });
    }
    let mut connection = SqliteConnectOptions::new()
        .filename(file)
        .read_only(true)
        .connect()
        .await
        .map_err(unopenable)?;
    let found: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check")
        .fetch_all(&mut connection)
        .await
        .map_err(unopenable)?;
    let found: Vec<String> = found.into_iter().map(|(line,)| line).collect();
    if found != ["ok"] {
        return Err(BadCopy::Corrupt {
            file: name,
            found: found.join("; "),
        });
    }
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite!_%' ESCAPE '!' ORDER BY name",
    )
    .fetch_all(&mut connection)
    .await
    .map_err(unopenable)?;
    if !tables.iter().any(|(table,)| table == "_sqlx_migrations") {
        return Err(BadCopy::NotOurs { file: name });
    }
    let applied: Vec<(i64,)> =
        sqlx::query_as("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(&mut connection)
            .await
            .map_err(unopenable)?;
    if let Some((unknown,)) = applied
        .iter()
        .find(|(version,)| !MIGRATOR.iter().any(|m| m.version == *version))
    {
        return Err(BadCopy::Newer {
            file: name,
            version: *unknown,
        });
    }
    let mut rows = Vec::with_capacity(tables.len());
    for (table,) in tables {
        let (count,): (i64,) = sqlx::query_as(&format!(
            "SELECT COUNT(*) FROM \"{}\"",
            table.replace('"', "\"\"")
        ))
        .fetch_one(&mut connection)
        .await
        .map_err(unopenable)?;
        rows.push((table, count));
    }
    let _ = connection.close().await;
    Ok(FileCheck {
        rows,
        schema_version: applied.last().map_or(0, |(version,)| *version),
    })
}

/// Checks that `copy` holds at least the rows of the books that `before` (counted on the site
/// just before the copy began) had.
pub fn holds_the_books(file: &Path, before: &FileCheck, copy: &FileCheck) -> Result<(), BadCopy> {
    for table in APPEND_ONLY {
        let (copied, before) = (copy.rows_in(table), before.rows_in(table));
        if copied < before {
            return Err(BadCopy::Short {
                file: file.display().to_string(),
                table,
                copied,
                before,
            });
        }
    }
    Ok(())
}

impl Database {
    /// Writes a consistent copy of the whole SQLite database to `file`, which must not exist,
    /// while the site goes on serving.
    pub async fn copy_into(&self, file: &Path) -> Result<(), DbError> {
        if self.backend != Backend::Sqlite {
            return Err(DbError::NotSqlite);
        }
        sqlx::query("VACUUM INTO $1")
            .bind(file.to_string_lossy().into_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Rows of each table of the live database (compared with a copy's).
    pub async fn row_counts(&self) -> Result<FileCheck, DbError> {
        let mut tables: Vec<String> = self
            .schema_columns()
            .await?
            .into_iter()
            .map(|column| column.table)
            .collect();
        tables.dedup();
        let mut rows = Vec::with_capacity(tables.len());
        for table in tables {
            let (count,): (i64,) = sqlx::query_as(&format!(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM {}",
                super::personal_data::identifier(&table)?
            ))
            .fetch_one(&self.pool)
            .await?;
            rows.push((table, count));
        }
        let (version,): (Option<i64>,) = sqlx::query_as(
            "SELECT CAST(MAX(version) AS BIGINT) FROM _sqlx_migrations WHERE success",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(FileCheck {
            rows,
            schema_version: version.unwrap_or(0),
        })
    }

    /// Records a backup that passed its check.
    pub async fn record_backup(
        &self,
        file: &str,
        bytes: u64,
        rows_copied: i64,
        taken_at: Timestamp,
    ) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO backups (id, taken_at, file, bytes, rows_copied) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(sharecare_domain::secrets::random_hex::<16>())
        .bind(taken_at)
        .bind(file)
        .bind(super::to_column(bytes))
        .bind(rows_copied)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// When the newest good backup was taken, if ever.
    pub async fn newest_backup_at(&self) -> Result<Option<Timestamp>, DbError> {
        let (newest,): (Option<i64>,) =
            sqlx::query_as("SELECT CAST(MAX(taken_at) AS BIGINT) FROM backups")
                .fetch_one(&self.pool)
                .await?;
        Ok(newest.map(Timestamp::from_millis))
    }
}

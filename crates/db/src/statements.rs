//! Bank statements staff import to confirm transfers: the column layouts learnt per bank, the
//! files, and their lines (each stored once however often it is imported, and applied once).

use super::audit::{write_audit, AuditEntry};
use super::donations::{DonationRow, DONATION_COLUMNS};
use super::payments::RECEIVED_OF_DONATION;
use super::{non_negative, to_column, Database, DbError};
use sharecare_domain::donation::Donation;
use sharecare_domain::time::Timestamp;

/// Which columns of a bank's statement hold the date, the amount and the description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementMapping {
    /// The header row, normalised: how the bank's layout is recognised next time.
    pub signature: String,
    pub date_column: usize,
    pub amount_column: usize,
    pub text_column: usize,
    /// `ymd`, `dmy` or `mdy`.
    pub date_format: String,
}

/// An uploaded statement.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StatementImport {
    pub id: String,
    pub file_name: String,
    pub signature: String,
    pub raw: String,
    pub uploaded_by: String,
    pub uploaded_at: Timestamp,
    pub lines_read: i64,
    pub lines_known: i64,
    pub read_at: Option<Timestamp>,
    /// The bank account the statement is from, as staff named it.
    pub account: String,
    /// Of its lines, money in that no one has dealt with yet (not applied, not set aside).
    pub lines_open: i64,
}

/// A statement line about to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStatementLine {
    pub id: String,
    pub position: usize,
    pub fingerprint: String,
    /// `YYYY-MM-DD`.
    pub booked_on: String,
    /// Money in (positive) or out (negative), in minor units.
    pub amount_minor: i64,
    pub currency: String,
    pub description: String,
}

/// A stored statement line and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StatementLine {
    pub id: String,
    pub import_id: String,
    pub position: i64,
    pub booked_on: String,
    pub amount_minor: i64,
    pub currency: String,
    pub description: String,
    /// The payment it was applied as.
    pub payment_id: Option<String>,
    /// The donation that payment was for, and its reference.
    pub donation_id: Option<String>,
    pub reference: Option<String>,
    pub ignored_at: Option<Timestamp>,
    pub handled_by: Option<String>,
}

/// Money in on an import's lines that no one has dealt with yet, for `statement_imports`.
const OPEN_LINES: &str = "(SELECT CAST(COUNT(*) AS BIGINT) FROM statement_lines l \
     WHERE l.import_id = statement_imports.id AND l.amount_minor > 0 \
     AND l.payment_id IS NULL AND l.ignored_at IS NULL)";

const LINE_COLUMNS: &str = "l.id, l.import_id, l.position, l.booked_on, l.amount_minor, \
     l.currency, l.description, l.payment_id, l.donation_id, d.reference, l.ignored_at, \
     l.handled_by";

impl Database {
    pub async fn statement_mapping(
        &self,
        signature: &str,
    ) -> Result<Option<StatementMapping>, DbError> {
        let row: Option<(i64, i64, i64, String)> = sqlx::query_as(
            "SELECT date_column, amount_column, text_column, date_format \
             FROM statement_mappings WHERE signature = $1",
        )
        .bind(signature)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(date, amount, text, date_format)| {
            let column = |value: i64| {
                non_negative("statement_mappings", "column", value).map(|v| v as usize)
            };
            Ok(StatementMapping {
                signature: signature.to_string(),
                date_column: column(date)?,
                amount_column: column(amount)?,
                text_column: column(text)?,
                date_format,
            })
        })
        .transpose()
    }

    /// Remembers a bank's layout (a later mapping of the same layout replaces it).
    pub async fn save_statement_mapping(
        &self,
        mapping: &StatementMapping,
        now: Timestamp,
    ) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO statement_mappings (signature, date_column, amount_column, text_column, \
             date_format, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (signature) \
             DO UPDATE SET date_column = excluded.date_column, \
             amount_column = excluded.amount_column, text_column = excluded.text_column, \
             date_format = excluded.date_format",
        )
        .bind(&mapping.signature)
        .bind(to_column(mapping.date_column as u64))
        .bind(to_column(mapping.amount_column as u64))
        .bind(to_column(mapping.text_column as u64))
        .bind(&mapping.date_format)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn insert_statement_import(
        &self,
        import: &StatementImport,
        audit: &AuditEntry,
    ) -> Result<(), DbError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO statement_imports (id, file_name, signature, raw, uploaded_by, \
             uploaded_at, account) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&import.id)
        .bind(&import.file_name)
        .bind(&import.signature)
        .bind(&import.raw)
        .bind(&import.uploaded_by)
        .bind(import.uploaded_at)
        .bind(&import.account)
        .execute(&mut *tx)
        .await?;
        write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn statement_import(&self, id: &str) -> Result<Option<StatementImport>, DbError> {
        Ok(sqlx::query_as(&format!(
            "SELECT id, file_name, signature, raw, uploaded_by, uploaded_at, lines_read, \
             lines_known, read_at, account, {OPEN_LINES} AS lines_open FROM statement_imports \
             WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The latest imports, newest first.
    pub async fn statement_imports(&self, limit: i64) -> Result<Vec<StatementImport>, DbError> {
        Ok(sqlx::query_as(&format!(
            "SELECT id, file_name, signature, '' AS raw, uploaded_by, uploaded_at, lines_read, \
             lines_known, read_at, account, {OPEN_LINES} AS lines_open FROM statement_imports \
             ORDER BY uploaded_at DESC, id LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Takes the text out of statements uploaded before `uploaded_before` (the retention job;
    /// content's `statements_kept_days`): the file is emptied and its lines' descriptions (the
    /// payers' names as their banks have them) become [`REMOVED`](crate::REMOVED). Dates,
    /// amounts and what each line paid stay, for the books. Returns (files, lines) changed; a
    /// second run changes nothing.
    pub async fn redact_old_statements(
        &self,
        uploaded_before: Timestamp,
    ) -> Result<(u64, u64), DbError> {
        let mut tx = self.pool.begin().await?;
        let files = sqlx::query(
            "UPDATE statement_imports SET raw = '' WHERE uploaded_at < $1 AND raw <> ''",
        )
        .bind(uploaded_before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let lines = sqlx::query(
            "UPDATE statement_lines SET description = $1 WHERE description <> $1 \
             AND import_id IN (SELECT id FROM statement_imports WHERE uploaded_at < $2)",
        )
        .bind(crate::REMOVED)
        .bind(uploaded_before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok((files, lines))
    }

    /// Stores an import's lines once its columns are known. A line an earlier import already
    /// stored (same fingerprint) is not stored again: it stays with that import, applied or not.
    /// Returns (lines read, of which already known). Reading an import twice changes nothing.
    pub async fn store_statement_lines(
        &self,
        import_id: &str,
        lines: &[NewStatementLine],
        now: Timestamp,
    ) -> Result<(u64, u64), DbError> {
        let mut tx = self.pool.begin().await?;
        // The write first (SQLite takes its lock at once); a second reading finds `read_at` set.
        let first_reading = sqlx::query(
            "UPDATE statement_imports SET read_at = $1 WHERE id = $2 AND read_at IS NULL",
        )
        .bind(now)
        .bind(import_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !first_reading {
            tx.rollback().await?;
            let import = self.statement_import(import_id).await?;
            return Ok(import.map_or((0, 0), |import| {
                (import.lines_read as u64, import.lines_known as u64)
            }));
        }
        let mut known = 0u64;
        for line in lines {
            let stored = sqlx::query(
                "INSERT INTO statement_lines (id, import_id, position, fingerprint, booked_on, \
                 amount_minor, currency, description) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (fingerprint) DO NOTHING",
            )
            .bind(&line.id)
            .bind(import_id)
            .bind(to_column(line.position as u64))
            .bind(&line.fingerprint)
            .bind(&line.booked_on)
            .bind(line.amount_minor)
            .bind(&line.currency)
            .bind(&line.description)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if !stored {
                known += 1;
            }
        }
        sqlx::query("UPDATE statement_imports SET lines_read = $1, lines_known = $2 WHERE id = $3")
            .bind(to_column(lines.len() as u64))
            .bind(to_column(known))
            .bind(import_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((lines.len() as u64, known))
    }

    /// An import's own lines, in file order.
    pub async fn statement_lines(&self, import_id: &str) -> Result<Vec<StatementLine>, DbError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {LINE_COLUMNS} FROM statement_lines l \
             LEFT JOIN donations d ON d.id = l.donation_id \
             WHERE l.import_id = $1 ORDER BY l.position"
        ))
        .bind(import_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn statement_line(&self, id: &str) -> Result<Option<StatementLine>, DbError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {LINE_COLUMNS} FROM statement_lines l \
             LEFT JOIN donations d ON d.id = l.donation_id WHERE l.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Sets a line aside (not a gift: a bank fee, a transfer between accounts); `false` if it
    /// was applied or set aside already.
    pub async fn ignore_statement_line(
        &self,
        id: &str,
        now: Timestamp,
        audit: &AuditEntry,
    ) -> Result<bool, DbError> {
        let mut tx = self.pool.begin().await?;
        let changed = set_line_aside(&mut tx, id, &audit.actor.email, now).await? == 1;
        if changed {
            write_audit(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// Offline gifts a transfer may be for, each with what of it has arrived: pledges still
    /// waiting (or lapsed), one-off pledges paid in part, and monthly gifts still running
    /// (each month's transfer is a payment of its own).
    pub async fn transfer_candidates(&self) -> Result<Vec<(Donation, u64)>, DbError> {
        let rows: Vec<ReceivedRow> = sqlx::query_as(&format!(
            "SELECT {DONATION_COLUMNS}, {RECEIVED_OF_DONATION} AS received_minor FROM donations \
             WHERE payment_method = 'offline' AND (status IN ('pending', 'expired') \
             OR (status = 'paid' AND frequency = 'monthly' AND ended_at IS NULL) \
             OR (status = 'paid' AND frequency = 'one_off' \
                 AND {RECEIVED_OF_DONATION} < amount_minor + fee_minor)) ORDER BY created_at"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                let received = non_negative("payments", "amount_minor", row.received_minor)?;
                Ok((Donation::try_from(row.donation)?, received))
            })
            .collect()
    }

    /// Gifts by reference, whatever their state (a statement line names a gift paid already).
    pub async fn donations_by_references(
        &self,
        references: &[String],
    ) -> Result<Vec<Donation>, DbError> {
        let mut found = Vec::new();
        for chunk in references.chunks(100) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
            let sql = format!(
                "SELECT {DONATION_COLUMNS} FROM donations WHERE reference IN ({})",
                placeholders.join(", ")
            );
            let mut query = sqlx::query_as::<_, DonationRow>(&sql);
            for reference in chunk {
                query = query.bind(reference);
            }
            for row in query.fetch_all(&self.pool).await? {
                found.push(Donation::try_from(row)?);
            }
        }
        Ok(found)
    }
}

/// Inside a transaction: sets a line aside if no one has dealt with it; the rows changed.
pub(super) async fn set_line_aside(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    by: &str,
    now: Timestamp,
) -> Result<u64, DbError> {
    Ok(sqlx::query(
        "UPDATE statement_lines SET ignored_at = $1, handled_by = $2 \
         WHERE id = $3 AND payment_id IS NULL AND ignored_at IS NULL",
    )
    .bind(now)
    .bind(by)
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

#[derive(sqlx::FromRow)]
struct ReceivedRow {
    #[sqlx(flatten)]
    donation: DonationRow,
    received_minor: i64,
}

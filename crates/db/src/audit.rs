//! The audit log: every staff action with who, when, what, and the values before and after.
//! Append-only: this module only inserts and reads, and no code changes an entry, with one
//! exception the law makes: erasing a donor cuts their details out of the entries' text
//! (`personal_data`). Actions are written in the same transaction as the change they describe.

use super::{Database, DbError};
use sharecare_domain::secrets::random_hex;
use sharecare_domain::time::Timestamp;

/// Who did something: a member of staff, or the command line (no account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: Option<String>,
    pub email: String,
}

impl Actor {
    /// Staff tasks run on the server's command line (`sharecare admin ...`, `mark-paid`).
    pub fn command_line() -> Actor {
        Actor {
            id: None,
            email: "command line".to_string(),
        }
    }
}

/// One action, about to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub actor: Actor,
    /// What was done: `sign_in`, `confirm_transfer`, `refund`, `export`... (a closed set the
    /// callers name; see `server::staff::audit_actions`).
    pub action: &'static str,
    pub donation_id: Option<String>,
    /// What it was done to, when not a donation (an account, a statement, a role).
    pub subject: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl AuditEntry {
    pub fn new(actor: &Actor, action: &'static str) -> AuditEntry {
        AuditEntry {
            actor: actor.clone(),
            action,
            donation_id: None,
            subject: None,
            before: None,
            after: None,
        }
    }

    pub fn donation(mut self, donation_id: &str) -> AuditEntry {
        self.donation_id = Some(donation_id.to_string());
        self
    }

    pub fn subject(mut self, subject: impl Into<String>) -> AuditEntry {
        self.subject = Some(subject.into());
        self
    }

    pub fn change(mut self, before: Option<String>, after: Option<String>) -> AuditEntry {
        self.before = before;
        self.after = after;
        self
    }
}

/// A written action, as read back.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditRecord {
    pub id: String,
    pub at: Timestamp,
    pub actor_email: String,
    pub action: String,
    pub donation_id: Option<String>,
    pub subject: Option<String>,
    pub before_value: Option<String>,
    pub after_value: Option<String>,
}

const AUDIT_COLUMNS: &str =
    "id, at, actor_email, action, donation_id, subject, before_value, after_value";

/// Inside a transaction: writes one action.
pub(crate) async fn write_audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    entry: &AuditEntry,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor_id, actor_email, action, donation_id, subject, \
         before_value, after_value) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(random_hex::<16>())
    .bind(Timestamp::now())
    .bind(&entry.actor.id)
    .bind(&entry.actor.email)
    .bind(entry.action)
    .bind(&entry.donation_id)
    .bind(&entry.subject)
    .bind(&entry.before)
    .bind(&entry.after)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Database {
    /// Writes an action that changes nothing else (a sign-in, an export).
    pub async fn write_audit(&self, entry: &AuditEntry) -> Result<(), DbError> {
        let mut tx = self.pool.begin().await?;
        write_audit(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A donation's actions, oldest first.
    pub async fn audit_for_donation(&self, donation_id: &str) -> Result<Vec<AuditRecord>, DbError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE donation_id = $1 ORDER BY at, id"
        ))
        .bind(donation_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The latest actions, newest first: `limit` of them, older than `before` if given.
    pub async fn audit_page(
        &self,
        before: Option<Timestamp>,
        limit: i64,
    ) -> Result<Vec<AuditRecord>, DbError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE at < $1 ORDER BY at DESC, id DESC \
             LIMIT $2"
        ))
        .bind(before.unwrap_or(Timestamp::MAX))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }
}

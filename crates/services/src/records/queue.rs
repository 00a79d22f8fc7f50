//! The exceptions queue as staff work through it: what needs a person, resolved with a note,
//! or (a parked receipt) sent again. Each is audited.

use super::Records;
use crate::staff::actions;
use sharecare_db::{Actor, AuditEntry, DbError, QueueItem};
use sharecare_domain::admin::QueueKind;
use sharecare_domain::time::Timestamp;

/// One thing a person must look at, as the queue shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueEntry {
    pub kind: QueueKind,
    pub id: String,
    /// The donation's reference, when it is about one.
    pub reference: Option<String>,
    /// When it arose.
    pub at: Timestamp,
    /// What it is about, for staff: the exception's kind and amounts, the error, the event.
    pub detail: String,
    pub amount_minor: Option<i64>,
    /// The bank statement it is on (a statement line).
    pub import_id: Option<String>,
}

impl From<QueueItem> for QueueEntry {
    fn from(item: QueueItem) -> QueueEntry {
        QueueEntry {
            kind: item.kind,
            id: item.id,
            reference: item.reference,
            at: item.at,
            detail: item.detail,
            amount_minor: item.amount_minor,
            import_id: item.import_id,
        }
    }
}

impl Records {
    /// Everything no one has resolved, oldest first.
    pub async fn queue(&self) -> Result<Vec<QueueEntry>, DbError> {
        Ok(self
            .db
            .exceptions_queue()
            .await?
            .into_iter()
            .map(QueueEntry::from)
            .collect())
    }
    /// Marks a queue item dealt with; `false` if it was already (or is not in the queue).
    pub async fn resolve(
        &self,
        kind: QueueKind,
        id: &str,
        note: &str,
        actor: &Actor,
    ) -> Result<bool, DbError> {
        let audit = AuditEntry::new(actor, actions::RESOLVED)
            .subject(format!("{} {id}", kind.as_str()))
            .change(None, Some(note.to_string()));
        let audit = match self.donation_of_item(kind, id).await? {
            Some(donation_id) => audit.donation(&donation_id),
            None => audit,
        };
        self.db
            .resolve_queue_item(kind, id, note, Timestamp::now(), &audit)
            .await
    }

    async fn donation_of_item(&self, kind: QueueKind, id: &str) -> Result<Option<String>, DbError> {
        Ok(self
            .db
            .exceptions_queue()
            .await?
            .into_iter()
            .find(|item| item.kind == kind && item.id == id)
            .and_then(|item| item.donation_id))
    }

    /// Sends a parked receipt again; `false` if it is not parked.
    pub async fn retry_receipt(&self, id: &str, actor: &Actor) -> Result<bool, DbError> {
        let audit = AuditEntry::new(actor, actions::RECEIPT_RETRY).subject(format!("receipt {id}"));
        let audit = match self.donation_of_item(QueueKind::Receipt, id).await? {
            Some(donation_id) => audit.donation(&donation_id),
            None => audit,
        };
        self.db
            .retry_parked_receipt(id, Timestamp::now(), &audit)
            .await
    }
}

//! What staff read: donations filtered and paged (and streamed for export), one donation's
//! whole history, the exceptions queue, the audit log, statement imports, and the dashboard's
//! figures, each as the type its page renders. Changes go through the donations service
//! (`Donations`), which owns the money.

mod figures;
mod history;
mod listing;
mod queue;

use std::sync::Arc;

use crate::content::Content;
use crate::server::db::{Database, DbError};
use crate::server::statements::ImportSummary;

pub use figures::{FigureBucket, Figures, Loyalty, DAYS};
pub use history::{
    AuditLine, History, HistoryEvent, HistoryException, HistoryPayment, HistoryReceipt,
    HistoryRefund,
};
pub use listing::{DonationListing, ListedDonation, ListingQuery, ListingTotals};
pub use queue::QueueEntry;

pub struct Records {
    db: Database,
    content: Arc<Content>,
}

impl Records {
    pub fn new(db: Database, content: Arc<Content>) -> Records {
        Records { db, content }
    }

    /// The latest statement imports, newest first.
    pub async fn imports(&self) -> Result<Vec<ImportSummary>, DbError> {
        Ok(self
            .db
            .statement_imports(20)
            .await?
            .into_iter()
            .map(ImportSummary::from)
            .collect())
    }

    /// The content's campaign goal, for the progress figure.
    pub fn goal_minor(&self) -> u64 {
        self.content.organisation.goal_minor_units
    }
}

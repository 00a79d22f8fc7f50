//! What staff read: donations filtered and paged (and streamed for export), one donation's
//! whole history, the exceptions queue, the audit log, statement imports, and the dashboard's
//! figures. Changes go through the donations service (`Donations`), which owns the money.

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::staff::actions;
use sharecare_content::Content;
use sharecare_db::{
    Actor, AdminDonation, AuditEntry, AuditRecord, Breakdown, Bucket, Database, DbError,
    DonationFilter, DonorLoyalty, EventRecord, FilteredTotals, PaymentRecord, QueueItem, QueueKind,
    ReceiptRecord, RefundRequestRecord, SortBy, StatementImport,
};
use sharecare_domain::clock::now_millis;
use sharecare_domain::donation::Donation;
use sharecare_domain::identifiers::Reference;

/// Everything known about one donation, for its page in the admin.
#[derive(Debug, Clone)]
pub struct History {
    pub donation: Donation,
    pub story: Option<String>,
    /// The partner the gift came through, as staff know it (`Content::partner_label`).
    pub partner: Option<String>,
    pub events: Vec<EventRecord>,
    pub payments: Vec<PaymentRecord>,
    pub receipts: Vec<ReceiptRecord>,
    pub refunds: Vec<RefundRequestRecord>,
    pub audit: Vec<AuditRecord>,
    pub exceptions: Vec<(String, Option<i64>)>,
}

/// The dashboard's figures.
#[derive(Debug, Clone)]
pub struct Figures {
    /// Net received per Hong Kong day over the last `DAYS` days, oldest first, with days
    /// without gifts as zero.
    pub by_day: Vec<Bucket>,
    pub by_method: Vec<Bucket>,
    pub by_frequency: Vec<Bucket>,
    pub loyalty: DonorLoyalty,
    pub top_stories: Vec<Bucket>,
    pub top_links: Vec<Bucket>,
    /// Where gifts came from: the links' campaign tags and the partners' embeds.
    pub by_source: Vec<Bucket>,
    pub by_medium: Vec<Bucket>,
    pub by_campaign: Vec<Bucket>,
    pub by_partner: Vec<Bucket>,
}

/// How many days the dashboard's bar chart covers.
pub const DAYS: i64 = 30;

pub struct Records {
    db: Database,
    content: Arc<Content>,
}

impl Records {
    pub fn new(db: Database, content: Arc<Content>) -> Records {
        Records { db, content }
    }

    pub async fn donations(
        &self,
        filter: &DonationFilter,
        sort: SortBy,
        descending: bool,
        page: u32,
        per_page: u32,
    ) -> Result<Vec<AdminDonation>, DbError> {
        self.db
            .admin_donations(filter, sort, descending, page, per_page)
            .await
    }

    pub async fn totals(&self, filter: &DonationFilter) -> Result<FilteredTotals, DbError> {
        self.db.admin_totals(filter).await
    }

    /// Streams the filtered donations into `rows` (see `Database::send_donations`), after
    /// writing the export to the audit log.
    pub async fn export(
        &self,
        filter: DonationFilter,
        actor: &Actor,
        described: String,
        rows: mpsc::Sender<Result<AdminDonation, DbError>>,
    ) -> Result<(), DbError> {
        let audit = AuditEntry::new(actor, actions::EXPORT).subject(described);
        self.db.write_audit(&audit).await?;
        let db = self.db.clone();
        tokio::spawn(async move { db.send_donations(&filter, rows).await });
        Ok(())
    }

    pub async fn history(&self, reference: &Reference) -> Result<Option<History>, DbError> {
        let Some(donation) = self.db.donation_by_reference(reference).await? else {
            return Ok(None);
        };
        let id = donation.id.clone();
        let story = match &donation.referral {
            Some(code) => self
                .db
                .referral_totals(code)
                .await?
                .map(|totals| totals.story_slug),
            None => None,
        };
        Ok(Some(History {
            events: self.db.events_for_donation(&id).await?,
            payments: self.db.payments_for_donation(&id).await?,
            receipts: self.db.receipts_for_donation(&id).await?,
            refunds: self.db.refund_requests_for_donation(&id).await?,
            audit: self.db.audit_for_donation(&id).await?,
            exceptions: self.db.exceptions_for_donation(&id).await?,
            story,
            partner: donation
                .attribution
                .partner
                .as_ref()
                .map(|code| self.content.partner_label(code.as_str())),
            donation,
        }))
    }

    pub async fn queue(&self) -> Result<Vec<QueueItem>, DbError> {
        self.db.exceptions_queue().await
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
            .resolve_queue_item(kind, id, note, now_millis(), &audit)
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
        self.db.retry_parked_receipt(id, now_millis(), &audit).await
    }

    pub async fn audit_page(
        &self,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditRecord>, DbError> {
        self.db.audit_page(before, limit).await
    }

    pub async fn imports(&self) -> Result<Vec<StatementImport>, DbError> {
        self.db.statement_imports(20).await
    }

    pub async fn figures(&self) -> Result<Figures, DbError> {
        let now = now_millis();
        let today = (now + 8 * 3_600_000).div_euclid(86_400_000);
        let first = today - (DAYS - 1);
        let since = first * 86_400_000 - 8 * 3_600_000;
        let received = self.db.received_by_day(since).await?;
        let by_day = (first..=today)
            .map(|day| {
                received
                    .iter()
                    .find(|bucket| bucket.key == day.to_string())
                    .cloned()
                    .unwrap_or(Bucket {
                        key: day.to_string(),
                        amount_minor: 0,
                        gifts: 0,
                    })
            })
            .collect();
        Ok(Figures {
            by_day,
            by_method: self.db.received_by(Breakdown::Method).await?,
            by_frequency: self.db.received_by(Breakdown::Frequency).await?,
            loyalty: self.db.donor_loyalty().await?,
            top_stories: self.db.received_by(Breakdown::Story).await?,
            top_links: self.db.received_by(Breakdown::ReferralCode).await?,
            by_source: self.db.received_by(Breakdown::Source).await?,
            by_medium: self.db.received_by(Breakdown::Medium).await?,
            by_campaign: self.db.received_by(Breakdown::Campaign).await?,
            by_partner: self.partner_names(self.db.received_by(Breakdown::Partner).await?),
        })
    }

    /// Partners' codes as staff know them (`Content::partner_label`).
    fn partner_names(&self, buckets: Vec<Bucket>) -> Vec<Bucket> {
        buckets
            .into_iter()
            .map(|bucket| Bucket {
                key: self.content.partner_label(&bucket.key),
                ..bucket
            })
            .collect()
    }

    /// The content's campaign goal, for the progress figure.
    pub fn goal_minor(&self) -> u64 {
        self.content.organisation.goal_minor_units
    }
}

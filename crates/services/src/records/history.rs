//! One donation's whole history, for its page in the admin: the provider's events, the
//! payments, receipts, refunds asked for, exceptions and what staff did, as views show them.

use super::Records;
use sharecare_db::{
    AuditRecord, DbError, EventRecord, PaymentRecord, ReceiptRecord, RefundRequestRecord,
};
use sharecare_domain::dispute::DisputeState;
use sharecare_domain::donation::Donation;
use sharecare_domain::identifiers::Reference;
use sharecare_domain::time::Timestamp;

/// Everything known about one donation, for its page in the admin.
#[derive(Debug, Clone)]
pub struct History {
    pub donation: Donation,
    pub story: Option<String>,
    /// The partner the gift came through, as staff know it (`Content::partner_label`).
    pub partner: Option<String>,
    pub events: Vec<HistoryEvent>,
    pub payments: Vec<HistoryPayment>,
    pub receipts: Vec<HistoryReceipt>,
    pub refunds: Vec<HistoryRefund>,
    pub audit: Vec<AuditLine>,
    pub exceptions: Vec<HistoryException>,
    /// What of the gift has arrived and still counts (payments less refunds and voided ones).
    pub received_minor: u64,
}

/// A provider event about the donation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEvent {
    pub event_id: String,
    pub provider: String,
    pub event_type: String,
    pub received_at: Timestamp,
}

impl From<EventRecord> for HistoryEvent {
    fn from(event: EventRecord) -> HistoryEvent {
        HistoryEvent {
            event_id: event.event_id,
            provider: event.provider,
            event_type: event.event_type,
            received_at: event.received_at,
        }
    }
}

/// A payment for the donation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryPayment {
    pub id: String,
    /// The charge's id at its source (an invoice, a payment intent, `offline:{reference}`).
    pub source_id: String,
    /// Paid by card through the provider, so refunded through it.
    pub by_card: bool,
    pub amount_minor: u64,
    pub refunded_minor: u64,
    pub disputed_minor: u64,
    pub dispute: Option<DisputeState>,
    pub paid_at: Timestamp,
    /// For money that came to the bank: how, and what staff did to it since.
    pub offline: Option<OfflineFacts>,
}

/// What staff recorded of an offline payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfflineFacts {
    /// `transfer`, `cheque` or `cash`.
    pub method: String,
    pub cheque_number: Option<String>,
    /// When staff confirmed it (undo is offered for a short while after).
    pub confirmed_at: Option<Timestamp>,
    pub voided_at: Option<Timestamp>,
    pub void_reason: Option<String>,
    /// Applied from a statement line (undo frees the line).
    pub from_statement: bool,
    /// A monthly gift's second payment in one month.
    pub second_in_month: bool,
}

impl HistoryPayment {
    /// What is left to refund: the payment, less what was refunded or taken by a dispute.
    pub fn refundable_minor(&self) -> u64 {
        self.amount_minor
            .saturating_sub(self.refunded_minor)
            .saturating_sub(self.disputed_minor)
    }
}

impl From<PaymentRecord> for HistoryPayment {
    fn from(payment: PaymentRecord) -> HistoryPayment {
        HistoryPayment {
            by_card: payment.payment_intent_id.is_some(),
            id: payment.id,
            source_id: payment.source_id,
            amount_minor: payment.amount_minor,
            refunded_minor: payment.refunded_minor,
            disputed_minor: payment.disputed_minor,
            dispute: payment.dispute,
            paid_at: payment.paid_at,
            offline: None,
        }
    }
}

/// A receipt for the donation and how its sending went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryReceipt {
    pub created_at: Timestamp,
    pub attempts: i64,
    pub sent_at: Option<Timestamp>,
    pub logged_at: Option<Timestamp>,
    pub failed_at: Option<Timestamp>,
    pub last_error: Option<String>,
}

impl From<ReceiptRecord> for HistoryReceipt {
    fn from(receipt: ReceiptRecord) -> HistoryReceipt {
        HistoryReceipt {
            created_at: receipt.created_at,
            attempts: receipt.attempts,
            sent_at: receipt.sent_at,
            logged_at: receipt.logged_at,
            failed_at: receipt.failed_at,
            last_error: receipt.last_error,
        }
    }
}

/// A refund staff asked the provider for, and what it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRefund {
    pub requested_at: Timestamp,
    pub amount_minor: i64,
    pub requested_by: String,
    pub provider_refund_id: Option<String>,
    pub error: Option<String>,
}

impl From<RefundRequestRecord> for HistoryRefund {
    fn from(refund: RefundRequestRecord) -> HistoryRefund {
        HistoryRefund {
            requested_at: refund.requested_at,
            amount_minor: refund.amount_minor,
            requested_by: refund.requested_by,
            provider_refund_id: refund.provider_refund_id,
            error: refund.error,
        }
    }
}

/// A payment that did not match the donation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryException {
    pub kind: String,
    /// What was received, if anything.
    pub received_minor: Option<i64>,
}

/// One action in the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditLine {
    pub at: Timestamp,
    pub actor_email: String,
    pub action: String,
    pub subject: Option<String>,
    pub before_value: Option<String>,
    pub after_value: Option<String>,
}

impl From<AuditRecord> for AuditLine {
    fn from(record: AuditRecord) -> AuditLine {
        AuditLine {
            at: record.at,
            actor_email: record.actor_email,
            action: record.action,
            subject: record.subject,
            before_value: record.before_value,
            after_value: record.after_value,
        }
    }
}

/// Every item, converted.
fn all<T, V: From<T>>(items: Vec<T>) -> Vec<V> {
    items.into_iter().map(V::from).collect()
}

impl Records {
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
        let offline = self.db.offline_payments(&id).await?;
        let mut payments: Vec<HistoryPayment> = all(self.db.payments_for_donation(&id).await?);
        for payment in &mut payments {
            payment.offline = offline
                .iter()
                .find(|record| record.id == payment.id)
                .map(|record| OfflineFacts {
                    method: record.method.clone().unwrap_or_default(),
                    cheque_number: record.cheque_number.clone(),
                    confirmed_at: record.confirmed_at,
                    voided_at: record.voided_at,
                    void_reason: record.void_reason.clone(),
                    from_statement: record.statement_line.is_some(),
                    second_in_month: record.flag.as_deref() == Some("second_in_month"),
                });
        }
        Ok(Some(History {
            received_minor: self.db.offline_received(&id).await?,
            events: all(self.db.events_for_donation(&id).await?),
            payments,
            receipts: all(self.db.receipts_for_donation(&id).await?),
            refunds: all(self.db.refund_requests_for_donation(&id).await?),
            audit: all(self.db.audit_for_donation(&id).await?),
            exceptions: self
                .db
                .exceptions_for_donation(&id)
                .await?
                .into_iter()
                .map(|(kind, received_minor)| HistoryException {
                    kind,
                    received_minor,
                })
                .collect(),
            story,
            partner: donation
                .attribution
                .partner
                .as_ref()
                .map(|code| self.content.partner_label(code.as_str())),
            donation,
        }))
    }

    /// The latest actions, newest first: `limit` of them, older than `before` if given.
    pub async fn audit_page(
        &self,
        before: Option<Timestamp>,
        limit: i64,
    ) -> Result<Vec<AuditLine>, DbError> {
        Ok(all(self.db.audit_page(before, limit).await?))
    }
}

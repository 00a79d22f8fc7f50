//! What is held about a donor, as they download it (JSON or CSV), and deleting it.

use serde::Serialize;

use super::Donors;
use sharecare_db::{ConsentEvent, DbError, Erased};
use sharecare_domain::donor::HolderKind;
use sharecare_domain::money::Money;
use sharecare_domain::time::Timestamp;

#[derive(Debug, thiserror::Error)]
pub enum EraseError {
    /// Monthly gifts still running must be stopped first (nothing more may be taken from
    /// someone whose details are gone).
    #[error("a monthly gift is still running")]
    MonthlyRunning,
    #[error(transparent)]
    Database(#[from] DbError),
}

/// Everything held about a donor, as they download it.
#[derive(Debug, Clone, Serialize)]
pub struct DonorData {
    pub email: String,
    pub gifts: Vec<GiftData>,
    pub consent_history: Vec<ConsentEvent>,
    pub messages: Vec<MessageData>,
}

/// A message the donor sent the charity from My gifts.
#[derive(Debug, Clone, Serialize)]
pub struct MessageData {
    pub reference: Option<String>,
    pub sent_at: String,
    pub message: String,
}

/// One gift as its donor downloads it: every personal field the site holds about it (the
/// list in `sharecare_db::PERSONAL_DATA` says which, and a test holds this to it).
#[derive(Debug, Clone, Serialize)]
pub struct GiftData {
    pub reference: String,
    pub created_at: String,
    pub status: String,
    pub amount: String,
    pub currency: String,
    pub frequency: String,
    pub payment_method: String,
    pub email: String,
    pub name: Option<String>,
    pub receipt: String,
    pub receipt_name: Option<String>,
    /// A company's receipt: `company`.
    pub receipt_holder: Option<String>,
    pub company_registration: Option<String>,
    pub marketing_consent: bool,
    pub consent_recorded_at: String,
    pub language: String,
    pub referral_code: Option<String>,
    /// What the donor added towards card costs.
    pub fee_covered: String,
    /// `honour` or `memory`, with whom and the message.
    pub tribute_kind: Option<String>,
    pub honoree_name: Option<String>,
    pub tribute_message: Option<String>,
    /// Whom to tell of the tribute, and whether the email says the amount (`shown`, `hidden`).
    pub notify_name: Option<String>,
    pub notify_email: Option<String>,
    pub notify_amount: Option<String>,
    /// Where the gift came from: the link's campaign tags, the partner, the story read.
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub partner: Option<String>,
    pub story: Option<String>,
    /// The reason given when a monthly gift was stopped.
    pub ended_reason: Option<String>,
    pub payments: Vec<PaymentData>,
    pub receipts: Vec<ReceiptData>,
    pub requested_changes: Vec<ChangeData>,
    /// The bank's statement lines for the gift, as the bank wrote them.
    pub statement_lines: Vec<StatementLineData>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PaymentData {
    pub paid_at: String,
    pub amount: String,
    pub refunded: String,
    /// `transfer`, `cheque` or `cash` (none for a card), and a cheque's number.
    pub method: Option<String>,
    pub cheque_number: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReceiptData {
    pub number: String,
    pub amount: String,
    pub issued_to: Option<String>,
    pub void: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChangeData {
    pub kind: String,
    pub requested_at: String,
    /// What was asked: a date (Unix milliseconds), an amount (minor units) or a reason.
    pub detail: Option<String>,
    pub confirmed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatementLineData {
    pub booked_on: String,
    pub amount: String,
    pub description: String,
}

impl Donors {
    /// Everything held about a donor.
    pub async fn data(&self, email_key: &str) -> Result<DonorData, DbError> {
        let mut gifts = Vec::new();
        for d in self.db.donations_of_donor(email_key).await? {
            let currency = d.amount.currency;
            let money = |minor: u64| Money::new(minor, currency).plain_decimal();
            let particulars = self.db.gift_particulars(&d.id).await?;
            let payments = self
                .db
                .payments_for_donation(&d.id)
                .await?
                .iter()
                .map(|p| {
                    let (method, cheque_number) = particulars
                        .payments
                        .iter()
                        .find(|(id, _, _)| *id == p.id)
                        .map(|(_, method, cheque)| (method.clone(), cheque.clone()))
                        .unwrap_or_default();
                    PaymentData {
                        paid_at: p.paid_at.hong_kong_rfc3339(),
                        amount: money(p.amount_minor),
                        refunded: money(p.refunded_minor),
                        method,
                        cheque_number,
                    }
                })
                .collect();
            let receipts = self
                .db
                .receipts_of_donation(&d.id)
                .await?
                .iter()
                .map(|r| ReceiptData {
                    number: r.number_text(),
                    amount: r.amount.plain_decimal(),
                    issued_to: r.issued_to.clone(),
                    void: !r.is_valid(),
                })
                .collect();
            let requested_changes = self
                .db
                .gift_changes(&d.id)
                .await?
                .into_iter()
                .map(|c| ChangeData {
                    kind: c.kind,
                    requested_at: c.requested_at.hong_kong_rfc3339(),
                    detail: c.detail,
                    confirmed: c.confirmed_at.is_some(),
                })
                .collect();
            let statement_lines = particulars
                .statement_lines
                .into_iter()
                .map(|(booked_on, amount_minor, description)| StatementLineData {
                    booked_on,
                    amount: money(amount_minor.unsigned_abs()),
                    description,
                })
                .collect();
            let tribute = d.tribute.as_ref();
            let notify = tribute.and_then(|t| t.notify.as_ref());
            let text = |value: Option<&str>| value.map(str::to_string);
            let attribution = &d.attribution;
            gifts.push(GiftData {
                reference: d.reference.as_str().to_string(),
                created_at: d.created_at.hong_kong_rfc3339(),
                status: d.status.as_str().to_string(),
                amount: d.amount.plain_decimal(),
                currency: currency.code().to_string(),
                frequency: d.frequency.as_str().to_string(),
                payment_method: d.payment_method.as_str().to_string(),
                email: d.email.as_str().to_string(),
                name: text(d.donor_name.as_ref().map(|n| n.as_str())),
                receipt: d.receipt.code().to_string(),
                receipt_name: text(d.receipt_name().map(|n| n.as_str())),
                receipt_holder: (d.receipt.holder_kind() == HolderKind::Company)
                    .then(|| "company".to_string()),
                company_registration: text(d.receipt.registration().map(|r| r.as_str())),
                marketing_consent: d.marketing_consent,
                consent_recorded_at: d.consent_recorded_at.hong_kong_rfc3339(),
                language: d.locale.code().to_string(),
                referral_code: text(d.referral.as_ref().map(|c| c.as_str())),
                fee_covered: d.fee.plain_decimal(),
                tribute_kind: text(tribute.map(|t| t.kind.as_str())),
                honoree_name: text(tribute.map(|t| t.honoree.as_str())),
                tribute_message: text(tribute.and_then(|t| t.message.as_ref()).map(|m| m.as_str())),
                notify_name: text(notify.map(|n| n.name.as_str())),
                notify_email: text(notify.map(|n| n.email.as_str())),
                notify_amount: notify
                    .map(|n| if n.show_amount { "shown" } else { "hidden" }.to_string()),
                utm_source: text(attribution.source.as_ref().map(|t| t.as_str())),
                utm_medium: text(attribution.medium.as_ref().map(|t| t.as_str())),
                utm_campaign: text(attribution.campaign.as_ref().map(|t| t.as_str())),
                partner: text(attribution.partner.as_ref().map(|p| p.as_str())),
                story: text(attribution.story.as_ref().map(|s| s.as_str())),
                ended_reason: particulars.ended_reason,
                payments,
                receipts,
                requested_changes,
                statement_lines,
            });
        }
        Ok(DonorData {
            email: email_key.to_string(),
            consent_history: self.db.consent_history(email_key).await?,
            messages: self
                .db
                .donor_messages(email_key)
                .await?
                .into_iter()
                .map(|(reference, message, at)| MessageData {
                    reference,
                    sent_at: at.hong_kong_rfc3339(),
                    message,
                })
                .collect(),
            gifts,
        })
    }

    /// Deletes what is held about a donor: every personal column of every table, as
    /// `sharecare_db::PERSONAL_DATA` says (see `Database::erase_donor`).
    pub async fn erase(&self, email_key: &str) -> Result<Erased, EraseError> {
        let running = self
            .gifts(email_key)
            .await?
            .iter()
            .any(|gift| gift.manageable());
        if running {
            return Err(EraseError::MonthlyRunning);
        }
        let erased = self.db.erase_donor(email_key, Timestamp::now()).await?;
        tracing::info!(
            deleted = erased.deleted,
            anonymised = erased.anonymised,
            removed = erased.removed,
            redacted = erased.redacted,
            "a donor's data was deleted at their request"
        );
        Ok(erased)
    }
}

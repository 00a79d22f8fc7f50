//! What is held about a donor, as they download it (JSON or CSV), and deleting it.

use serde::Serialize;

use super::Donors;
use sharecare_db::{ConsentEvent, DbError, Erased};
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
    pub marketing_consent: bool,
    pub language: String,
    pub referral_code: Option<String>,
    pub payments: Vec<PaymentData>,
    pub receipts: Vec<ReceiptData>,
    pub requested_changes: Vec<ChangeData>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PaymentData {
    pub paid_at: String,
    pub amount: String,
    pub refunded: String,
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
    pub confirmed: bool,
}

impl Donors {
    /// Everything held about a donor.
    pub async fn data(&self, email_key: &str) -> Result<DonorData, DbError> {
        let gifts = self.gifts(email_key).await?;
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
            gifts: gifts
                .into_iter()
                .map(|gift| {
                    let d = gift.donation;
                    let currency = d.amount.currency;
                    GiftData {
                        reference: d.reference.as_str().to_string(),
                        created_at: d.created_at.hong_kong_rfc3339(),
                        status: d.status.as_str().to_string(),
                        amount: d.amount.plain_decimal(),
                        currency: currency.code().to_string(),
                        frequency: d.frequency.as_str().to_string(),
                        payment_method: d.payment_method.as_str().to_string(),
                        email: d.email.as_str().to_string(),
                        name: d.donor_name.as_ref().map(|n| n.as_str().to_string()),
                        receipt: d.receipt.code().to_string(),
                        receipt_name: d.receipt_name().map(|n| n.as_str().to_string()),
                        marketing_consent: d.marketing_consent,
                        language: d.locale.code().to_string(),
                        referral_code: d.referral.as_ref().map(|c| c.as_str().to_string()),
                        payments: gift
                            .payments
                            .iter()
                            .map(|p| PaymentData {
                                paid_at: p.paid_at.hong_kong_rfc3339(),
                                amount: p.amount.plain_decimal(),
                                refunded: p.refunded.plain_decimal(),
                            })
                            .collect(),
                        receipts: gift
                            .receipts
                            .iter()
                            .map(|r| ReceiptData {
                                number: r.number.clone(),
                                amount: r.amount.plain_decimal(),
                                issued_to: r.issued_to.clone(),
                                void: !r.valid,
                            })
                            .collect(),
                        requested_changes: gift
                            .changes
                            .iter()
                            .map(|c| ChangeData {
                                kind: c.kind.clone(),
                                requested_at: c.requested_at.hong_kong_rfc3339(),
                                confirmed: c.confirmed_at.is_some(),
                            })
                            .collect(),
                    }
                })
                .collect(),
        })
    }

    /// Deletes what is held about a donor (see `Database::erase_donor`).
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
            "a donor's data was deleted at their request"
        );
        Ok(erased)
    }
}

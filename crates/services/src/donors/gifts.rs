//! A donor's gifts as they see them, and what they may change: monthly card gifts through the
//! provider (confirmed by its webhook and by email), the receipt's name, news consent, and a
//! message to the charity.

use std::time::Duration;

use super::Donors;
use crate::payment::stripe::SubscriptionChange;
use crate::payment::ProviderError;
use sharecare_content::paths;
use sharecare_db::{ConsentEvent, DbError, GiftChange, PaymentRecord, TaxReceipt};
use sharecare_domain::changes::ChangeKind;
use sharecare_domain::donation::{Donation, Frequency, PaymentMethod};
use sharecare_domain::donor::Receipt;
use sharecare_domain::money::{Currency, Money};
use sharecare_domain::time::{hong_kong_midnight, Timestamp};
use sharecare_domain::Locale;

/// One gift as its donor sees it.
#[derive(Debug, Clone)]
pub struct GiftView {
    pub donation: Donation,
    pub payments: Vec<PaymentView>,
    pub receipts: Vec<ReceiptView>,
    pub changes: Vec<ChangeView>,
}

/// A payment of a gift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentView {
    pub paid_at: Timestamp,
    pub amount: Money,
    /// Given back so far (zero for none).
    pub refunded: Money,
}

/// A tax receipt of a gift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptView {
    pub id: String,
    /// "2026-27/000123".
    pub number: String,
    pub amount: Money,
    /// When the gift was made.
    pub paid_at: Timestamp,
    pub issued_to: Option<String>,
    /// Not voided.
    pub valid: bool,
}

/// A change the donor asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeView {
    /// `pause`, `resume`, `amount`, `day`, `cancel`, `card`.
    pub kind: String,
    pub requested_at: Timestamp,
    pub confirmed_at: Option<Timestamp>,
    /// The provider refused it.
    pub failed: bool,
}

/// News consent given or withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsentView {
    pub given: bool,
    pub at: Timestamp,
}

impl PaymentView {
    /// A payment of a gift in `currency` (a payment's row keeps minor units only).
    fn of(payment: &PaymentRecord, currency: Currency) -> PaymentView {
        PaymentView {
            paid_at: payment.paid_at,
            amount: Money::new(payment.amount_minor, currency),
            refunded: Money::new(payment.refunded_minor, currency),
        }
    }
}

impl From<&TaxReceipt> for ReceiptView {
    fn from(receipt: &TaxReceipt) -> ReceiptView {
        ReceiptView {
            id: receipt.id.clone(),
            number: receipt.number_text(),
            amount: receipt.amount,
            paid_at: receipt.paid_at,
            issued_to: receipt.issued_to.clone(),
            valid: receipt.is_valid(),
        }
    }
}

impl From<&GiftChange> for ChangeView {
    fn from(change: &GiftChange) -> ChangeView {
        ChangeView {
            kind: change.kind.clone(),
            requested_at: change.requested_at,
            confirmed_at: change.confirmed_at,
            failed: change.error.is_some(),
        }
    }
}

impl From<&ConsentEvent> for ConsentView {
    fn from(event: &ConsentEvent) -> ConsentView {
        ConsentView {
            given: event.consent == "given",
            at: event.at,
        }
    }
}

impl GiftView {
    /// A monthly card gift still running: it can be paused, changed or stopped here.
    pub fn manageable(&self) -> bool {
        let d = &self.donation;
        d.frequency == Frequency::Monthly
            && d.payment_method == PaymentMethod::Card
            && d.subscription_id.is_some()
            && d.ended_at.is_none()
    }

    /// Requests the provider has not confirmed yet (shown as "on its way").
    pub fn pending(&self) -> Vec<&ChangeView> {
        self.changes
            .iter()
            .filter(|change| {
                change.confirmed_at.is_none()
                    && !change.failed
                    && change.kind != ChangeKind::Card.as_str()
            })
            .collect()
    }
}

/// What a donor asks of a monthly card gift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeRequest {
    /// Skip 1 to 3 months.
    Pause {
        months: u32,
    },
    Resume,
    Amount(Money),
    /// Be charged on this day of the month (1–28) from now on.
    Day(u32),
    Cancel {
        reason: String,
    },
    /// Update the card (at the provider's own page).
    Card,
}

impl ChangeRequest {
    fn kind(&self) -> ChangeKind {
        match self {
            ChangeRequest::Pause { .. } => ChangeKind::Pause,
            ChangeRequest::Resume => ChangeKind::Resume,
            ChangeRequest::Amount(_) => ChangeKind::Amount,
            ChangeRequest::Day(_) => ChangeKind::Day,
            ChangeRequest::Cancel { .. } => ChangeKind::Cancel,
            ChangeRequest::Card => ChangeKind::Card,
        }
    }
}

/// What a change request came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeOutcome {
    /// Asked of the provider; it takes effect when its webhook confirms it.
    Requested,
    /// Go here (the provider's page for the card) and come back.
    Redirect(String),
}

#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("no such gift of this donor's that can be changed here")]
    NotFound,
    #[error("the request is not one that can be made")]
    Invalid,
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    Database(#[from] DbError),
}

impl Donors {
    /// A donor's gifts, newest first, each with its payments, receipts and requests.
    pub async fn gifts(&self, email_key: &str) -> Result<Vec<GiftView>, DbError> {
        let mut gifts = Vec::new();
        for donation in self.db.donations_of_donor(email_key).await? {
            let payments = self.db.payments_for_donation(&donation.id).await?;
            let receipts = self.db.receipts_of_donation(&donation.id).await?;
            let changes = self.db.gift_changes(&donation.id).await?;
            gifts.push(GiftView {
                payments: payments
                    .iter()
                    .map(|payment| PaymentView::of(payment, donation.amount.currency))
                    .collect(),
                receipts: receipts.iter().map(ReceiptView::from).collect(),
                changes: changes.iter().map(ChangeView::from).collect(),
                donation,
            });
        }
        Ok(gifts)
    }

    /// One of the donor's own gifts (never another's: the email must match).
    pub async fn gift(
        &self,
        email_key: &str,
        reference: &str,
    ) -> Result<Option<Donation>, DbError> {
        self.db.donors_gift(email_key, reference).await
    }

    /// Asks the provider for a change to a monthly card gift. `request_id` is the form's own
    /// (a double submit is one request, one idempotency key).
    pub async fn change(
        &self,
        email_key: &str,
        reference: &str,
        request: ChangeRequest,
        request_id: &str,
        locale: Locale,
    ) -> Result<ChangeOutcome, ChangeError> {
        let donation = self
            .gift(email_key, reference)
            .await?
            .ok_or(ChangeError::NotFound)?;
        let subscription = match (&donation.subscription_id, donation.ended_at) {
            (Some(subscription), None)
                if donation.frequency == Frequency::Monthly
                    && donation.payment_method == PaymentMethod::Card =>
            {
                subscription.clone()
            }
            _ => return Err(ChangeError::NotFound),
        };
        let stripe = self.payments.stripe().ok_or(ChangeError::NotFound)?;
        // A repeated request (a double submit, a retry) is timed as the first, so that it
        // sends Stripe the same parameters under the same idempotency key.
        let now = self
            .db
            .gift_changes(&donation.id)
            .await?
            .into_iter()
            .find(|change| change.id == request_id)
            .map_or_else(Timestamp::now, |change| change.requested_at);
        let limits = self.content.amount_limits();
        let (change, detail) = match &request {
            ChangeRequest::Pause { months } if (1..=3).contains(months) => {
                let until = now
                    .plus(Duration::from_secs(u64::from(*months) * 30 * 86_400))
                    .whole_second();
                (
                    Some(SubscriptionChange::Pause { resumes_at: until }),
                    Some(until.as_millis().to_string()),
                )
            }
            ChangeRequest::Resume => (Some(SubscriptionChange::Resume), None),
            ChangeRequest::Amount(money)
                if money.currency == donation.amount.currency
                    && (limits.min_minor..=limits.max_minor).contains(&money.minor) =>
            {
                (
                    Some(SubscriptionChange::Amount { minor: money.minor }),
                    Some(money.minor.to_string()),
                )
            }
            ChangeRequest::Day(day) if (1..=28).contains(day) => {
                let at = next_day_of_month(now, *day).whole_second();
                (
                    Some(SubscriptionChange::NextCharge { at }),
                    Some(at.as_millis().to_string()),
                )
            }
            ChangeRequest::Cancel { reason } => (None, Some(reason.chars().take(500).collect())),
            ChangeRequest::Card => (None, None),
            _ => return Err(ChangeError::Invalid),
        };
        let record = GiftChange {
            id: request_id.to_string(),
            donation_id: donation.id.clone(),
            kind: request.kind().as_str().to_string(),
            detail: detail.clone(),
            requested_at: now,
            error: None,
            confirmed_at: None,
        };
        self.db.insert_gift_change(&record).await?;
        let outcome = match (&request, change) {
            (ChangeRequest::Card, _) => {
                let back = paths::absolute(&self.public_base_url, &paths::my_gifts(locale));
                stripe
                    .card_update_url(&subscription, &back, request_id)
                    .await
                    .map(ChangeOutcome::Redirect)
            }
            (ChangeRequest::Cancel { reason }, _) => stripe
                .cancel_subscription(&subscription, reason, request_id)
                .await
                .map(|()| ChangeOutcome::Requested),
            (_, Some(change)) => stripe
                .change_subscription(&subscription, &change, request_id)
                .await
                .map(|()| ChangeOutcome::Requested),
            (_, None) => Err(ProviderError::Rejected("nothing to change".into())),
        };
        match outcome {
            Ok(outcome) => {
                tracing::info!(
                    kind = request.kind().as_str(),
                    "a donor changed a monthly gift"
                );
                Ok(outcome)
            }
            Err(error) => {
                self.db
                    .set_gift_change_error(request_id, &error.to_string())
                    .await?;
                Err(error.into())
            }
        }
    }

    /// The name future receipts of a gift are made out to (`None`: the donor's own name, or
    /// no receipt at all with `wanted: false`).
    pub async fn set_receipt(
        &self,
        email_key: &str,
        reference: &str,
        receipt: &Receipt,
    ) -> Result<bool, DbError> {
        let Some(donation) = self.gift(email_key, reference).await? else {
            return Ok(false);
        };
        self.db.set_receipt(&donation.id, receipt).await?;
        Ok(true)
    }

    pub async fn set_consent(&self, email_key: &str, given: bool) -> Result<(), DbError> {
        self.db
            .set_consent(email_key, given, Timestamp::now(), "my gifts")
            .await
    }

    /// The donor's news consent, given and withdrawn, as the page lists it.
    pub async fn consent_history(&self, email_key: &str) -> Result<Vec<ConsentView>, DbError> {
        let history = self.db.consent_history(email_key).await?;
        Ok(history.iter().map(ConsentView::from).collect())
    }

    /// A message to the charity about a gift (a standing order stopped or changed).
    pub async fn tell_charity(
        &self,
        email_key: &str,
        reference: &str,
        message: &str,
    ) -> Result<bool, DbError> {
        let Some(donation) = self.gift(email_key, reference).await? else {
            return Ok(false);
        };
        let message: String = message.trim().chars().take(2000).collect();
        if message.is_empty() {
            return Ok(false);
        }
        self.db
            .insert_donor_message(&donation.id, email_key, &message, Timestamp::now())
            .await?;
        Ok(true)
    }
}

/// The next time (09:00 Hong Kong) the month's day `day` comes round, after `now`.
fn next_day_of_month(now: Timestamp, day: u32) -> Timestamp {
    let (mut year, mut month, today) = now.hong_kong_date();
    if today >= day {
        month += 1;
        if month > 12 {
            month = 1;
            year += 1;
        }
    }
    hong_kong_midnight(year, month, day)
        .unwrap_or(now.plus(Duration::from_secs(86_400)))
        .plus(Duration::from_secs(9 * 3_600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_billing_day_is_after_today() {
        let day = |y, m, d| hong_kong_midnight(y, m, d).unwrap();
        let nine = Duration::from_secs(9 * 3_600);
        assert_eq!(
            next_day_of_month(day(2026, 11, 30), 5),
            day(2026, 12, 5).plus(nine)
        );
        assert_eq!(
            next_day_of_month(day(2026, 12, 3), 5),
            day(2026, 12, 5).plus(nine)
        );
        assert_eq!(
            next_day_of_month(day(2026, 12, 5), 5),
            day(2027, 1, 5).plus(nine)
        );
    }
}

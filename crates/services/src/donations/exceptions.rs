//! Finance staff accepting a payment exception as the payment it is: money Stripe took that
//! did not match its gift (or named none of ours) is recorded, receipted and counted, with the
//! reason staff gave, in the audit log; what waited for that payment (a refund, a dispute) is
//! then applied.

use super::{payment_for, Donations};
use crate::staff::actions;
use sharecare_db::{Actor, AuditEntry, DbError};
use sharecare_domain::identifiers::Reference;
use sharecare_domain::money::{Currency, Money};
use sharecare_domain::time::Timestamp;

/// Why an exception could not be accepted as a payment.
#[derive(Debug, thiserror::Error)]
pub enum AcceptError {
    #[error("no such exception")]
    NotFound,
    #[error("this exception was dealt with already")]
    Resolved,
    #[error("say why this payment is accepted")]
    NoReason,
    #[error("the payment names no gift: give the reference of the gift it pays for")]
    NeedsReference,
    #[error("no gift has that reference")]
    UnknownReference,
    #[error("the payment is in {received}, the gift in {expected}: refund it in Stripe instead")]
    OtherCurrency {
        received: String,
        expected: &'static str,
    },
    #[error("Stripe reported no amount or charge for it: look it up in Stripe")]
    Incomplete,
    #[error(transparent)]
    Database(#[from] DbError),
}

impl Donations {
    /// Accepts an open exception as a payment of the gift it names, or (one that named no
    /// gift of ours) of the gift `reference` names: what Stripe took, when it took it, with a
    /// numbered receipt. Audited with staff's reason.
    // The exception's id is 32 hex digits, the shape the logs keep out (keys, tokens);
    // the gift's reference says which payment this was.
    #[tracing::instrument(name = "accept_exception", skip_all, fields(reference))]
    pub async fn accept_exception(
        &self,
        exception_id: &str,
        reference: Option<&Reference>,
        reason: &str,
        actor: &Actor,
    ) -> Result<(), AcceptError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AcceptError::NoReason);
        }
        let exception = self
            .db
            .payment_exception(exception_id)
            .await?
            .ok_or(AcceptError::NotFound)?;
        if exception.resolved_at.is_some() {
            return Err(AcceptError::Resolved);
        }
        let donation = match (&exception.donation_id, reference) {
            (_, Some(reference)) => self
                .db
                .donation_by_reference(reference)
                .await?
                .ok_or(AcceptError::UnknownReference)?,
            (Some(donation_id), None) => self
                .db
                .donation_by_id(donation_id)
                .await?
                .ok_or(AcceptError::NotFound)?,
            (None, None) => return Err(AcceptError::NeedsReference),
        };
        tracing::Span::current().record("reference", donation.reference.as_str());
        let (Some(received), Some(source_id)) = (
            exception
                .received_minor
                .and_then(|minor| u64::try_from(minor).ok()),
            exception.source_id.clone(),
        ) else {
            return Err(AcceptError::Incomplete);
        };
        let currency = exception
            .received_currency
            .as_deref()
            .and_then(Currency::from_code);
        if currency != Some(donation.amount.currency) {
            return Err(AcceptError::OtherCurrency {
                received: exception.received_currency.clone().unwrap_or_default(),
                expected: donation.amount.currency.code(),
            });
        }
        let amount = Money::new(received, donation.amount.currency);
        let paid_at = exception.paid_at.unwrap_or(exception.created_at);
        let mut payment = payment_for(&donation, source_id, paid_at);
        payment.amount = amount;
        payment.payment_intent_id = exception.payment_intent_id.clone();
        payment.subscription_id = exception.subscription_id.clone();
        let note: String = reason.chars().take(500).collect();
        let audit = AuditEntry::new(actor, actions::EXCEPTION_ACCEPTED)
            .donation(&donation.id)
            .subject(format!("exception {exception_id}"))
            .change(
                Some(exception.kind.clone()),
                Some(format!("paid {}: {note}", amount.plain_decimal())),
            );
        if !self
            .db
            .accept_exception(exception_id, &payment, &note, Timestamp::now(), &audit)
            .await?
        {
            return Err(AcceptError::Resolved);
        }
        tracing::info!("an exception is accepted as a payment");
        metrics::counter!("sharecare_payments_total").increment(1);
        self.payment_recorded(&donation.id).await;
        if let Err(error) = self.apply_waiting_changes().await {
            crate::warn_throttled!("after-accept", %error, "cannot apply waiting changes; the sweep will");
        }
        Ok(())
    }
}

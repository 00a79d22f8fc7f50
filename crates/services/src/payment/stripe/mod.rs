//! Stripe Checkout over Stripe's REST API: hosted payment pages for one-off gifts (`payment`
//! mode) and monthly gifts (`subscription` mode), and the signed webhook that confirms them.
//!
//! A donation is only ever marked paid by a verified webhook, never by the donor's return to
//! the success page. This adapter reads no database: `checkout` creates sessions,
//! `signature` checks webhooks, and `events` translates them into the site's own terms.

mod api;
mod checkout;
mod events;
mod invoices;
mod refunds;
mod signature;
mod subscriptions;

pub use checkout::idempotency_key;
pub use events::translate;
pub use signature::{signature_header, verify_signature, SignatureError};
pub use subscriptions::{Subscription, SubscriptionChange};

use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

use futures_util::future::BoxFuture;

use super::{CheckoutRequest, NextStep, PaymentProvider, ProviderError, ReceivedEvent};
use sharecare_domain::donation::PaymentMethod;
use sharecare_domain::time::Timestamp;

/// Stripe's API address; tests point `STRIPE_API_BASE` at a fake.
pub const DEFAULT_API_BASE: &str = "https://api.stripe.com";
/// The API version every call names (`Stripe-Version`) and every event is read in. The webhook
/// endpoint in Stripe's dashboard must be set to the same version (docs/staff.md, "Card payments").
pub const API_VERSION: &str = "2025-03-31.basil";
/// How far a webhook's signed timestamp may be from our clock (Stripe's own default).
pub const SIGNATURE_TOLERANCE_SECONDS: i64 = 300;
/// The provider name stored with each handled event.
pub const PROVIDER: &str = "stripe";

/// Stripe's settings; the two secrets cannot reach a log line (their `Debug` prints none).
#[derive(Clone, Debug)]
pub struct StripeSettings {
    pub secret_key: SecretString,
    pub webhook_secret: SecretString,
    /// No trailing slash.
    pub api_base: String,
    /// Waits between attempts when Stripe answers 429/5xx or not at all.
    pub retry_delays: Vec<Duration>,
    /// The longest a donor waits for a checkout, every attempt and wait included
    /// (`STRIPE_DEADLINE_SECONDS`, default 10): a hung Stripe never holds a submit longer.
    pub deadline: Duration,
}

impl StripeSettings {
    /// Where card checkout pages are served from, for the pages' `form-action`: Stripe's own, or
    /// (tests) wherever the configured API serves them.
    pub fn checkout_origin(&self) -> String {
        if self.api_base == DEFAULT_API_BASE {
            "https://checkout.stripe.com".to_string()
        } else {
            sharecare_content::paths::origin_of(&self.api_base)
        }
    }

    /// The production retry schedule: about 3.5 s in all, so a donor hears back quickly.
    pub fn default_retry_delays() -> Vec<Duration> {
        vec![
            Duration::from_millis(250),
            Duration::from_millis(1_000),
            Duration::from_millis(2_250),
        ]
    }
}

/// The Stripe Checkout provider.
pub struct StripeCheckout {
    settings: StripeSettings,
    http: reqwest::Client,
}

impl StripeCheckout {
    pub fn new(settings: StripeSettings) -> StripeCheckout {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(15))
            .build()
            .expect("an HTTP client with timeouts builds");
        StripeCheckout { settings, http }
    }

    /// Checks a webhook's `Stripe-Signature` header against the raw body (see
    /// [`verify_signature`]), with this site's endpoint secret.
    pub fn verify(
        &self,
        header: Option<&str>,
        body: &[u8],
        now: Timestamp,
    ) -> Result<(), SignatureError> {
        verify_signature(
            header,
            body,
            self.settings.webhook_secret.expose_secret(),
            now.seconds(),
        )
    }

    /// Reads a verified webhook body as an event in the site's terms.
    pub fn read_event(&self, body: &[u8]) -> Result<ReceivedEvent, serde_json::Error> {
        Ok(translate(&serde_json::from_slice(body)?))
    }

    /// What Stripe knows of a Checkout Session now, as the event its webhook would have sent
    /// (the reconciliation sweep asks when a webhook may have been missed): paid or expired, or
    /// `None` while it is neither. The event's id is the session's and its state, so asking
    /// twice is the same event, and a webhook's own event records no second payment.
    pub async fn session_news(
        &self,
        session_id: &str,
    ) -> Result<Option<ReceivedEvent>, ProviderError> {
        let session = checkout::retrieve_session(&self.http, &self.settings, session_id).await?;
        let status = session.get("status").and_then(serde_json::Value::as_str);
        let paid = session
            .get("payment_status")
            .and_then(serde_json::Value::as_str)
            == Some("paid");
        let kind = match (status, paid) {
            (Some("complete"), true) => "checkout.session.completed",
            (Some("expired"), _) => "checkout.session.expired",
            _ => return Ok(None),
        };
        let event: events::StripeEvent = serde_json::from_value(serde_json::json!({
            "id": format!("sweep:{session_id}:{kind}"),
            "type": kind,
            "api_version": API_VERSION,
            // The session says when it began, not when it was paid; nothing nearer is known
            // without more calls, and the webhook that would have said was lost.
            "created": session.get("created"),
            "data": { "object": session },
        }))
        .map_err(|error| ProviderError::Unavailable(format!("unreadable session: {error}")))?;
        Ok(Some(translate(&event)))
    }
}

impl StripeCheckout {
    /// Changes a monthly gift's subscription (see `subscriptions`); `key` is the donor's
    /// request id, the idempotency key at Stripe.
    pub async fn change_subscription(
        &self,
        subscription_id: &str,
        change: &SubscriptionChange,
        key: &str,
    ) -> Result<(), ProviderError> {
        subscriptions::update(&self.http, &self.settings, subscription_id, change, key).await
    }

    pub async fn cancel_subscription(
        &self,
        subscription_id: &str,
        reason: &str,
        key: &str,
    ) -> Result<(), ProviderError> {
        subscriptions::cancel(&self.http, &self.settings, subscription_id, reason, key).await
    }

    /// Where the donor updates the card a monthly gift is paid with.
    pub async fn card_update_url(
        &self,
        subscription_id: &str,
        return_url: &str,
        key: &str,
    ) -> Result<String, ProviderError> {
        subscriptions::card_update_url(&self.http, &self.settings, subscription_id, return_url, key)
            .await
    }

    /// The payment intent that paid a monthly payment's invoice, if Stripe has one (see
    /// `invoices`): what links a month to its refunds and disputes when the webhook that would
    /// have said was lost.
    pub async fn invoice_payment_intent(
        &self,
        invoice_id: &str,
    ) -> Result<Option<String>, ProviderError> {
        invoices::payment_intent_of_invoice(&self.http, &self.settings, invoice_id).await
    }

    /// A subscription's invoices paid since `since`, as the `invoice.paid` events their
    /// webhooks would have sent (see `invoices`), oldest first. Each event's id is its
    /// invoice's, so asking twice is the same event; a webhook's own event and this one both
    /// name the invoice, so a month is recorded once.
    pub async fn paid_invoice_news(
        &self,
        subscription_id: &str,
        since: Timestamp,
    ) -> Result<Vec<ReceivedEvent>, ProviderError> {
        let invoices =
            invoices::paid_invoices(&self.http, &self.settings, subscription_id, since).await?;
        invoices
            .into_iter()
            .map(|invoice| {
                let id = invoice.get("id").and_then(serde_json::Value::as_str);
                let event: events::StripeEvent = serde_json::from_value(serde_json::json!({
                    "id": format!("sweep:{}:invoice.paid", id.unwrap_or_default()),
                    "type": "invoice.paid",
                    "api_version": API_VERSION,
                    "created": invoice.pointer("/status_transitions/paid_at"),
                    "data": { "object": invoice },
                }))
                .map_err(|error| {
                    ProviderError::Unavailable(format!("unreadable invoice: {error}"))
                })?;
                Ok(translate(&event))
            })
            .collect()
    }

    /// Expires an open Checkout Session whose price or method no longer holds.
    pub async fn expire_session(&self, session_id: &str) -> Result<(), ProviderError> {
        checkout::expire_session(&self.http, &self.settings, session_id).await
    }

    /// Asks Stripe to refund part or all of a payment (see `refunds`); the refund's id.
    pub async fn refund(
        &self,
        payment_intent_id: &str,
        amount_minor: u64,
        request_id: &str,
        donation_id: &str,
    ) -> Result<String, ProviderError> {
        refunds::create_refund(
            &self.http,
            &self.settings,
            payment_intent_id,
            amount_minor,
            request_id,
            donation_id,
        )
        .await
    }
}

impl PaymentProvider for StripeCheckout {
    fn method(&self) -> PaymentMethod {
        PaymentMethod::Card
    }

    fn begin<'a>(
        &'a self,
        request: &'a CheckoutRequest<'a>,
    ) -> BoxFuture<'a, Result<NextStep, ProviderError>> {
        Box::pin(checkout::create_session(
            &self.http,
            &self.settings,
            request,
        ))
    }
}

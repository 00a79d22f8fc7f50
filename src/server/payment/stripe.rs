//! Stripe Checkout over Stripe's REST API: hosted payment pages for one-off gifts (`payment`
//! mode) and monthly gifts (`subscription` mode), and the signed webhook that confirms them.
//!
//! A donation is only ever marked paid by a verified webhook, never by the donor's return to
//! the success page.

use std::time::Duration;

use futures_util::future::BoxFuture;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::Value;
use sha2::Sha256;

use super::{CheckoutRequest, NextStep, PaymentProvider, ProviderError};
use crate::domain::donation::{Frequency, PaymentMethod};
use crate::domain::Locale;
use crate::server::db::{DbError, DonationRow, EventChange};
use crate::server::donations::Donations;

/// Stripe's API address; tests point `STRIPE_API_BASE` at a fake.
pub const DEFAULT_API_BASE: &str = "https://api.stripe.com";
/// How far a webhook's signed timestamp may be from our clock (Stripe's own default).
pub const SIGNATURE_TOLERANCE_SECONDS: i64 = 300;
/// The provider name stored with each handled event.
pub const PROVIDER: &str = "stripe";

#[derive(Clone)]
pub struct StripeSettings {
    pub secret_key: String,
    pub webhook_secret: String,
    /// No trailing slash.
    pub api_base: String,
    /// Waits between attempts when Stripe answers 429/5xx or not at all.
    pub retry_delays: Vec<Duration>,
}

impl std::fmt::Debug for StripeSettings {
    // Secrets never reach logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeSettings")
            .field("api_base", &self.api_base)
            .field("retry_delays", &self.retry_delays)
            .finish_non_exhaustive()
    }
}

impl StripeSettings {
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

#[derive(Debug, Deserialize)]
struct CreatedSession {
    id: String,
    url: String,
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

    /// Creates (or, for a retried request, finds again) the donation's Checkout Session. The
    /// `Idempotency-Key` is the donation's id, so every retry, and every resubmit of the same
    /// form, gets the one session Stripe made first.
    async fn create_session(
        &self,
        request: &CheckoutRequest<'_>,
    ) -> Result<NextStep, ProviderError> {
        let params = session_params(request);
        let key = idempotency_key(request.donation);
        let url = format!("{}/v1/checkout/sessions", self.settings.api_base);
        let mut delays = self.settings.retry_delays.iter();
        loop {
            let outcome = self
                .http
                .post(&url)
                .bearer_auth(&self.settings.secret_key)
                .header("Idempotency-Key", &key)
                .form(&params)
                .send()
                .await;
            let retry_reason = match outcome {
                Ok(response) if response.status().is_success() => {
                    let session: CreatedSession = response.json().await.map_err(|error| {
                        ProviderError::Unavailable(format!("unreadable session: {error}"))
                    })?;
                    return Ok(NextStep::Checkout {
                        session_id: session.id,
                        url: session.url,
                    });
                }
                Ok(response) => {
                    let status = response.status();
                    let should_retry = response
                        .headers()
                        .get("stripe-should-retry")
                        .and_then(|value| value.to_str().ok())
                        .map(|value| value == "true");
                    let body = response.text().await.unwrap_or_default();
                    // 409: the same idempotency key is in flight (a double click); 429: rate
                    // limited; 5xx: Stripe's side. Anything else is a request we must fix.
                    let transient = status.as_u16() == 409
                        || status.as_u16() == 429
                        || status.is_server_error();
                    if !should_retry.unwrap_or(transient) {
                        return Err(ProviderError::Rejected(format!(
                            "{status}: {}",
                            first_line(&body)
                        )));
                    }
                    format!("{status}")
                }
                Err(error) => error.to_string(),
            };
            match delays.next() {
                Some(delay) => {
                    tracing::warn!(reason = %retry_reason, reference = %request.donation.reference, "creating a Stripe Checkout Session failed; retrying");
                    tokio::time::sleep(*delay).await;
                }
                None => return Err(ProviderError::Unavailable(retry_reason)),
            }
        }
    }

    /// Checks a webhook's `Stripe-Signature` header against the raw body (see
    /// [`verify_signature`]), with this site's endpoint secret.
    pub fn verify(
        &self,
        header: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Result<(), SignatureError> {
        verify_signature(header, body, &self.settings.webhook_secret, now)
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
        Box::pin(self.create_session(request))
    }
}

/// One key per donation: Stripe answers a repeat with the session it made the first time.
pub fn idempotency_key(donation: &DonationRow) -> String {
    format!("sharecare-checkout-{}", donation.id)
}

/// The form fields of a Checkout Session for a donation, in Stripe's bracket notation.
fn session_params(request: &CheckoutRequest<'_>) -> Vec<(String, String)> {
    let donation = request.donation;
    let monthly = Frequency::parse(&donation.frequency) == Some(Frequency::Monthly);
    let mut params: Vec<(String, String)> = vec![
        (
            "mode".into(),
            if monthly { "subscription" } else { "payment" }.into(),
        ),
        ("success_url".into(), request.success_url.clone()),
        ("cancel_url".into(), request.cancel_url.clone()),
        ("client_reference_id".into(), donation.reference.clone()),
        ("customer_email".into(), donation.email.clone()),
        ("locale".into(), checkout_locale(request.locale).into()),
        ("line_items[0][quantity]".into(), "1".into()),
        (
            "line_items[0][price_data][currency]".into(),
            donation.currency.to_ascii_lowercase(),
        ),
        (
            "line_items[0][price_data][unit_amount]".into(),
            donation.amount_minor.to_string(),
        ),
        (
            "line_items[0][price_data][product_data][name]".into(),
            request.description.clone(),
        ),
    ];
    let metadata = [
        ("donation_id", donation.id.clone()),
        ("reference", donation.reference.clone()),
        ("amount_minor", donation.amount_minor.to_string()),
        ("currency", donation.currency.clone()),
    ];
    for (key, value) in &metadata {
        params.push((format!("metadata[{key}]"), value.clone()));
    }
    // The payment (one-off) or subscription (monthly) carries the donation too, so later
    // events about it (refunds, each month's invoice) lead back to the donation.
    let carrier = if monthly {
        params.push((
            "line_items[0][price_data][recurring][interval]".into(),
            "month".into(),
        ));
        "subscription_data"
    } else {
        params.push(("submit_type".into(), "donate".into()));
        "payment_intent_data"
    };
    for (key, value) in &metadata[..2] {
        params.push((format!("{carrier}[metadata][{key}]"), value.clone()));
    }
    params
}

/// Stripe Checkout's language for ours.
fn checkout_locale(locale: Locale) -> &'static str {
    match locale {
        Locale::En => "en",
        Locale::ZhHk => "zh-HK",
        Locale::ZhCn => "zh",
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// Why a webhook was refused before its body was read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no Stripe-Signature header")]
    Missing,
    #[error("the Stripe-Signature header has no timestamp or no v1 signature")]
    Malformed,
    #[error("the signature's timestamp is more than 300 s from now")]
    OutsideTolerance,
    #[error("no v1 signature matches the body")]
    Mismatch,
}

/// Verifies `Stripe-Signature: t=...,v1=...[,v1=...]`: an HMAC-SHA256 of `"{t}.{body}"` keyed
/// with the endpoint secret, compared in constant time; any `v1` may match (Stripe sends one
/// per secret while a secret is being rolled). The timestamp must be within 300 s of `now`,
/// so a captured request cannot be replayed later.
pub fn verify_signature(
    header: Option<&str>,
    body: &[u8],
    secret: &str,
    now: i64,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) if timestamp.is_none() => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => signatures.extend(decode_hex(value)),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - timestamp).abs() > SIGNATURE_TOLERANCE_SECONDS {
        return Err(SignatureError::OutsideTolerance);
    }
    let mut mac = signer(secret, timestamp);
    mac.update(body);
    let matches = signatures
        .iter()
        .any(|signature| mac.clone().verify_slice(signature).is_ok());
    if matches {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// The `Stripe-Signature` header Stripe would send for `body` at `timestamp` (the fake Stripe
/// server in the tests signs with this, so both sides share one definition of the scheme).
pub fn signature_header(body: &[u8], secret: &str, timestamp: i64) -> String {
    let mut mac = signer(secret, timestamp);
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("t={timestamp},v1={hex}")
}

fn signer(secret: &str, timestamp: i64) -> Hmac<Sha256> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A webhook event, as much of it as we read.
#[derive(Debug, Clone, Deserialize)]
pub struct StripeEvent {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub data: EventData,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EventData {
    pub object: Value,
}

/// Decides what an event changes. Reads the donation it is about (amount and currency never
/// change, so reading outside the event's transaction is safe); the change itself is applied
/// atomically with the event's record.
pub async fn change_for_event(
    donations: &Donations,
    event: &StripeEvent,
) -> Result<EventChange, DbError> {
    let object = &event.data.object;
    let change = match event.kind.as_str() {
        "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
            let Some(donation) = donation_of_session(donations, object).await? else {
                return Ok(unknown_donation(event));
            };
            // Some methods (bank debits) complete the session before the money arrives; the
            // async_payment_succeeded event follows when it does.
            if text(object, "payment_status") != Some("paid") {
                return Ok(EventChange::Nothing);
            }
            let amount = object.get("amount_total").and_then(Value::as_i64);
            let currency = text(object, "currency");
            if let Some(flag) = mismatch(&donation, amount, currency) {
                return Ok(flag);
            }
            let payment_intent = text(object, "payment_intent").map(str::to_string);
            let invoice = text(object, "invoice").map(str::to_string);
            let session_id = text(object, "id").unwrap_or(&event.id).to_string();
            // A monthly gift's first charge is its first invoice, which `invoice.paid` reports
            // too: both name the invoice, so it is recorded once.
            let source_id = invoice
                .clone()
                .or_else(|| payment_intent.clone())
                .unwrap_or(session_id);
            let mut payment = donations.payment_for(&donation, source_id);
            payment.payment_intent_id = payment_intent;
            payment.subscription_id = text(object, "subscription").map(str::to_string);
            EventChange::Payment(payment)
        }
        "checkout.session.expired" => match donation_of_session(donations, object).await? {
            Some(donation) => EventChange::Expire {
                donation_id: donation.id,
            },
            None => unknown_donation(event),
        },
        "invoice.paid" => {
            let subscription = invoice_subscription(object);
            let donation = match metadata_donation_id(invoice_metadata(object)) {
                Some(id) => donations.database().donation_by_id(id).await?,
                None => match subscription {
                    Some(subscription) => {
                        donations
                            .database()
                            .donation_by_subscription_id(subscription)
                            .await?
                    }
                    None => None,
                },
            };
            let Some(donation) = donation else {
                return Ok(unknown_donation(event));
            };
            let amount = object.get("amount_paid").and_then(Value::as_i64);
            if amount == Some(0) {
                return Ok(EventChange::Nothing);
            }
            if let Some(flag) = mismatch(&donation, amount, text(object, "currency")) {
                return Ok(flag);
            }
            let invoice_id = text(object, "id").unwrap_or(&event.id).to_string();
            let mut payment = donations.payment_for(&donation, invoice_id);
            payment.payment_intent_id = text(object, "payment_intent").map(str::to_string);
            payment.subscription_id = subscription.map(str::to_string);
            EventChange::Payment(payment)
        }
        "customer.subscription.deleted" => {
            let donation = match metadata_donation_id(object.get("metadata")) {
                Some(id) => donations.database().donation_by_id(id).await?,
                None => match text(object, "id") {
                    Some(id) => donations.database().donation_by_subscription_id(id).await?,
                    None => None,
                },
            };
            match donation {
                Some(donation) => EventChange::EndSubscription {
                    donation_id: donation.id,
                    at: crate::server::donations::now_millis(),
                },
                None => unknown_donation(event),
            }
        }
        "charge.refunded" => EventChange::Refund {
            payment_intent_id: text(object, "payment_intent").map(str::to_string),
            invoice_id: text(object, "invoice").map(str::to_string),
            refunded_minor: object
                .get("amount_refunded")
                .and_then(Value::as_i64)
                .unwrap_or(0),
        },
        _ => EventChange::Nothing,
    };
    Ok(change)
}

/// A payment whose amount or currency differs from the donation's is not taken as paying
/// it: staff look at it.
fn mismatch(
    donation: &DonationRow,
    amount: Option<i64>,
    currency: Option<&str>,
) -> Option<EventChange> {
    let amount_ok = amount == Some(donation.amount_minor);
    let currency_ok = currency.is_some_and(|c| c.eq_ignore_ascii_case(&donation.currency));
    if amount_ok && currency_ok {
        return None;
    }
    let reason = format!(
        "payment of {} {} does not match the donation's {} {}",
        amount.map_or("?".to_string(), |a| a.to_string()),
        currency.unwrap_or("?").to_ascii_uppercase(),
        donation.amount_minor,
        donation.currency
    );
    tracing::warn!(reference = %donation.reference, %reason, "payment flagged for staff");
    Some(EventChange::Flag {
        donation_id: donation.id.clone(),
        reason,
    })
}

fn unknown_donation(event: &StripeEvent) -> EventChange {
    tracing::warn!(event = %event.id, kind = %event.kind, "Stripe event for no known donation");
    EventChange::Nothing
}

async fn donation_of_session(
    donations: &Donations,
    session: &Value,
) -> Result<Option<DonationRow>, DbError> {
    let db = donations.database();
    if let Some(id) = metadata_donation_id(session.get("metadata")) {
        if let Some(donation) = db.donation_by_id(id).await? {
            return Ok(Some(donation));
        }
    }
    match text(session, "client_reference_id") {
        Some(reference) => db.donation_by_reference(reference).await,
        None => Ok(None),
    }
}

/// Where an invoice carries its subscription's metadata: `parent.subscription_details` in
/// current API versions, `subscription_details` in older ones.
fn invoice_metadata(invoice: &Value) -> Option<&Value> {
    invoice
        .pointer("/parent/subscription_details/metadata")
        .or_else(|| invoice.pointer("/subscription_details/metadata"))
}

fn invoice_subscription(invoice: &Value) -> Option<&str> {
    invoice
        .pointer("/parent/subscription_details/subscription")
        .and_then(Value::as_str)
        .or_else(|| text(invoice, "subscription"))
}

fn metadata_donation_id(metadata: Option<&Value>) -> Option<&str> {
    metadata?.get("donation_id")?.as_str()
}

fn text<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object.get(key).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";

    #[test]
    fn a_signature_made_by_the_scheme_verifies() {
        let body = br#"{"id":"evt_1"}"#;
        let header = signature_header(body, SECRET, 1_700_000_000);
        assert_eq!(
            verify_signature(Some(&header), body, SECRET, 1_700_000_000),
            Ok(())
        );
        // Stripe's documented layout: t first, then v1 as 64 hex digits.
        assert!(header.starts_with("t=1700000000,v1="));
        assert_eq!(header.len(), "t=1700000000,v1=".len() + 64);
    }

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        // The HMAC itself against RFC 4231's test case 2, then the signed text "{t}.{body}".
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let header = signature_header(b"body", "Jefe", 42);
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"42.body");
        let expected: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(header, format!("t=42,v1={expected}"));
    }

    #[test]
    fn tampering_wrong_secrets_and_old_timestamps_are_refused() {
        let body = br#"{"id":"evt_1","amount":25000}"#;
        let now = 1_700_000_000;
        let header = signature_header(body, SECRET, now);
        let mut flipped = body.to_vec();
        flipped[10] ^= 1;
        assert_eq!(
            verify_signature(Some(&header), &flipped, SECRET, now),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(Some(&header), body, "whsec_other", now),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(None, body, SECRET, now),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify_signature(Some("v1=abcd"), body, SECRET, now),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify_signature(Some("t=1700000000"), body, SECRET, now),
            Err(SignatureError::Malformed)
        );
        let old = signature_header(body, SECRET, now - 301);
        assert_eq!(
            verify_signature(Some(&old), body, SECRET, now),
            Err(SignatureError::OutsideTolerance)
        );
        let edge = signature_header(body, SECRET, now - 300);
        assert_eq!(verify_signature(Some(&edge), body, SECRET, now), Ok(()));
        let future = signature_header(body, SECRET, now + 301);
        assert_eq!(
            verify_signature(Some(&future), body, SECRET, now),
            Err(SignatureError::OutsideTolerance)
        );
    }

    #[test]
    fn any_v1_signature_may_match() {
        let body = b"{}";
        let now = 1_700_000_000;
        let good = signature_header(body, SECRET, now);
        let good_v1 = good.split_once(",v1=").unwrap().1;
        let header = format!("t={now},v1={},v1={good_v1},v0=ignored", "ab".repeat(32));
        assert_eq!(verify_signature(Some(&header), body, SECRET, now), Ok(()));
    }
}

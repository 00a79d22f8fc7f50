//! Creating a Checkout Session: the form Stripe wants, the idempotency key, and retries.

use serde::Deserialize;

use super::api::{get_json, post_form};
use super::StripeSettings;
use crate::payment::{CheckoutRequest, NextStep, ProviderError};
use sharecare_domain::donation::{Checkout, Donation};
use sharecare_domain::Locale;

#[derive(Debug, Deserialize)]
struct CreatedSession {
    id: String,
    url: String,
}

/// Creates (or, for a retried request, finds again) the donation's Checkout Session. The
/// `Idempotency-Key` is the donation's id, so every retry, and every resubmit of the same form,
/// gets the one session Stripe made first.
#[tracing::instrument(name = "stripe_checkout", skip_all, fields(reference = %request.donation.reference.as_str()))]
pub(super) async fn create_session(
    http: &reqwest::Client,
    settings: &StripeSettings,
    request: &CheckoutRequest<'_>,
) -> Result<NextStep, ProviderError> {
    let params = session_params(request);
    let key = idempotency_key(request.donation);
    let answer = post_form(http, settings, "/v1/checkout/sessions", &key, &params).await?;
    let session: CreatedSession = serde_json::from_value(answer)
        .map_err(|error| ProviderError::Unavailable(format!("unreadable session: {error}")))?;
    Ok(NextStep::Checkout(Checkout {
        session_id: session.id,
        url: session.url,
    }))
}

/// A Checkout Session as Stripe has it now.
pub(super) async fn retrieve_session(
    http: &reqwest::Client,
    settings: &StripeSettings,
    session_id: &str,
) -> Result<serde_json::Value, ProviderError> {
    // A session id is Stripe's own `cs_...`; anything else never reaches the URL.
    if !session_id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(ProviderError::Rejected(format!(
            "not a session id: {session_id:?}"
        )));
    }
    get_json(
        http,
        settings,
        &format!("/v1/checkout/sessions/{session_id}"),
        "a session",
    )
    .await
}

/// One key per donation and checkout round: Stripe answers a repeat with the session it made
/// the first time; after the price or method changed (a new round), a new session.
pub fn idempotency_key(donation: &Donation) -> String {
    match donation.checkout_round {
        0 => format!("sharecare-checkout-{}", donation.id),
        round => format!("sharecare-checkout-{}-{round}", donation.id),
    }
}

/// Expires an open Checkout Session, so it can no longer be paid at a price that no longer
/// holds (`POST /v1/checkout/sessions/{id}/expire`).
pub(super) async fn expire_session(
    http: &reqwest::Client,
    settings: &StripeSettings,
    session_id: &str,
) -> Result<(), ProviderError> {
    let session_id = super::api::checked_id(session_id)?;
    post_form(
        http,
        settings,
        &format!("/v1/checkout/sessions/{session_id}/expire"),
        &format!("sharecare-expire-{session_id}"),
        &[],
    )
    .await
    .map(|_| ())
}

/// The form fields of a Checkout Session for a donation, in Stripe's bracket notation.
fn session_params(request: &CheckoutRequest<'_>) -> Vec<(String, String)> {
    let donation = request.donation;
    let monthly = donation.is_monthly();
    // The charge: the gift and any processing fee the donor chose to cover.
    let amount = donation.charged().minor.to_string();
    let currency = donation.amount.currency.code();
    let mut params: Vec<(String, String)> = vec![
        (
            "mode".into(),
            if monthly { "subscription" } else { "payment" }.into(),
        ),
        ("success_url".into(), request.success_url.clone()),
        ("cancel_url".into(), request.cancel_url.clone()),
        (
            "client_reference_id".into(),
            donation.reference.as_str().into(),
        ),
        ("customer_email".into(), donation.email.as_str().into()),
        ("locale".into(), checkout_locale(request.locale).into()),
        ("line_items[0][quantity]".into(), "1".into()),
        (
            "line_items[0][price_data][currency]".into(),
            currency.to_ascii_lowercase(),
        ),
        (
            "line_items[0][price_data][unit_amount]".into(),
            amount.clone(),
        ),
        (
            "line_items[0][price_data][product_data][name]".into(),
            request.description.clone(),
        ),
    ];
    let metadata = [
        ("donation_id", donation.id.clone()),
        ("reference", donation.reference.as_str().to_string()),
        ("amount_minor", amount),
        ("currency", currency.to_string()),
        ("fee_minor", donation.fee.minor.to_string()),
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
    // A subscription carries the price too: each month's invoice keeps a copy of its metadata
    // as it was, so a month is checked against the price it was billed at.
    let carried = if monthly {
        &metadata[..]
    } else {
        &metadata[..2]
    };
    for (key, value) in carried {
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

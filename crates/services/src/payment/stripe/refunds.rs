//! Refunds staff ask for: `POST /v1/refunds` for a payment intent, part or all of it. The
//! answer only says Stripe took the request; the money comes off the total when its
//! `charge.refunded` webhook arrives, like a refund made in Stripe's dashboard.

use serde::Deserialize;

use super::api::post_form;
use super::StripeSettings;
use crate::payment::ProviderError;

#[derive(Debug, Deserialize)]
struct CreatedRefund {
    id: String,
}

/// Asks Stripe to refund `amount_minor` of a payment intent. `key` is the staff request's own
/// id, so a double submit (or a retry) is one refund at Stripe.
#[tracing::instrument(name = "stripe_refund", skip_all, fields(donation = donation_id))]
pub(super) async fn create_refund(
    http: &reqwest::Client,
    settings: &StripeSettings,
    payment_intent_id: &str,
    amount_minor: u64,
    key: &str,
    donation_id: &str,
) -> Result<String, ProviderError> {
    let params = vec![
        ("payment_intent".to_string(), payment_intent_id.to_string()),
        ("amount".to_string(), amount_minor.to_string()),
        ("reason".to_string(), "requested_by_customer".to_string()),
        ("metadata[donation_id]".to_string(), donation_id.to_string()),
    ];
    let answer = post_form(
        http,
        settings,
        "/v1/refunds",
        &format!("sharecare-refund-{key}"),
        &params,
    )
    .await?;
    let refund: CreatedRefund = serde_json::from_value(answer)
        .map_err(|error| ProviderError::Unavailable(format!("unreadable refund: {error}")))?;
    Ok(refund.id)
}

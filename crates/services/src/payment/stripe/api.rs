//! The wire to Stripe's REST API, shared by every call: a form POST with an idempotency key
//! and retries, a GET in the pinned version, and the check that an id may go into a URL.

use secrecy::ExposeSecret;

use super::{StripeSettings, API_VERSION};
use crate::payment::ProviderError;

/// POSTs a form to Stripe with an idempotency key, retrying what Stripe says may be retried
/// (409: the same key in flight; 429: rate limited; 5xx) after each of the configured delays,
/// always with the same key. Anything else is an answer to act on.
pub(super) async fn post_form(
    http: &reqwest::Client,
    settings: &StripeSettings,
    path: &str,
    key: &str,
    params: &[(String, String)],
) -> Result<serde_json::Value, ProviderError> {
    let url = format!("{}{path}", settings.api_base);
    let mut delays = settings.retry_delays.iter();
    loop {
        let outcome = http
            .post(&url)
            .bearer_auth(settings.secret_key.expose_secret())
            .header("Stripe-Version", API_VERSION)
            .header("Idempotency-Key", key)
            .form(params)
            .send()
            .await;
        let retry_reason = match outcome {
            Ok(response) if response.status().is_success() => {
                return response.json().await.map_err(|error| {
                    ProviderError::Unavailable(format!("unreadable answer: {error}"))
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
                let transient =
                    status.as_u16() == 409 || status.as_u16() == 429 || status.is_server_error();
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
                tracing::warn!(reason = %retry_reason, path, "a Stripe request failed; retrying");
                tokio::time::sleep(*delay).await;
            }
            None => return Err(ProviderError::Unavailable(retry_reason)),
        }
    }
}

/// `GET` of an API path (with its query, ids already checked) in the pinned version; `what` is
/// said in errors.
pub(super) async fn get_json(
    http: &reqwest::Client,
    settings: &StripeSettings,
    path_and_query: &str,
    what: &str,
) -> Result<serde_json::Value, ProviderError> {
    let response = http
        .get(format!("{}{path_and_query}", settings.api_base))
        .bearer_auth(settings.secret_key.expose_secret())
        .header("Stripe-Version", API_VERSION)
        .send()
        .await
        .map_err(|error| ProviderError::Unavailable(error.to_string()))?;
    if !response.status().is_success() {
        return Err(ProviderError::Unavailable(format!(
            "{} retrieving {what}",
            response.status()
        )));
    }
    response
        .json()
        .await
        .map_err(|error| ProviderError::Unavailable(format!("unreadable {what}: {error}")))
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// Stripe's ids are letters, digits and underscores; anything else never reaches a URL.
pub(super) fn checked_id(id: &str) -> Result<&str, ProviderError> {
    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        Ok(id)
    } else {
        Err(ProviderError::Rejected(format!("not a Stripe id: {id:?}")))
    }
}

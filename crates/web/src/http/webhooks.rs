//! `POST /webhooks/stripe`: the only way a card gift becomes paid.
//!
//! The signature is checked on the raw body before anything is parsed; the event is translated
//! by the Stripe adapter and applied by the donations service, once, atomically with its
//! record; any database failure is answered 503 so Stripe delivers the event again, and nothing
//! is ever acknowledged without being stored.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::AppError;
use sharecare_db::EventOutcome;
use sharecare_domain::time::Timestamp;
use sharecare_services::state::AppState;

#[tracing::instrument(name = "stripe_webhook", skip_all, fields(event))]
pub async fn stripe_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let Some(stripe) = state.payments.stripe() else {
        return Err(AppError::NotFound);
    };
    let signature = headers
        .get("stripe-signature")
        .and_then(|value| value.to_str().ok());
    if let Err(error) = stripe.verify(signature, &body, Timestamp::now()) {
        tracing::warn!(%error, "refused a Stripe webhook");
        return Err(AppError::BadRequest("invalid signature"));
    }
    let received = match stripe.read_event(&body) {
        Ok(received) => received,
        Err(error) => {
            tracing::warn!(%error, "a signed Stripe webhook is not an event");
            return Err(AppError::BadRequest("not an event"));
        }
    };
    tracing::Span::current().record("event", received.id.as_str());
    // A database failure is a 503 (through `AppError`): Stripe delivers the event again.
    let answer = match state.donations.apply_provider_event(&received).await? {
        EventOutcome::Applied { .. } => "ok",
        // Kept until the payment it is about is recorded: acknowledged, never dropped.
        EventOutcome::Waiting => "kept until its payment arrives",
        EventOutcome::AlreadyHandled => "already handled",
    };
    Ok((StatusCode::OK, answer).into_response())
}

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

use sharecare_db::EventOutcome;
use sharecare_domain::clock::now_seconds;
use sharecare_services::state::AppState;

#[tracing::instrument(name = "stripe_webhook", skip_all, fields(event))]
pub async fn stripe_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(stripe) = state.payments.stripe() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let signature = headers
        .get("stripe-signature")
        .and_then(|value| value.to_str().ok());
    if let Err(error) = stripe.verify(signature, &body, now_seconds()) {
        tracing::warn!(%error, "refused a Stripe webhook");
        return (StatusCode::BAD_REQUEST, "invalid signature").into_response();
    }
    let received = match stripe.read_event(&body) {
        Ok(received) => received,
        Err(error) => {
            tracing::warn!(%error, "a signed Stripe webhook is not an event");
            return (StatusCode::BAD_REQUEST, "not an event").into_response();
        }
    };
    tracing::Span::current().record("event", received.id.as_str());
    match state.donations.apply_provider_event(&received).await {
        Ok(EventOutcome::Applied { .. }) => (StatusCode::OK, "ok").into_response(),
        // Kept until the payment it is about is recorded: acknowledged, never dropped.
        Ok(EventOutcome::Waiting) => {
            (StatusCode::OK, "kept until its payment arrives").into_response()
        }
        Ok(EventOutcome::AlreadyHandled) => (StatusCode::OK, "already handled").into_response(),
        Err(error) => {
            tracing::error!(%error, "cannot store a Stripe event; Stripe will retry");
            (StatusCode::SERVICE_UNAVAILABLE, "try again").into_response()
        }
    }
}

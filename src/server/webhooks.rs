//! `POST /webhooks/stripe`: the only way a card gift becomes paid.
//!
//! The signature is checked on the raw body before anything is parsed; each event is applied
//! once, atomically with its record; any database failure is answered 503 so Stripe delivers
//! the event again, and nothing is ever acknowledged without being stored.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::server::db::{EventChange, EventOutcome, ProviderEvent};
use crate::server::donations::now_millis;
use crate::server::payment::stripe::{self, StripeEvent};
use crate::server::state::AppState;

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
    if let Err(error) = stripe.verify(signature, &body, now_millis() / 1_000) {
        tracing::warn!(%error, "refused a Stripe webhook");
        return (StatusCode::BAD_REQUEST, "invalid signature").into_response();
    }
    let event: StripeEvent = match serde_json::from_slice(&body) {
        Ok(event) => event,
        Err(error) => {
            tracing::warn!(%error, "a signed Stripe webhook is not an event");
            return (StatusCode::BAD_REQUEST, "not an event").into_response();
        }
    };
    let unavailable = |error: &dyn std::fmt::Display| {
        tracing::error!(%error, event = %event.id, "cannot store a Stripe event; Stripe will retry");
        (StatusCode::SERVICE_UNAVAILABLE, "try again").into_response()
    };
    let change = match stripe::change_for_event(&state.donations, &event).await {
        Ok(change) => change,
        Err(error) => return unavailable(&error),
    };
    let record = ProviderEvent {
        provider: stripe::PROVIDER,
        event_id: &event.id,
        event_type: &event.kind,
        received_at: now_millis(),
    };
    match state
        .donations
        .database()
        .apply_provider_event(&record, &change)
        .await
    {
        Ok(EventOutcome::Applied { changed }) => {
            tracing::info!(event = %event.id, kind = %event.kind, changed, "Stripe event handled");
            if changed && matches!(change, EventChange::Payment(_) | EventChange::Refund { .. }) {
                state.donations.payment_recorded().await;
            }
            (StatusCode::OK, "ok").into_response()
        }
        Ok(EventOutcome::AlreadyHandled) => (StatusCode::OK, "already handled").into_response(),
        Err(error) => unavailable(&error),
    }
}

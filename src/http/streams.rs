//! Server-sent events: the campaign's progress, and one donation's status for its own page.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::{Stream, StreamExt};
use tokio_stream::wrappers::WatchStream;

use super::giving::ThankYouQuery;
use super::AppError;
use crate::domain::identifiers::Reference;
use crate::server::donations::Progress;
use crate::server::state::AppState;

/// `GET /api/progress`: the campaign's progress, first at once and then each time it changes.
/// Ends when the server begins to stop.
pub async fn progress(
    State(state): State<AppState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let currency = state.content.organisation.currency();
    let events = WatchStream::new(state.donations.subscribe())
        .map(move |progress| Ok(progress_event(progress, currency.code())))
        .take_until(stopped(state.stopping.clone()));
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
}

/// One progress event: "raised_minor supporters goal_minor percent currency".
fn progress_event(progress: Progress, currency: &str) -> Event {
    Event::default().event("progress").data(format!(
        "{} {} {} {} {currency}",
        progress.raised_minor,
        progress.supporters,
        progress.goal_minor,
        progress.percent()
    ))
}

/// `GET /api/donations/{reference}/status?key=...`: the donation's status (`event: status`,
/// data e.g. `paid`), first at once and then on each change, so the page a donor returns to
/// from the checkout can say when the payment is confirmed. Checks the database every second
/// (the webhook may land on another instance) for at most ten minutes.
pub async fn donation_status(
    State(state): State<AppState>,
    Path(reference): Path<String>,
    query: Result<Query<ThankYouQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    // An API answers a plain 404, not the not-found page.
    let not_found = || Ok(StatusCode::NOT_FOUND.into_response());
    let key = query.map(|Query(query)| query.key).unwrap_or_default();
    let Some(reference) = Reference::parse(&reference) else {
        return not_found();
    };
    let found = state
        .donations
        .find_for_donor(&reference, &key)
        .await
        .map_err(AppError::donations_unavailable)?;
    if found.is_none() {
        return not_found();
    }
    const CHECKS: usize = 600;
    let donations = state.donations.clone();
    let ticks =
        tokio_stream::wrappers::IntervalStream::new(tokio::time::interval(Duration::from_secs(1)))
            .take(CHECKS);
    let mut last = None;
    let events = ticks
        .then(move |_| {
            let donations = donations.clone();
            let reference = reference.clone();
            async move { donations.status(&reference).await.ok().flatten() }
        })
        .filter_map(move |status| {
            let changed = status.filter(|status| Some(*status) != last);
            if changed.is_some() {
                last = changed;
            }
            std::future::ready(changed.map(|status| {
                Ok::<_, Infallible>(Event::default().event("status").data(status.as_str()))
            }))
        })
        .take_until(stopped(state.stopping.clone()));
    let mut response = Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Resolves when the server begins to stop, so endless responses end.
async fn stopped(mut stopping: tokio::sync::watch::Receiver<bool>) {
    let already_stopping = *stopping.borrow_and_update();
    if !already_stopping {
        // The only change ever sent is "stopping"; a closed channel means stopped too.
        let _ = stopping.changed().await;
    }
}

//! Server-sent events: the campaign's progress, and one donation's status for its own page.

use std::convert::Infallible;
use std::time::Duration;

use std::net::IpAddr;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use tokio_stream::wrappers::WatchStream;

use super::client::ClientAddress;
use super::cookies;
use super::giving::GiftPageQuery;
use super::AppError;
use sharecare_domain::identifiers::Reference;
use sharecare_services::donations::Progress;
use sharecare_services::limits::{StreamPermit, StreamRefused};
use sharecare_services::state::AppState;

/// `GET /api/progress`: the campaign's progress, first at once and then each time it changes.
/// Ends when the server begins to stop. Capped like every stream (see `open`).
pub async fn progress(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
) -> Response {
    let permit = match open(&state, address) {
        Ok(permit) => permit,
        Err(refused) => return refusal(refused),
    };
    let currency = state.content.organisation.currency();
    let events = WatchStream::new(state.donations.subscribe())
        .map(move |progress| {
            // The stream holds its place until it ends.
            let _held = &permit;
            Ok::<_, Infallible>(progress_event(progress, currency.code()))
        })
        .take_until(stopped(state.stopping.clone()));
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
        .into_response()
}

/// A place for one more stream, or the answer refusing it: 429 when this address holds its
/// share, 503 when the server holds all it will.
fn open(state: &AppState, address: IpAddr) -> Result<StreamPermit, StreamRefused> {
    state.streams.open(address).inspect_err(|refused| {
        sharecare_services::warn_throttled!(
            "stream-cap",
            ?refused,
            "refused an event stream over its cap"
        );
    })
}

fn refusal(refused: StreamRefused) -> Response {
    let status = match refused {
        StreamRefused::TooManyFromAddress => StatusCode::TOO_MANY_REQUESTS,
        StreamRefused::Full => StatusCode::SERVICE_UNAVAILABLE,
    };
    (
        status,
        [(header::RETRY_AFTER, "10")],
        "Too many open streams; try again shortly.",
    )
        .into_response()
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

/// `GET /api/donations/{reference}/status`: the donation's status (`event: status`, data e.g.
/// `paid`), first at once and then on each change, so the page a donor returns to from the
/// checkout can say when the payment is confirmed. The key comes from the gift's cookie (or
/// `?key=`). However many pages watch one donation, one poller reads it (see
/// `Donations::watch_status`); the stream ends once the status is final.
pub async fn donation_status(
    State(state): State<AppState>,
    Path(reference): Path<String>,
    ClientAddress(address): ClientAddress,
    query: Result<Query<GiftPageQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    // An API answers a plain 404, not the not-found page.
    let not_found = || Ok(StatusCode::NOT_FOUND.into_response());
    let key = query
        .map(|Query(query)| query.key)
        .ok()
        .filter(|key| !key.is_empty())
        .or_else(|| cookies::read(&headers, cookies::GIFT_KEY).map(str::to_string))
        .unwrap_or_default();
    let Some(reference) = Reference::parse(&reference) else {
        return not_found();
    };
    let found = state.donations.find_for_donor(&reference, &key).await?;
    let Some(donation) = found else {
        return not_found();
    };
    let permit = match open(&state, address) {
        Ok(permit) => permit,
        Err(refused) => return Ok(refusal(refused)),
    };
    let watching = state.donations.watch_status(&donation);
    let events = futures_util::stream::unfold(
        (watching, None, false, permit),
        |(mut watching, last, ended, permit)| async move {
            if ended {
                return None;
            }
            loop {
                let current = *watching.borrow_and_update();
                if let Some(status) = current.filter(|status| Some(*status) != last) {
                    let event = Event::default().event("status").data(status.as_str());
                    return Some((
                        Ok::<_, Infallible>(event),
                        (watching, Some(status), status.is_final(), permit),
                    ));
                }
                // The poller stops when the status is final or after its time: so do we.
                watching.changed().await.ok()?;
            }
        },
    )
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

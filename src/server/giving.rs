//! The HTTP side of giving: the form's POST, the donor's thank-you page and the live progress
//! stream. Pages themselves are Leptos components; these handlers decide what they show.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::Body;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, Request as AxumRequest, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode};
use axum::middleware::Next;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use futures_util::{Stream, StreamExt};
use leptos::prelude::provide_context;
use serde::Deserialize;
use tokio_stream::wrappers::WatchStream;

use crate::app::shell;
use crate::components::donation_form::FormState;
use crate::domain::donation::{DonationForm, FormToken, GivingRules, Reference};
use crate::domain::Locale;
use crate::i18n::t;
use crate::pages::thank_you::{CheckoutReturn, ThankYouDonation};
use crate::server::db::DonationRow;
use crate::server::donations::{Donations, Progress};
use crate::server::payment::{NextStep, ProviderError};
use crate::server::routes;
use crate::server::state::AppState;

/// `POST /{locale}/donate`: checks the gift, stores it once per form token and sends the donor
/// to their thank-you page (303). A mistake re-renders the form with the donor's values and a
/// message per field (422); a database outage does the same with a "try again" (503), and
/// trying again with the same token can never store the gift twice.
pub async fn submit(
    State(state): State<AppState>,
    Path(locale): Path<String>,
    headers: HeaderMap,
    form: Result<Form<DonationForm>, FormRejection>,
) -> Response {
    let path = format!("/{locale}/donate");
    let Some(locale) = Locale::from_code(&locale) else {
        return render(state, headers, &path, ()).await;
    };
    let form = match form {
        Ok(Form(form)) => form,
        // Far larger than any donation form: not a donor's mistake to explain field by field.
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                "This request is far larger than a donation form.",
            )
                .into_response();
        }
        // An unreadable body (wrong content type, broken encoding) is answered like an empty
        // form: the donor sees what to fill in.
        Err(_) => DonationForm::default(),
    };
    let rules = GivingRules {
        card_payments: state.payments.card_payments(),
        ..state.content.giving_rules()
    };
    let request = match form.parse(rules) {
        Ok(request) => request,
        Err(errors) => {
            let form_state = FormState {
                form,
                errors,
                ..FormState::default()
            };
            let mut response = render(state, headers, &path, form_state).await;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return response;
        }
    };
    match state.donations.record(&request, locale).await {
        Ok(donation) => match begin_payment(&state, &donation, locale).await {
            Ok(redirect) => redirect,
            Err(error) => {
                // The gift is stored and nothing was charged: the donor can submit the same
                // form again (it finds the same donation and the same checkout) or switch to
                // a transfer.
                tracing::error!(%error, reference = %donation.reference, "cannot start the payment");
                let form_state = FormState {
                    form,
                    checkout_failed: true,
                    ..FormState::default()
                };
                try_again_with(state, headers, &path, form_state).await
            }
        },
        Err(error) => {
            tracing::error!(%error, "cannot store a donation");
            let form_state = FormState {
                form,
                unavailable: true,
                ..FormState::default()
            };
            try_again_with(state, headers, &path, form_state).await
        }
    }
}

/// Starts paying for a stored donation: a 303 to the hosted checkout for a card gift, or to the
/// thank-you page with transfer instructions. Redirects work with JavaScript off.
async fn begin_payment(
    state: &AppState,
    donation: &DonationRow,
    locale: Locale,
) -> Result<Response, ProviderError> {
    let m = t(locale);
    let description = format!(
        "{} · {}",
        state.content.organisation.name.get(locale),
        m.donate_title
    );
    let next = state
        .payments
        .begin(&state.donations, donation, locale, description)
        .await?;
    Ok(match next {
        NextStep::ShowInstructions => Redirect::to(&thank_you_path(
            locale,
            &donation.reference,
            &donation.access_key,
        ))
        .into_response(),
        NextStep::Checkout { url, .. } => Redirect::to(&url).into_response(),
    })
}

#[derive(Debug, Deserialize)]
pub struct CheckoutForm {
    #[serde(default)]
    key: String,
}

/// `POST /{locale}/donations/{reference}/checkout`: the donor's "continue to secure payment"
/// from their gift's page (after cancelling at the checkout, or coming back later).
pub async fn continue_checkout(
    State(state): State<AppState>,
    Path((locale_code, reference)): Path<(String, String)>,
    headers: HeaderMap,
    form: Result<Form<CheckoutForm>, FormRejection>,
) -> Response {
    let key = form.map(|Form(form)| form.key).unwrap_or_default();
    let path = format!("/{locale_code}/donations/{reference}");
    let (Some(locale), Some(reference)) = (
        Locale::from_code(&locale_code),
        Reference::parse(&reference),
    ) else {
        return render(state, headers, &path, ()).await;
    };
    let donation = match state.donations.find_for_donor(&reference, &key).await {
        Ok(Some(donation)) => donation,
        Ok(None) => return render(state, headers, &path, ()).await,
        Err(error) => {
            tracing::error!(%error, "cannot read a donation");
            return try_again_later();
        }
    };
    let page = thank_you_path(locale, &donation.reference, &donation.access_key);
    if donation.status != "pending" {
        return Redirect::to(&page).into_response();
    }
    match begin_payment(&state, &donation, locale).await {
        Ok(redirect) => redirect,
        Err(error) => {
            tracing::error!(%error, reference = %donation.reference, "cannot start the payment");
            Redirect::to(&format!("{page}&checkout=unavailable")).into_response()
        }
    }
}

/// The form again, with the donor's values, its token and a "try again" message: 503 with
/// `Retry-After`, since the fault is ours (the database or the payment service), not theirs.
async fn try_again_with(
    state: AppState,
    headers: HeaderMap,
    path: &str,
    form_state: FormState,
) -> Response {
    let mut response = render(state, headers, path, form_state).await;
    *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}

fn try_again_later() -> Response {
    routes::briefly_unavailable(
        "The donation service is briefly unavailable. Please reload this page in a moment.",
    )
}

/// The cookie that keeps one form token per donor for a while, so a donation form fetched again
/// (Back after giving, a second tab, a reload) carries the same token and cannot give twice.
pub const GIFT_COOKIE: &str = "sharecare_gift";
/// How long a token is kept: long enough for any Back or retry, short enough that a later
/// visit starts a new gift.
const GIFT_COOKIE_MAX_AGE_SECONDS: u32 = 30 * 60;

/// The form token for this request's donation forms, and the gift it already made, if any.
#[derive(Debug, Clone)]
pub struct GiftSession {
    pub token: FormToken,
    pub previous: Option<DonationRow>,
}

/// Middleware for the pages that show a donation form: picks the token (the cookie's, unless
/// the reader asked for a new gift with `?new_gift=1`), looks up whether it already made a
/// donation, hands both to the page (request extension) and refreshes the cookie.
pub async fn gift_session(
    State(state): State<AppState>,
    mut request: AxumRequest,
    next: Next,
) -> Response {
    if request.method() != Method::GET || !shows_donation_form(request.uri().path()) {
        return next.run(request).await;
    }
    let wants_new_gift = request
        .uri()
        .query()
        .is_some_and(|query| query.split('&').any(|pair| pair == "new_gift=1"));
    let remembered = (!wants_new_gift)
        .then(|| remembered_token(request.headers()))
        .flatten();
    let session = match remembered {
        Some(token) => {
            let previous = state
                .donations
                .database()
                .donation_by_idempotency_key(token.as_str())
                .await
                .unwrap_or_else(|error| {
                    tracing::warn!(%error, "cannot look up the form token's donation");
                    None
                });
            GiftSession { token, previous }
        }
        None => GiftSession {
            token: Donations::new_form_token(),
            previous: None,
        },
    };
    let secure = if state.site.public_base_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{GIFT_COOKIE}={}; Path=/; Max-Age={GIFT_COOKIE_MAX_AGE_SECONDS}; HttpOnly; SameSite=Lax{secure}",
        session.token.as_str()
    );
    request.extensions_mut().insert(session);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        headers.append(header::SET_COOKIE, value);
    }
    headers.append(header::VARY, HeaderValue::from_static("Cookie"));
    response
}

/// `/{locale}`, `/{locale}/donate` and `/{locale}/stories/{slug}` carry the donation form.
fn shows_donation_form(path: &str) -> bool {
    let mut segments = path.trim_start_matches('/').split('/');
    let locale_ok = segments.next().and_then(Locale::from_code).is_some();
    let rest: Vec<&str> = segments.collect();
    locale_ok && matches!(rest.as_slice(), [] | ["donate"] | ["stories", _])
}

fn remembered_token(headers: &HeaderMap) -> Option<FormToken> {
    routes::cookie(headers, GIFT_COOKIE).and_then(FormToken::parse)
}

/// Where a donor sees their gift: the reference in the path, the secret in the query.
pub fn thank_you_path(locale: Locale, reference: &str, access_key: &str) -> String {
    format!("/{}/donations/{reference}?key={access_key}", locale.code())
}

#[derive(Debug, Deserialize)]
pub struct ThankYouQuery {
    #[serde(default)]
    key: String,
    /// Set on the addresses the hosted checkout sends the donor back to.
    #[serde(default)]
    checkout: String,
}

/// `GET /{locale}/donations/{reference}?key=...`: the thank-you page. Without the right key
/// it is a plain 404, the same as for a reference that does not exist.
pub async fn thank_you(
    State(state): State<AppState>,
    Path((locale, reference)): Path<(String, String)>,
    query: Result<Query<ThankYouQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let path = format!("/{locale}/donations/{reference}");
    let (key, checkout) = query
        .map(|Query(query)| (query.key, query.checkout))
        .unwrap_or_default();
    let found = match Reference::parse(&reference) {
        Some(reference) => state.donations.find_for_donor(&reference, &key).await,
        None => Ok(None),
    };
    let mut response = match found {
        Ok(Some(donation)) => {
            let page = ThankYouDonation {
                donation,
                returned: CheckoutReturn::parse(&checkout),
            };
            render(state, headers, &path, page).await
        }
        Ok(None) => render(state, headers, &path, ()).await,
        Err(error) => {
            tracing::error!(%error, "cannot read a donation");
            try_again_later()
        }
    };
    // The page is one donor's own: never cached by others, never indexed, and its secret URL
    // never sent onwards as a referrer.
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    response
}

/// `GET /api/progress`: server-sent events carrying the campaign's progress, first at once and
/// then each time it changes. Ends when the server begins to stop.
pub async fn progress_stream(
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

/// `GET /api/donations/{reference}/status?key=...`: server-sent events with the donation's
/// status (`event: status`, data e.g. `paid`), first at once and then on each change, so the
/// page a donor returns to from the checkout can say when the payment is confirmed. Checks the
/// database every second (the webhook may land on another instance) for at most ten minutes.
pub async fn donation_status_stream(
    State(state): State<AppState>,
    Path(reference): Path<String>,
    query: Result<Query<ThankYouQuery>, QueryRejection>,
) -> Response {
    let key = query.map(|Query(query)| query.key).unwrap_or_default();
    let Some(reference) = Reference::parse(&reference) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match state.donations.find_for_donor(&reference, &key).await {
        Ok(Some(_)) => {}
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(_) => return try_again_later(),
    }
    const CHECKS: usize = 600;
    let donations = state.donations.clone();
    let ticks =
        tokio_stream::wrappers::IntervalStream::new(tokio::time::interval(Duration::from_secs(1)))
            .take(CHECKS);
    let mut last = String::new();
    let events =
        ticks
            .then(move |_| {
                let donations = donations.clone();
                let reference = reference.clone();
                async move {
                    donations
                        .database()
                        .donation_by_reference(reference.as_str())
                        .await
                        .ok()
                        .flatten()
                        .map(|row| row.status)
                }
            })
            .filter_map(move |status| {
                let changed = status.filter(|status| *status != last);
                if let Some(status) = &changed {
                    last = status.clone();
                }
                std::future::ready(changed.map(|status| {
                    Ok::<_, Infallible>(Event::default().event("status").data(status))
                }))
            })
            .take_until(stopped(state.stopping.clone()));
    let mut response = Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Resolves when the server begins to stop, so endless responses end.
async fn stopped(mut stopping: tokio::sync::watch::Receiver<bool>) {
    let already_stopping = *stopping.borrow_and_update();
    if !already_stopping {
        // The only change ever sent is "stopping"; a closed channel means stopped too.
        let _ = stopping.changed().await;
    }
}

/// Renders the Leptos page at `path` with `extra` in context, as for a GET of that page.
pub async fn render<T: Clone + Send + Sync + 'static>(
    state: AppState,
    mut headers: HeaderMap,
    path: &str,
    extra: T,
) -> Response {
    // The page is rendered as if fetched: the POST's body headers do not belong to it.
    headers.remove(header::CONTENT_TYPE);
    headers.remove(header::CONTENT_LENGTH);
    let mut request = Request::new(Body::empty());
    *request.method_mut() = Method::GET;
    *request.uri_mut() = path.parse().unwrap_or_else(|_| "/".parse().expect("valid"));
    *request.headers_mut() = headers;
    let options = state.leptos_options.clone();
    let handler = leptos_axum::render_app_to_stream_with_context(
        move || {
            provide_context(state.clone());
            provide_context(extra.clone());
        },
        move || shell(options.clone()),
    );
    handler(request).await.into_response()
}

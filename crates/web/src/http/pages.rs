//! The content pages: home, donate, privacy and the stories. Pages with the donation form get
//! the visit's gift session (see `gift_session`).
//!
//! Most readers get the page every reader of their language gets, from the page cache (see
//! `server::page_cache`): rendered once, compressed once, with an ETag. What is theirs alone
//! travels beside it: the form's token and its "shown at" note in cookies, and a policy that
//! allows the page's scripts by hash. A reader whose page must differ (a gift already made with
//! their token, a share code, a prefilled link) gets it rendered for them, as before.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use leptos::prelude::*;
use serde::Deserialize;

use super::cookies;
use super::gift_session::{gift_session, keep, stamp};
use super::params::locale;
use super::render::{render, render_shared};
use super::security::{add_security_headers, SharedScripts, NO_FRAMING};
use super::AppError;
use sharecare_content::paths::{self, Endpoint};
use sharecare_domain::secrets::random_hex;
use sharecare_services::page_cache::{CachedPage, Encoding};
use sharecare_services::state::AppState;
use sharecare_views::components::donation_form::{FormState, GiftSession};
use sharecare_views::pages::donate::DonatePage;
use sharecare_views::pages::home::HomePage;
use sharecare_views::pages::privacy::PrivacyPage;
use sharecare_views::pages::story::StoryPage;

const REQUEST_ID: &str = "x-request-id";

/// How long the "shown at" cookie of a shared page's form lasts (as the gift cookie).
const SHOWN_MAX_AGE_SECONDS: u32 = 30 * 60;

/// Whether this reader may have the shared page: no query (a prefilled or shared link), no
/// share code to carry, no gift already made with their token (its notice is theirs).
fn shared_for(query: Option<&str>, session: &GiftSession) -> bool {
    query.is_none_or(str::is_empty) && session.previous.is_none() && session.referral.is_none()
}

/// The form as every reader gets it: no token and no "shown at" note (cookies carry them).
fn form_for_everyone(mut form: FormState) -> FormState {
    form.form.token.clear();
    form.form.shown.clear();
    form
}

/// The cached page at `key`, rendered now if it is missing or shows an older total.
async fn cached<F, V>(
    state: &AppState,
    key: String,
    endpoint: Endpoint,
    page: F,
) -> Result<std::sync::Arc<CachedPage>, AppError>
where
    F: Fn() -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let progress = state.donations.progress();
    if let Some(page) = state.page_cache.get(&key, progress) {
        return Ok(page);
    }
    let carries_form = endpoint != Endpoint::Privacy;
    let html = render_shared(state, page).await?;
    let cache = state.page_cache.clone();
    // Compressing at the highest settings takes a moment: off the request threads.
    let page = tokio::task::spawn_blocking(move || {
        let page = CachedPage::new(html, progress).for_route(endpoint.pattern(), carries_form);
        cache.put(&key, page)
    })
    .await?;
    Ok(page)
}

/// The shared page as this reader's response: the encoding they accept, 304 when they hold it,
/// and (for pages with the form) their token and "shown at" note in cookies.
fn respond(
    state: &AppState,
    headers: &HeaderMap,
    page: &CachedPage,
    session: Option<&GiftSession>,
) -> Response {
    let accepted = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let encoding = Encoding::preferred(accepted);
    let held = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .map(|tag| tag.trim().trim_start_matches("W/"))
                .any(|tag| tag == page.etag || tag == "*")
        });
    let mut response = if held {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut response = page.body(encoding).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        if let Some(coding) = encoding.header() {
            response
                .headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
        }
        response
    };
    let out = response.headers_mut();
    if let Ok(etag) = HeaderValue::from_str(&page.etag) {
        out.insert(header::ETAG, etag);
    }
    out.append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    response
        .extensions_mut()
        .insert(SharedScripts(page.script_sources.clone()));
    if let Some(session) = session {
        keep(&mut response, session, state);
        cookies::set(
            &mut response,
            cookies::SHOWN,
            &stamp(state, session.token.as_str()),
            SHOWN_MAX_AGE_SECONDS,
            state.site.is_https(),
        );
    }
    response
}

/// Middleware, outermost: the page cache's front door. A first-time reader's GET of a cached
/// page (no query, no cookies: nothing of theirs can change it) is answered here, from the
/// cached bytes with a new form token, without passing through the layers and handlers that
/// every other request takes; that path costs a few microseconds, which is what lets one small
/// server carry a link shared in a big group chat. Anything else goes in as before.
pub async fn front_door(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let fresh_reader = request.method() == Method::GET
        && request.uri().query().is_none()
        && !request.headers().contains_key(header::COOKIE);
    if !fresh_reader {
        return next.run(request).await;
    }
    let progress = state.donations.progress();
    let Some(page) = state.page_cache.get(request.uri().path(), progress) else {
        return next.run(request).await;
    };
    let session = page.carries_form.then(|| GiftSession {
        token: state.form_guard.issue_token(),
        previous: None,
        referral: None,
    });
    let mut response = respond(&state, request.headers(), &page, session.as_ref());
    add_security_headers(
        &state,
        response.headers_mut(),
        &page.script_sources,
        NO_FRAMING,
    );
    // The request id, as the layers inside would have set it: the proxy's, or a new one.
    let request_id = request
        .headers()
        .get(REQUEST_ID)
        .cloned()
        .or_else(|| HeaderValue::from_str(&random_hex::<8>()).ok());
    if let Some(id) = request_id {
        response.headers_mut().insert(REQUEST_ID, id);
    }
    super::observe::count_request(page.route, response.status());
    response
}

/// `GET /{locale}`: the campaign page.
pub async fn home(
    State(state): State<AppState>,
    Path(locale_code): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let locale = locale(&locale_code)?;
    let session = gift_session(&state, &headers, query.as_deref()).await;
    if shared_for(query.as_deref(), &session) {
        let form = form_for_everyone(FormState::fresh(
            &state.content,
            session.clone(),
            String::new(),
        ));
        let page = cached(&state, paths::home(locale), Endpoint::Home, move || {
            view! { <HomePage locale form=form.clone()/> }
        })
        .await?;
        return Ok(respond(&state, &headers, &page, Some(&session)));
    }
    let shown = stamp(&state, session.token.as_str());
    let form = FormState::fresh(&state.content, session.clone(), shown);
    let mut response = render(
        &state,
        move || view! { <HomePage locale form=form.clone()/> },
    )
    .await;
    keep(&mut response, &session, &state);
    Ok(response)
}

/// A shared link to the widget may preselect its amount and frequency.
#[derive(Debug, Default, Deserialize)]
pub struct DonateQuery {
    amount: Option<String>,
    frequency: Option<String>,
}

/// `GET /{locale}/donate`: the widget alone (`?amount=500&frequency=monthly` preselects it;
/// bad values are ignored).
pub async fn donate(
    State(state): State<AppState>,
    Path(locale_code): Path<String>,
    RawQuery(raw_query): RawQuery,
    query: Result<Query<DonateQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let locale = locale(&locale_code)?;
    let query = query.map(|Query(query)| query).unwrap_or_default();
    let session = gift_session(&state, &headers, raw_query.as_deref()).await;
    let prefilled = |session: GiftSession, stamp: String| {
        FormState::prefilled(
            &state.content,
            state.donations.giving_rules(),
            session,
            stamp,
            query.amount.as_deref(),
            query.frequency.as_deref(),
        )
    };
    if shared_for(raw_query.as_deref(), &session) {
        let form = form_for_everyone(prefilled(session.clone(), String::new()));
        let page = cached(&state, paths::donate(locale), Endpoint::Donate, move || {
            view! { <DonatePage locale form=form.clone()/> }
        })
        .await?;
        return Ok(respond(&state, &headers, &page, Some(&session)));
    }
    let mut form = prefilled(session.clone(), stamp(&state, session.token.as_str()));
    // A link's campaign tags go into the form itself (the cookie keeps them too).
    if let Some(query) = raw_query.as_deref() {
        super::attribution::VisitTags::parse(query).fill(&mut form.form);
    }
    let mut response = render(
        &state,
        move || view! { <DonatePage locale form=form.clone()/> },
    )
    .await;
    keep(&mut response, &session, &state);
    Ok(response)
}

/// `GET /{locale}/privacy`: the privacy notice, the same for everyone.
pub async fn privacy(
    State(state): State<AppState>,
    Path(locale_code): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let locale = locale(&locale_code)?;
    let page = cached(
        &state,
        paths::privacy(locale),
        Endpoint::Privacy,
        move || {
            view! { <PrivacyPage locale/> }
        },
    )
    .await?;
    Ok(respond(&state, &headers, &page, None))
}

/// `GET /{locale}/stories/{slug}`: one story, with the widget.
pub async fn story(
    State(state): State<AppState>,
    Path((locale_code, slug)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let locale = locale(&locale_code)?;
    let story = state
        .content
        .story(&slug)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let session = gift_session(&state, &headers, query.as_deref()).await;
    if shared_for(query.as_deref(), &session) {
        let form = form_for_everyone(FormState::fresh(
            &state.content,
            session.clone(),
            String::new(),
        ));
        let page = cached(
            &state,
            paths::story(locale, &slug),
            Endpoint::Story,
            move || {
                view! { <StoryPage locale story=story.clone() form=form.clone()/> }
            },
        )
        .await?;
        return Ok(respond(&state, &headers, &page, Some(&session)));
    }
    let shown = stamp(&state, session.token.as_str());
    let form = FormState::fresh(&state.content, session.clone(), shown);
    let mut response = render(&state, move || {
        view! { <StoryPage locale story=story.clone() form=form.clone()/> }
    })
    .await;
    keep(&mut response, &session, &state);
    Ok(response)
}

//! Personal share links: `?ref=CODE` on a story's address. The server issues a code on request
//! (a POST from the share bar), remembers a visitor's code in a first-party cookie so a gift
//! made later in the visit carries it, and shows each code's public totals: what gifts made
//! through it have raised and how many there were, never who gave.

use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use rand::Rng;

use crate::domain::donation::ReferralCode;
use crate::domain::Locale;
use crate::server::donations::now_millis;
use crate::server::giving::render;
use crate::server::routes;
use crate::server::state::AppState;

/// Where a visitor's share code is kept between landing on a shared link and giving.
pub const REFERRAL_COOKIE: &str = "sharecare_ref";
const REFERRAL_COOKIE_MAX_AGE_SECONDS: u32 = 30 * 24 * 3600;

/// A share code's page, as the page component receives it.
#[derive(Debug, Clone)]
pub struct ReferralPageData {
    pub code: String,
    pub story_slug: String,
    pub raised_minor: u64,
    pub gifts: u64,
}

/// `POST /{locale}/stories/{slug}/share-link`: issues a new personal code for the story and
/// sends the reader to its page, which holds their link and its share bar.
pub async fn create_share_link(
    State(state): State<AppState>,
    Path((locale_code, slug)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let path = format!("/{locale_code}/stories/{slug}");
    let (Some(locale), Some(story)) = (Locale::from_code(&locale_code), state.content.story(&slug))
    else {
        return render(state, headers, &path, ()).await;
    };
    for _ in 0..3 {
        let code = ReferralCode::from_random(rand::rng().random());
        match state
            .donations
            .database()
            .insert_referral_code(code.as_str(), &story.slug, now_millis())
            .await
        {
            Ok(true) => {
                return Redirect::to(&format!("/{}/referrals/{}", locale.code(), code.as_str()))
                    .into_response()
            }
            Ok(false) => continue,
            Err(error) => {
                tracing::error!(%error, "cannot store a share code");
                break;
            }
        }
    }
    routes::briefly_unavailable(
        "We could not make your link just now. Please try again in a moment.",
    )
}

/// `GET /{locale}/referrals/{code}`: what a share link has raised. Unknown codes are the 404
/// page. Never cached by others, never indexed.
pub async fn referral_page(
    State(state): State<AppState>,
    Path((locale_code, code)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let path = format!("/{locale_code}/referrals/{code}");
    let totals = match ReferralCode::parse(&code) {
        Some(code) => {
            state
                .donations
                .database()
                .referral_totals(code.as_str())
                .await
        }
        None => Ok(None),
    };
    let mut response = match totals {
        Ok(Some(totals)) => {
            let data = ReferralPageData {
                code,
                story_slug: totals.story_slug,
                raised_minor: u64::try_from(totals.raised_minor).unwrap_or(0),
                gifts: u64::try_from(totals.gifts).unwrap_or(0),
            };
            render(state, headers, &path, data).await
        }
        Ok(None) => render(state, headers, &path, ()).await,
        Err(error) => {
            tracing::error!(%error, "cannot read a share code's totals");
            return routes::briefly_unavailable(
                "This page is briefly unavailable. Please reload it in a moment.",
            );
        }
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    response
}

/// Middleware: a page fetched with `?ref=CODE` remembers the code in a first-party cookie, so
/// a gift made later in the visit, from any page, carries it.
pub async fn remember_referral(request: Request, next: Next) -> Response {
    let code = (request.method() == Method::GET)
        .then(|| query_referral(request.uri().query()))
        .flatten();
    let mut response = next.run(request).await;
    if let Some(code) = code {
        let cookie = format!(
            "{REFERRAL_COOKIE}={}; Path=/; Max-Age={REFERRAL_COOKIE_MAX_AGE_SECONDS}; HttpOnly; SameSite=Lax",
            code.as_str()
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

fn query_referral(query: Option<&str>) -> Option<ReferralCode> {
    query?
        .split('&')
        .find_map(|pair| pair.strip_prefix("ref="))
        .and_then(ReferralCode::parse)
}

/// The share code this request carries: `?ref=` first, else the cookie.
pub fn request_referral(query: Option<&str>, headers: &HeaderMap) -> Option<ReferralCode> {
    query_referral(query)
        .or_else(|| routes::cookie(headers, REFERRAL_COOKIE).and_then(ReferralCode::parse))
}

//! Personal share links over HTTP: issuing a code (a POST from the share bar), the code's page,
//! and remembering a visitor's code in a first-party cookie so a gift made later in the visit
//! carries it.

use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;

use super::cookies;
use super::params::{locale, referral_code};
use super::render::{donors_own_page, render};
use super::AppError;
use crate::domain::identifiers::ReferralCode;
use crate::pages::referral::{ReferralPage, ReferralPageData};
use crate::paths;
use crate::server::state::AppState;

const COOKIE_MAX_AGE_SECONDS: u32 = 30 * 24 * 3600;

/// `POST /{locale}/stories/{slug}/share-link`: issues a new personal code for the story and
/// sends the reader to its page, which holds their link and its share bar.
pub async fn create_share_link(
    State(state): State<AppState>,
    Path((locale_code, slug)): Path<(String, String)>,
) -> Result<Response, AppError> {
    const TRY_AGAIN: &str = "We could not make your link just now. Please try again in a moment.";
    let locale = locale(&locale_code)?;
    let story = state.content.story(&slug).ok_or(AppError::NotFound)?;
    match state.referrals.issue(&story.slug).await {
        Ok(Some(code)) => Ok(Redirect::to(&paths::referral(locale, &code)).into_response()),
        Ok(None) => Err(AppError::unavailable(
            TRY_AGAIN,
            "three share codes clashed",
        )),
        Err(error) => Err(AppError::unavailable(TRY_AGAIN, error)),
    }
}

/// `GET /{locale}/referrals/{code}`: what a share link has raised. Unknown codes are the 404
/// page. Never cached by others, never indexed.
pub async fn referral_page(
    State(state): State<AppState>,
    Path((locale_code, code)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let locale = locale(&locale_code)?;
    let code = referral_code(&code)?;
    let totals = state.referrals.totals(&code).await.map_err(|error| {
        AppError::unavailable(
            "This page is briefly unavailable. Please reload it in a moment.",
            error,
        )
    })?;
    let data = totals
        .and_then(|totals| {
            Some(ReferralPageData {
                story: state.content.story(&totals.story_slug)?.clone(),
                code,
                raised_minor: totals.raised_minor,
                gifts: totals.gifts,
            })
        })
        .ok_or(AppError::NotFound)?;
    let mut response = render(
        &state,
        move || view! { <ReferralPage locale data=data.clone()/> },
    )
    .await;
    donors_own_page(&mut response);
    Ok(response)
}

/// Middleware: a page fetched with `?ref=CODE` remembers the code in a first-party cookie, so
/// a gift made later in the visit, from any page, carries it.
pub async fn remember_referral(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let code = (request.method() == Method::GET)
        .then(|| query_referral(request.uri().query()))
        .flatten();
    let mut response = next.run(request).await;
    if let Some(code) = code {
        cookies::set(
            &mut response,
            cookies::REFERRAL,
            code.as_str(),
            COOKIE_MAX_AGE_SECONDS,
            state.site.is_https(),
        );
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
        .or_else(|| cookies::read(headers, cookies::REFERRAL).and_then(ReferralCode::parse))
}

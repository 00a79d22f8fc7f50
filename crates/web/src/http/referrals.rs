//! Personal share links over HTTP: issuing a code (a POST from the share bar), the code's page,
//! and remembering a visitor's code in a first-party cookie so a gift made later in the visit
//! carries it.

use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;

use super::client::ClientAddress;
use super::cookies;
use super::params::{locale, referral_code};
use super::render::{donors_own_page, render};
use super::AppError;
use sharecare_content::paths;
use sharecare_domain::identifiers::ReferralCode;
use sharecare_services::limits::Rule;
use sharecare_services::state::AppState;
use sharecare_views::pages::referral::{ReferralPage, ReferralPageData};

const COOKIE_MAX_AGE_SECONDS: u32 = 30 * 24 * 3600;

/// How long a visitor's browser remembers the share links it was given.
const LINKS_MAX_AGE_SECONDS: u32 = 365 * 24 * 3600;
/// Stories remembered per visitor (more than any campaign has).
const LINKS_KEPT: usize = 20;

/// `POST /{locale}/stories/{slug}/share-link`: the visitor's personal code for the story (the
/// one they were given before, kept in a cookie, else a new one) and a redirect to its page,
/// which holds their link and its share bar. Asking again does not make another code.
pub async fn create_share_link(
    State(state): State<AppState>,
    Path((locale_code, slug)): Path<(String, String)>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    const TRY_AGAIN: &str = "We could not make your link just now. Please try again in a moment.";
    let locale = locale(&locale_code)?;
    let story = state.content.story(&slug).ok_or(AppError::NotFound)?;
    let mut links = cookies::read(&headers, cookies::SHARE_LINKS)
        .map(parse_links)
        .unwrap_or_default();
    if let Some((_, code)) = links.iter().find(|(kept, _)| *kept == story.slug) {
        return Ok(Redirect::to(&paths::referral(locale, code)).into_response());
    }
    state
        .limits
        .check(Rule::ShareLinkPerAddress, &address.to_string())
        .await?;
    let code = match state.referrals.issue(&story.slug).await {
        Ok(Some(code)) => code,
        Ok(None) => {
            return Err(AppError::unavailable(
                TRY_AGAIN,
                "three share codes clashed",
            ))
        }
        Err(error) => return Err(AppError::unavailable(TRY_AGAIN, error)),
    };
    let mut response = Redirect::to(&paths::referral(locale, &code)).into_response();
    links.insert(0, (story.slug.clone(), code));
    links.truncate(LINKS_KEPT);
    cookies::set(
        &mut response,
        cookies::SHARE_LINKS,
        &format_links(&links),
        LINKS_MAX_AGE_SECONDS,
        state.site.is_https(),
    );
    Ok(response)
}

/// `slug:CODE|slug:CODE`: slugs and codes are letters, digits and dashes, so neither
/// separator can appear inside one.
fn parse_links(value: &str) -> Vec<(String, ReferralCode)> {
    value
        .split('|')
        .filter_map(|pair| {
            let (slug, code) = pair.split_once(':')?;
            let slug_ok = !slug.is_empty()
                && slug
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            slug_ok.then(|| Some((slug.to_string(), ReferralCode::parse(code)?)))?
        })
        .collect()
}

fn format_links(links: &[(String, ReferralCode)]) -> String {
    links
        .iter()
        .map(|(slug, code)| format!("{slug}:{}", code.as_str()))
        .collect::<Vec<_>>()
        .join("|")
}

/// `GET /{locale}/referrals/{code}`: what a share link has raised. Unknown codes are the 404
/// page. Never cached by others, never indexed.
pub async fn referral_page(
    State(state): State<AppState>,
    Path((locale_code, code)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let locale = locale(&locale_code)?;
    let code = referral_code(&code)?;
    let totals = state.referrals.totals(&code).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembered_links_read_back_and_bad_entries_are_dropped() {
        let links = parse_links("yiyi:ABCDEFGHJK|lele:2345678923|bad slug:XYZW|teacher-fang:;");
        assert_eq!(links.len(), 2);
        assert_eq!(format_links(&links), "yiyi:ABCDEFGHJK|lele:2345678923");
    }
}

//! One form token per donor for a while, kept in a cookie, so a donation form fetched again
//! (Back after giving, a second tab, a reload) carries the same token and cannot give twice.

use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;

use super::cookies;
use super::referrals::request_referral;
use sharecare_content::paths::NEW_GIFT_QUERY;
use sharecare_domain::identifiers::FormToken;
use sharecare_services::state::AppState;
use sharecare_views::components::donation_form::GiftSession;

/// How long a token is kept: long enough for any Back or retry, short enough that a later
/// visit starts a new gift.
const MAX_AGE_SECONDS: u32 = 30 * 60;

/// The session for a page with a donation form: the cookie's token (unless the reader asked
/// for a new gift), the gift it already made, and the visit's share code.
pub async fn gift_session(
    state: &AppState,
    headers: &HeaderMap,
    query: Option<&str>,
) -> GiftSession {
    let wants_new_gift =
        query.is_some_and(|query| query.split('&').any(|pair| pair == NEW_GIFT_QUERY));
    // Only a token this server issued is kept: a planted or forged cookie is ignored.
    let remembered = (!wants_new_gift)
        .then(|| {
            cookies::read(headers, cookies::gift(state.site.is_https())).and_then(FormToken::parse)
        })
        .flatten()
        .filter(|token| state.form_guard.issued(token));
    let referral = request_referral(query, headers);
    match remembered {
        Some(token) => {
            let previous = state
                .donations
                .gift_for_token(&token)
                .await
                .unwrap_or_else(|error| {
                    tracing::warn!(%error, "cannot look up the form token's donation");
                    None
                });
            GiftSession {
                token,
                previous,
                referral,
            }
        }
        None => GiftSession {
            token: state.form_guard.issue_token(),
            previous: None,
            referral,
        },
    }
}

/// Keeps the session's token in its cookie (refreshed on each form page) and marks the page
/// as this reader's.
pub fn keep(response: &mut Response, session: &GiftSession, state: &AppState) {
    keep_token(response, &session.token, state);
}

/// Keeps `token` in the gift cookie (also when a refused form comes back with a fresh one).
pub fn keep_token(response: &mut Response, token: &FormToken, state: &AppState) {
    cookies::set(
        response,
        cookies::gift(state.site.is_https()),
        token.as_str(),
        MAX_AGE_SECONDS,
        state.site.is_https(),
    );
    super::render::private_page(response);
    response
        .headers_mut()
        .append(header::VARY, HeaderValue::from_static("Cookie"));
}

/// The signed note of when the form carrying `token` is shown, for a form rendered now.
pub fn stamp(state: &AppState, token: &str) -> String {
    state
        .form_guard
        .stamp(token, sharecare_domain::time::Timestamp::now())
}

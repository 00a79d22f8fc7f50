//! One routed page per file.

pub mod donate;
pub mod home;
pub mod not_found;
pub mod privacy;
pub mod referral;
pub mod story;
pub mod thank_you;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::content::Organisation;
use crate::domain::Locale;
use crate::i18n::fill;

/// The language named by the `:locale` segment of the current route, if it is one we publish.
pub fn route_locale() -> Option<Locale> {
    use_params_map().with_untracked(|params| {
        params
            .get("locale")
            .and_then(|code| Locale::from_code(&code))
    })
}

/// Marks the response as one reader's: the page carries a fresh form token, so shared caches
/// must not keep it. `max-age=0` makes every new visit fetch a fresh form, while the browser
/// may still show its stored copy for Back (history navigation skips revalidation of stale
/// entries, not of `no-cache` ones): going back and submitting again sends the same token and
/// finds the same donation. `no-store` would forbid that copy.
pub fn private_page() {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static("private, max-age=0"),
        );
    }
}

/// This request's form token and the gift it already made (set by the `gift_session`
/// middleware). Pages rendered without it (tests rendering directly) get a new token.
pub fn gift_session() -> crate::server::giving::GiftSession {
    use_context::<http::request::Parts>()
        .and_then(|parts| {
            parts
                .extensions
                .get::<crate::server::giving::GiftSession>()
                .cloned()
        })
        .unwrap_or_else(|| crate::server::giving::GiftSession {
            token: crate::server::donations::Donations::new_form_token(),
            previous: None,
        })
}

/// The share code this visit came with (`?ref=` or the cookie it set), for the form.
pub fn referral_code() -> Option<crate::domain::donation::ReferralCode> {
    use_context::<http::request::Parts>().and_then(|parts| {
        crate::server::referrals::request_referral(parts.uri.query(), &parts.headers)
    })
}

/// A fresh donation form for this request: its token, and the visit's share code if any.
pub fn fresh_form(
    content: &crate::content::Content,
) -> crate::components::donation_form::FormState {
    let mut state = crate::components::donation_form::FormState::fresh(content, gift_session());
    if let Some(code) = referral_code() {
        state.form.referral = code.as_str().to_string();
    }
    state
}

/// Renders a translated sentence with `{phone}` and `{email}` as links, keeping the
/// translation's own word order.
pub fn contact_sentence(template: &str, org: &Organisation) -> impl IntoView {
    const PHONE: &str = "\u{0}";
    const EMAIL: &str = "\u{1}";
    let sentence = fill(template, &[("phone", PHONE), ("email", EMAIL)]);
    let (before_phone, rest) = sentence.split_once(PHONE).unwrap_or((&sentence, ""));
    let (between, after_email) = rest.split_once(EMAIL).unwrap_or((rest, ""));
    view! {
        {before_phone.to_string()}
        <a href=org.phone_href()>{org.phone.clone()}</a>
        {between.to_string()}
        <a href=format!("mailto:{}", org.email)>{org.email.clone()}</a>
        {after_email.to_string()}
    }
}

//! One routed page per file.

pub mod donate;
pub mod home;
pub mod not_found;
pub mod privacy;
pub mod thank_you;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::domain::Locale;

/// The language named by the `:locale` segment of the current route, if it is one we publish.
pub fn route_locale() -> Option<Locale> {
    use_params_map().with_untracked(|params| {
        params
            .get("locale")
            .and_then(|code| Locale::from_code(&code))
    })
}

/// Marks the response as one reader's: the page carries a fresh form token, so shared caches
/// must not keep it. `no-cache` (not `no-store`) lets the browser's back button show the same
/// form, token included, so going back and submitting again finds the same donation.
pub fn private_page() {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static("private, no-cache"),
        );
    }
}

//! One routed page per file.

pub mod home;
pub mod not_found;

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

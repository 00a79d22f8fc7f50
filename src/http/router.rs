//! The whole HTTP surface, registered from one list: every [`Endpoint`] with its handler, the
//! static folders, the fallback and the layers around them all.

use std::path::{Path, PathBuf};

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, get_service, post, MethodRouter};
use axum::{middleware, Router};
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use super::{discovery, giving, pages, referrals, share_images, site, streams, webhooks};
use crate::paths::{Endpoint, BUNDLE_DIR, IMAGES_DIR};
use crate::server::state::AppState;

/// A donation form is well under 2 KB; anything far larger is not one.
const FORM_BODY_LIMIT: usize = 16 * 1024;
/// Stripe events are a few KB; a megabyte leaves room without inviting abuse.
const WEBHOOK_BODY_LIMIT: usize = 1024 * 1024;

/// Each endpoint's handler. The match is exhaustive, so an endpoint added to the list without
/// a handler does not compile; the methods registered are the ones `Endpoint::methods` names.
fn handler(endpoint: Endpoint, site_root: &Path) -> MethodRouter<AppState> {
    let form_limit = DefaultBodyLimit::max(FORM_BODY_LIMIT);
    match endpoint {
        Endpoint::Root => get(site::redirect_to_reader_language),
        Endpoint::Healthz => get(site::healthz),
        Endpoint::Home => get(pages::home),
        // The form's POST shares its address with the page it re-renders on a mistake.
        Endpoint::Donate => get(pages::donate).post(giving::submit).layer(form_limit),
        Endpoint::Privacy => get(pages::privacy),
        Endpoint::Story => get(pages::story),
        Endpoint::ShareLink => post(referrals::create_share_link).layer(form_limit),
        Endpoint::Referral => get(referrals::referral_page),
        Endpoint::ThankYou => get(giving::thank_you),
        Endpoint::ContinueCheckout => post(giving::continue_checkout).layer(form_limit),
        Endpoint::DonationStatus => get(streams::donation_status),
        Endpoint::Progress => get(streams::progress),
        Endpoint::StripeWebhook => {
            post(webhooks::stripe_webhook).layer(DefaultBodyLimit::max(WEBHOOK_BODY_LIMIT))
        }
        Endpoint::Sitemap => get(discovery::sitemap),
        Endpoint::Robots => get(discovery::robots),
        Endpoint::Manifest => get(discovery::manifest),
        Endpoint::Favicon => get_service(ServeFile::new(site_root.join("favicon.ico"))),
        Endpoint::ShareImage => get(share_images::share_image),
    }
}

/// A folder of the built site, served precompressed (brotli, gzip) with `cache` on success.
fn static_folder(folder: PathBuf, cache: &'static str) -> Router {
    Router::new()
        .fallback_service(
            ServeDir::new(folder)
                .precompressed_br()
                .precompressed_gzip(),
        )
        .layer(middleware::from_fn_with_state(
            cache,
            site::cache_on_success,
        ))
}

/// The application's router. Kept separate from binding so tests can drive it directly.
pub fn build_router(state: AppState) -> Router {
    // Leptos renders on tokio; its own router would set this up, ours must. A second call
    // (tests start several servers in one process) is refused harmlessly.
    let _ = any_spawner::Executor::init_tokio();
    let site_root = PathBuf::from(state.leptos_options.site_root.as_ref());
    let mut router = Router::new();
    for endpoint in Endpoint::ALL {
        router = router.route(endpoint.pattern(), handler(endpoint, &site_root));
    }
    router
        .nest_service(
            BUNDLE_DIR,
            static_folder(site_root.join("pkg"), site::CACHE_IMMUTABLE),
        )
        .nest_service(
            IMAGES_DIR,
            static_folder(site_root.join("images"), site::CACHE_ONE_DAY),
        )
        .fallback(site::no_such_page)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            site::not_found_page,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            referrals::remember_referral,
        ))
        .layer(middleware::from_fn(site::redirect_trailing_slash))
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            http::header::X_CONTENT_TYPE_OPTIONS,
            http::HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            http::header::REFERRER_POLICY,
            http::HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

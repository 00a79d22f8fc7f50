//! The whole HTTP surface, registered from the table in `paths`: every [`SiteEndpoint`] with its
//! handler (the admin's and My gifts' parts merged in), the static folders, the fallback and the
//! layers around them all.

use std::path::{Path, PathBuf};

use axum::error_handling::HandleErrorLayer;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, get_service, post, MethodRouter};
use axum::{middleware, Router};
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::load_shed::LoadShedLayer;
use tower::{BoxError, ServiceBuilder};
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};
use tower_http::trace::TraceLayer;

use super::{
    admin, attribution, discovery, donors, embed, giving, observe, pages, panics, referrals,
    security, share_images, site, streams, webhooks,
};
use sharecare_content::paths::{SiteEndpoint, BUNDLE_DIR, IMAGES_DIR};
use sharecare_services::state::AppState;

/// A donation form is well under 2 KB; anything far larger is not one.
const FORM_BODY_LIMIT: usize = 16 * 1024;
/// Stripe events are a few KB; a megabyte leaves room without inviting abuse.
const WEBHOOK_BODY_LIMIT: usize = 1024 * 1024;

/// Each public endpoint's handler (the staff admin's are in `admin`, My gifts' in `donors`).
/// The match has no default, so an endpoint added to the table without a handler does not
/// compile; the methods registered must be the ones its line names (a test walks them all).
fn handler(endpoint: SiteEndpoint, site_root: &Path) -> MethodRouter<AppState> {
    let form_limit = DefaultBodyLimit::max(FORM_BODY_LIMIT);
    match endpoint {
        SiteEndpoint::Root => get(site::redirect_to_reader_language),
        SiteEndpoint::Healthz => get(site::healthz),
        SiteEndpoint::Readyz => get(observe::readyz),
        SiteEndpoint::Home => get(pages::home),
        // The form's POST shares its address with the page it re-renders on a mistake.
        SiteEndpoint::Donate => get(pages::donate).post(giving::submit).layer(form_limit),
        SiteEndpoint::Privacy => get(pages::privacy),
        SiteEndpoint::Story => get(pages::story),
        SiteEndpoint::ShareLink => post(referrals::create_share_link).layer(form_limit),
        SiteEndpoint::Referral => get(referrals::referral_page),
        SiteEndpoint::GiftPage => get(giving::gift_page),
        SiteEndpoint::ContinueCheckout => post(giving::continue_checkout).layer(form_limit),
        SiteEndpoint::DonationStatus => get(streams::donation_status),
        SiteEndpoint::Progress => get(streams::progress),
        SiteEndpoint::StripeWebhook => {
            post(webhooks::stripe_webhook).layer(DefaultBodyLimit::max(WEBHOOK_BODY_LIMIT))
        }
        SiteEndpoint::Sitemap => get(discovery::sitemap),
        SiteEndpoint::Robots => get(discovery::robots),
        SiteEndpoint::Manifest => get(discovery::manifest),
        SiteEndpoint::Favicon => get_service(ServeFile::new(site_root.join("favicon.ico"))),
        SiteEndpoint::ShareImage => get(share_images::share_image),
        SiteEndpoint::VerifyReceipt => get(donors::verify_receipt),
        SiteEndpoint::EmbedDonate => get(embed::embed_donate),
        SiteEndpoint::EmbedScript => get(embed::embed_script),
        SiteEndpoint::FpsQr => get(giving::fps_qr),
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
    protect(routes(&state), state)
}

/// Every endpoint with its handler (each part of the site with its own session and headers),
/// the static folders and the fallback, without the layers [`protect`] adds. Public so tests
/// can see which route a request reaches.
pub fn routes(state: &AppState) -> Router<AppState> {
    let site_root = PathBuf::from(state.leptos_options.site_root.as_ref());
    let mut router = Router::new();
    for endpoint in SiteEndpoint::ALL {
        router = router.route(endpoint.endpoint().pattern(), handler(endpoint, &site_root));
    }
    router
        .merge(admin::routes(state))
        .merge(donors::routes(state))
        .nest_service(
            BUNDLE_DIR,
            static_folder(site_root.join("pkg"), site::CACHE_IMMUTABLE),
        )
        .nest_service(
            IMAGES_DIR,
            static_folder(site_root.join("images"), site::CACHE_ONE_DAY),
        )
        .fallback(site::no_such_page)
}

/// The layers every response passes through, outermost last: request logs without query
/// strings; the security headers (with this request's CSP nonce); a panic answered as a 500
/// page; cross-site posts refused; load beyond the limit shed with 503; a deadline for each
/// answer and for the body's arrival (408); compression; one address per page; the visit's
/// share code; error pages in the reader's language; and, outside them all, the page cache's front door
/// (a first-time reader's cached page). Public so tests can put the same armour
/// around a route of their own.
pub fn protect(router: Router<AppState>, state: AppState) -> Router {
    // Leptos renders on tokio; its own router would set this up, ours must. A second call
    // (tests start several servers in one process) is refused harmlessly.
    let _ = any_spawner::Executor::init_tokio();
    let protection = state.protection.clone();
    let shed = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(|_: BoxError| async {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "2")],
                "The site is very busy just now. Please try again in a moment.",
            )
                .into_response()
        }))
        .layer(LoadShedLayer::new())
        .layer(GlobalConcurrencyLimitLayer::new(
            protection.max_concurrent_requests,
        ));
    router
        .layer(middleware::from_fn_with_state(
            state.clone(),
            site::error_pages,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            referrals::remember_referral,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            attribution::remember_campaign,
        ))
        .layer(middleware::from_fn(site::redirect_trailing_slash))
        .layer(CompressionLayer::new())
        .layer(RequestBodyTimeoutLayer::new(protection.body_timeout))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            protection.request_timeout,
        ))
        .layer(shed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::refuse_cross_site,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            panics::catch_panics,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::security_headers,
        ))
        .layer(middleware::from_fn(observe::record_requests))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request| {
                // The path only (query strings may hold a donor's key), and the request's id,
                // on every line logged while answering it.
                let id = request
                    .headers()
                    .get("x-request-id")
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or_default();
                tracing::info_span!(
                    "request",
                    id,
                    method = %request.method(),
                    path = %sharecare_services::telemetry::loggable_path(request.uri().path())
                )
            }),
        )
        .layer(SetRequestIdLayer::x_request_id(observe::RandomRequestId))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            pages::front_door,
        ))
        .with_state(state)
}

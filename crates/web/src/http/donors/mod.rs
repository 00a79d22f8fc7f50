//! "My gifts" over HTTP, one job per file: signing in with a code or a link (`sign_in`), the
//! gifts page and changes to a gift and news consent (`gifts`), the donor's data and its
//! deletion (`data`), receipts' PDFs and checking a receipt (`documents`), behind the donors'
//! own session (`session`). Every donor route checks the session on the server (the
//! [`DonorSession`] and [`DonorForm`] extractors); a gift is found by the session's email and
//! the reference together, so no form can reach another donor's gift.

mod data;
mod documents;
mod gifts;
mod session;
mod sign_in;

use axum::body::Body;
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;

pub use documents::verify_receipt;
pub use session::{DonorForm, DonorSession};

use super::render::donors_own_page;
use sharecare_content::paths::{self, DonorEndpoint};
use sharecare_domain::Locale;
use sharecare_services::state::AppState;

/// The routes of "My gifts", behind the donors' session layer.
pub fn routes(state: &AppState) -> Router<AppState> {
    let mut router = Router::new();
    for endpoint in DonorEndpoint::ALL {
        router = router.route(endpoint.endpoint().pattern(), handler(endpoint));
    }
    router
        .layer(session::session_layer(state))
        .layer(middleware::from_fn(private_headers))
}

/// A My gifts endpoint's handler; no default arm, so one added to the table without a handler
/// does not compile.
fn handler(endpoint: DonorEndpoint) -> MethodRouter<AppState> {
    let form = axum::extract::DefaultBodyLimit::max(16 * 1024);
    match endpoint {
        DonorEndpoint::MyGifts => get(gifts::my_gifts).post(sign_in::request_code).layer(form),
        DonorEndpoint::MyGiftsCode => post(sign_in::enter_code).layer(form),
        DonorEndpoint::MyGiftsLink => get(sign_in::link_page).post(sign_in::use_link).layer(form),
        DonorEndpoint::MyGiftsSignOut => post(sign_in::sign_out).layer(form),
        DonorEndpoint::MyGift => post(gifts::change_gift).layer(form),
        DonorEndpoint::MyConsent => post(gifts::consent).layer(form),
        DonorEndpoint::MyData => get(data::data),
        DonorEndpoint::MyErase => post(data::erase).layer(form),
        DonorEndpoint::MyReceipt => get(documents::receipt),
        DonorEndpoint::MySummary => get(documents::summary),
    }
}

/// Donors' pages are theirs alone: never stored, never indexed, no referrer (a link's token).
async fn private_headers(request: axum::extract::Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    donors_own_page(&mut response);
    response
}

/// Back to the gifts page, saying what was done or what went wrong.
fn back(locale: Locale, key: &str, value: &str) -> Response {
    Redirect::to(&format!("{}?{key}={value}", paths::my_gifts(locale))).into_response()
}

/// A file to save.
fn download(content_type: &'static str, file: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{file}\""))
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
        ],
        Body::from(body),
    )
        .into_response()
}

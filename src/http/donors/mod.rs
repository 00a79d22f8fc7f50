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
use crate::domain::Locale;
use crate::paths::{self, Endpoint};
use crate::server::state::AppState;

/// The routes of "My gifts", behind the donors' session layer.
pub fn routes(state: &AppState) -> Router<AppState> {
    let mut router = Router::new();
    for endpoint in Endpoint::ALL.into_iter().filter(|e| e.is_donor()) {
        router = router.route(endpoint.pattern(), handler(endpoint));
    }
    router
        .layer(session::session_layer(state))
        .layer(middleware::from_fn(private_headers))
}

fn handler(endpoint: Endpoint) -> MethodRouter<AppState> {
    let form = axum::extract::DefaultBodyLimit::max(16 * 1024);
    match endpoint {
        Endpoint::MyGifts => get(gifts::my_gifts).post(sign_in::request_code).layer(form),
        Endpoint::MyGiftsCode => post(sign_in::enter_code).layer(form),
        Endpoint::MyGiftsLink => get(sign_in::link_page).post(sign_in::use_link).layer(form),
        Endpoint::MyGiftsSignOut => post(sign_in::sign_out).layer(form),
        Endpoint::MyGift => post(gifts::change_gift).layer(form),
        Endpoint::MyConsent => post(gifts::consent).layer(form),
        Endpoint::MyData => get(data::data),
        Endpoint::MyErase => post(data::erase).layer(form),
        Endpoint::MyReceipt => get(documents::receipt),
        Endpoint::MySummary => get(documents::summary),
        other => unreachable!("{other:?} is not one of My gifts' routes"),
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

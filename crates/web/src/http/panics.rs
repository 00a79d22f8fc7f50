//! A handler that panics answers a plain 500 page in the reader's language, with no internals,
//! instead of a dropped connection.

use std::panic::AssertUnwindSafe;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use futures_util::FutureExt;

use super::site::request_locale;
use sharecare_content::i18n::t;
use sharecare_content::paths;
use sharecare_domain::Locale;
use sharecare_services::markup::escape;
use sharecare_services::state::AppState;

/// Middleware: catches a panic while answering and answers 500 instead.
pub async fn catch_panics(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let locale = request_locale(request.uri().path(), request.headers());
    match AssertUnwindSafe(next.run(request)).catch_unwind().await {
        Ok(response) => response,
        Err(_) => {
            tracing::error!("a request handler panicked; answered 500");
            server_error_page(locale, &state.site.css_href)
        }
    }
}

/// A page that needs nothing that might have failed: no database, no rendering engine.
pub fn server_error_page(locale: Locale, css_href: &str) -> Response {
    let m = t(locale);
    let html = format!(
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><link rel=\"stylesheet\" href=\"{css}\"></head>\
         <body><main id=\"main\"><section class=\"not-found\"><div class=\"wrap\">\
         <h1>{title}</h1><p>{body}</p><p><a class=\"button\" href=\"{home}\">{link}</a></p>\
         </div></section></main></body></html>",
        lang = locale.html_lang(),
        title = escape(m.server_error_title),
        body = escape(m.server_error_body),
        css = escape(css_href),
        home = escape(&paths::home(locale)),
        link = escape(m.server_error_home),
    );
    let mut response = (StatusCode::INTERNAL_SERVER_ERROR, Html(html)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

//! Handlers and middleware around the pages: `/` and `/healthz`, one address per page, cache
//! headers for static files, and the error pages (not found, too many, unavailable) in the
//! reader's language.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;

use super::cookies;
use super::error::{AppError, ErrorPage};
use super::render::render;
use sharecare_content::paths;
use sharecare_domain::Locale;
use sharecare_services::state::AppState;
use sharecare_views::pages::not_found::{NotFound, TooManyRequests, Unavailable};

/// Files whose names change with their content (`/pkg/`, share images): cache for a year.
pub const CACHE_IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Public files whose names do not change (images): cache for a day.
pub const CACHE_ONE_DAY: &str = "public, max-age=86400";

/// `GET /healthz`: the process is up and serving.
pub async fn healthz() -> impl IntoResponse {
    ([(header::CACHE_CONTROL, "no-store")], "ok")
}

/// `GET /`: sends the reader to their language's home page: the language they last picked
/// (cookie), else the best match for `Accept-Language`, else English.
pub async fn redirect_to_reader_language(headers: HeaderMap) -> Response {
    let mut response = Redirect::to(&paths::home(reader_locale(&headers))).into_response();
    let response_headers = response.headers_mut();
    // Caches must key the redirect on what chose it.
    response_headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept-Language, Cookie"),
    );
    response_headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    response
}

/// The reader's language from the request alone, for pages whose address names none.
pub fn reader_locale(headers: &HeaderMap) -> Locale {
    cookies::read(headers, cookies::LANGUAGE)
        .and_then(Locale::from_code)
        .unwrap_or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|value| value.to_str().ok())
                .map_or(Locale::DEFAULT, Locale::negotiate)
        })
}

/// The router's fallback: no such address.
pub async fn no_such_page() -> AppError {
    AppError::NotFound
}

/// The language an address names, else the reader's.
pub fn request_locale(path: &str, headers: &HeaderMap) -> Locale {
    path.split('/')
        .nth(1)
        .and_then(Locale::from_code)
        .unwrap_or_else(|| reader_locale(headers))
}

/// Middleware: a response marked with an [`ErrorPage`] gets that page as its body, in the
/// language its address names, else the reader's. Headers the handler set (a donor's page's
/// privacy headers, `Retry-After`) are kept.
pub async fn error_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let mut language_headers = HeaderMap::new();
    for name in [header::COOKIE, header::ACCEPT_LANGUAGE] {
        for value in request.headers().get_all(&name) {
            language_headers.append(name.clone(), value.clone());
        }
    }
    let response = next.run(request).await;
    let Some(page) = response.extensions().get::<ErrorPage>().copied() else {
        return response;
    };
    let locale = request_locale(&path, &language_headers);
    let (mut parts, _) = response.into_parts();
    let rendered = match page {
        ErrorPage::NotFound => render(&state, move || view! { <NotFound locale/> }).await,
        ErrorPage::TooMany { minutes } => {
            render(&state, move || view! { <TooManyRequests locale minutes/> }).await
        }
        ErrorPage::Unavailable => render(&state, move || view! { <Unavailable locale/> }).await,
    };
    let (page_parts, body) = rendered.into_parts();
    for (name, value) in &page_parts.headers {
        if !parts.headers.contains_key(name) {
            parts.headers.insert(name.clone(), value.clone());
        }
    }
    Response::from_parts(parts, body)
}

/// Pages have one address each: `/en/` permanently redirects to `/en`, keeping the query.
pub async fn redirect_trailing_slash(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path.len() > 1 && path.ends_with('/') {
        // Collapse leading slashes too: "//evil.test/" must not become "//evil.test", which a
        // browser reads as another host.
        let trimmed = path.trim_matches('/');
        let mut target = format!("/{trimmed}");
        if let Some(query) = request.uri().query() {
            target.push('?');
            target.push_str(query);
        }
        return Redirect::permanent(&target).into_response();
    }
    next.run(request).await
}

/// Sets `Cache-Control` on successful responses only, so a missing file is never cached.
/// Used as `middleware::from_fn_with_state(CACHE_IMMUTABLE, cache_on_success)`.
pub async fn cache_on_success(
    State(policy): State<&'static str>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    if response.status() == StatusCode::OK {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn cookie_choice_beats_accept_language() {
        let map = headers(&[
            (header::ACCEPT_LANGUAGE, "en-GB,en"),
            (header::COOKIE, "other=1; sharecare_locale=zh-cn"),
        ]);
        assert_eq!(reader_locale(&map), Locale::ZhCn);
    }

    #[test]
    fn unknown_cookie_value_falls_back_to_accept_language() {
        let map = headers(&[
            (header::ACCEPT_LANGUAGE, "zh-HK"),
            (header::COOKIE, "sharecare_locale=fr"),
        ]);
        assert_eq!(reader_locale(&map), Locale::ZhHk);
        assert_eq!(reader_locale(&HeaderMap::new()), Locale::En);
    }
}

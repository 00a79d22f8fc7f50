//! Plain axum handlers and middleware that sit beside the Leptos-rendered pages.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use crate::domain::Locale;

/// The cookie the language switcher sets when a reader picks a language.
pub const LANGUAGE_COOKIE: &str = "sharecare_locale";

/// `GET /healthz`: the process is up and serving.
pub async fn healthz() -> impl IntoResponse {
    ([(header::CACHE_CONTROL, "no-store")], "ok")
}

/// `GET /`: sends the reader to their language's home page: the language they last picked
/// (cookie), else the best match for `Accept-Language`, else English.
pub async fn redirect_to_reader_language(headers: HeaderMap) -> Response {
    let locale = reader_locale(&headers);
    let mut response = Redirect::to(&format!("/{}", locale.code())).into_response();
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

/// The reader's language from the request alone, for pages whose URL names none.
pub fn reader_locale(headers: &HeaderMap) -> Locale {
    chosen_locale(headers).unwrap_or_else(|| {
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok())
            .map_or(Locale::DEFAULT, Locale::negotiate)
    })
}

fn chosen_locale(headers: &HeaderMap) -> Option<Locale> {
    cookie(headers, LANGUAGE_COOKIE).and_then(Locale::from_code)
}

/// The value of the first cookie called `name`, trimmed.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name).then(|| value.trim())
        })
}

/// A 503 with `Retry-After` and a plain sentence: what a reader sees when the database (or a
/// service behind it) briefly fails, so they know to try again rather than give up.
pub fn briefly_unavailable(message: &'static str) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "5")],
        message,
    )
        .into_response()
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

/// Files whose names change with their content (`/pkg/`): cache for a year.
pub const CACHE_IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Public files whose names do not change (images): cache for a day.
pub const CACHE_ONE_DAY: &str = "public, max-age=86400";

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

//! Rendering a page into a response: the page (a view with its typed input) inside the shell,
//! with the application's state in context, streamed by Leptos.

use axum::body::Body;
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use leptos::nonce::Nonce;
use leptos::prelude::{provide_context, IntoView};

use super::security::NONCE;
use sharecare_services::state::AppState;
use sharecare_views::app::shell;

/// Renders `page` (called once, inside the shell) as a 200 response.
pub async fn render<F, V>(state: &AppState, page: F) -> Response
where
    F: Fn() -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    render_in_shell(state, true, true, page).await
}

/// Renders `page` for every reader alike: no CSP nonce (a shared page's scripts are allowed by
/// their hashes instead), the whole document as bytes.
pub async fn render_shared<F, V>(state: &AppState, page: F) -> Result<Vec<u8>, axum::Error>
where
    F: Fn() -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let response = render_in_shell(state, true, false, page).await;
    let bytes = axum::body::to_bytes(response.into_body(), 8 * 1024 * 1024).await?;
    Ok(without_nonce(&String::from_utf8_lossy(&bytes)).into_bytes())
}

/// Leptos gives a page without a nonce of ours one of its own; a shared page must carry none
/// (its policy names its scripts' hashes), so it is taken out again.
fn without_nonce(html: &str) -> String {
    let Some(start) = html.find(" nonce=\"") else {
        return html.to_string();
    };
    let value_start = start + " nonce=\"".len();
    let Some(length) = html[value_start..].find('"') else {
        return html.to_string();
    };
    let nonce = &html[value_start..value_start + length];
    html.replace(&format!(" nonce=\"{nonce}\""), "")
        .replace(&format!(" crossorigin=\"{nonce}\""), " crossorigin")
}

/// Renders a staff admin page: the same shell without the browser bundle.
pub async fn render_admin<F, V>(state: &AppState, status: StatusCode, page: F) -> Response
where
    F: Fn() -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let mut response = render_in_shell(state, false, true, page).await;
    *response.status_mut() = status;
    response
}

async fn render_in_shell<F, V>(state: &AppState, islands: bool, nonced: bool, page: F) -> Response
where
    F: Fn() -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let options = state.leptos_options.clone();
    let css_href = state.site.css_href.clone();
    let context = state.clone();
    // The response's Content-Security-Policy names this nonce (see `security`); the hydration
    // scripts carry it.
    let nonce = NONCE.try_with(Clone::clone).ok().filter(|_| nonced);
    let handler = leptos_axum::render_app_to_stream_with_context(
        move || {
            provide_context(context.clone());
            if let Some(nonce) = &nonce {
                provide_context(Nonce::from_value(nonce.as_str()));
            }
        },
        move || shell(options.clone(), css_href.clone(), islands, page.clone()),
    );
    let response = handler(Request::new(Body::empty())).await.into_response();
    if !islands {
        return response;
    }
    let (parts, body) = response.into_parts();
    match axum::body::to_bytes(body, PAGE_LIMIT).await {
        Ok(bytes) => {
            let html = without_bundle_preloads(&String::from_utf8_lossy(&bytes));
            Response::from_parts(parts, Body::from(html))
        }
        Err(error) => {
            tracing::error!(%error, "cannot render the page");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Far above any page of this site; a page this large is a fault.
const PAGE_LIMIT: usize = 8 * 1024 * 1024;

/// Leptos's hydration scripts put `<link rel="modulepreload">` (the JS) and `<link
/// rel="preload">` (the WASM) in the head. On a phone's network those 65 KB then share the
/// first round trips with the stylesheet and the illustration that is the page's largest paint,
/// which they do not help draw: the islands only add behaviour, and the island script fetches
/// both itself once the page is idle. Measured with Lighthouse's mobile model on `/en`: LCP
/// 2.26 s with the preloads, 1.05 s without (same bytes, served by nginx).
fn without_bundle_preloads(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<link rel=\"") {
        let tag_end = rest[start..]
            .find('>')
            .map_or(rest.len(), |end| start + end + 1);
        let tag = &rest[start..tag_end];
        let preload = tag.starts_with("<link rel=\"modulepreload\"")
            || (tag.starts_with("<link rel=\"preload\"") && tag.contains(".wasm\""));
        out.push_str(&rest[..start]);
        if !preload {
            out.push_str(tag);
        }
        rest = &rest[tag_end..];
    }
    out.push_str(rest);
    out
}

/// Renders `page` with another status (a form that came back with its mistakes, 422).
pub async fn render_with_status<F, V>(state: &AppState, status: StatusCode, page: F) -> Response
where
    F: Fn() -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let mut response = render(state, page).await;
    *response.status_mut() = status;
    response
}

/// Pages that carry a form token are one reader's: shared caches must not keep them.
/// `max-age=0` makes every new visit fetch a fresh form, while the browser may still show its
/// stored copy for Back (history navigation skips revalidation of stale entries, not of
/// `no-cache` ones): going back and submitting again sends the same token and finds the same
/// donation. `no-store` would forbid that copy.
pub fn private_page(response: &mut Response) {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=0"),
    );
}

/// A donor's own pages (their gift, their share link's totals): never cached by others, never
/// indexed, and their address (which may hold a secret) never sent onwards as a referrer.
pub fn donors_own_page(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex"));
}

#[cfg(test)]
mod tests {
    use super::without_bundle_preloads;

    #[test]
    fn the_bundle_preloads_go_and_everything_else_stays() {
        let head = concat!(
            r#"<link rel="stylesheet" href="/pkg/a.css"><link rel="modulepreload" href="/pkg/a.js" crossorigin>"#,
            r#"<link rel="preload" href="/pkg/a.wasm" as="fetch" type="application/wasm" crossorigin>"#,
            r#"<link rel="preload" href="/images/x.svg" as="image"><script type="module">go()</script>"#
        );
        assert_eq!(
            without_bundle_preloads(head),
            concat!(
                r#"<link rel="stylesheet" href="/pkg/a.css">"#,
                r#"<link rel="preload" href="/images/x.svg" as="image"><script type="module">go()</script>"#
            )
        );
    }
}

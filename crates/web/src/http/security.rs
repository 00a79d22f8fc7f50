//! What every response promises the browser, and what every state-changing request must prove.
//!
//! - Requests that change anything are POSTs (the router has no other mutating method), and a
//!   POST from another site is refused with 403: a foreign `Origin`, or `Sec-Fetch-Site:
//!   cross-site`. The payment provider's webhook is exempt: its signature proves it.
//! - Every response carries a Content-Security-Policy with a fresh nonce (the pages' own scripts
//!   carry it; nothing else runs), `frame-ancestors 'none'`, HSTS on HTTPS, `nosniff`, a
//!   referrer policy, a permissions policy and `Cross-Origin-Opener-Policy`.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use sharecare_content::paths::Endpoint;
use sharecare_domain::secrets::random_hex;
use sharecare_services::state::AppState;

/// On the embeddable widget's response: the partners' origins (space-separated), the only pages
/// that may frame it. Every other response keeps `frame-ancestors 'none'`.
#[derive(Debug, Clone)]
pub struct FrameAncestors(pub String);

/// On a shared (cached) page's response: its inline scripts' hashes, which its policy allows
/// instead of a nonce (the same bytes go to every reader, so they can carry no nonce).
#[derive(Debug, Clone)]
pub struct SharedScripts(pub std::sync::Arc<str>);

tokio::task_local! {
    /// This request's CSP nonce, for the page rendered while answering it.
    pub static NONCE: String;
}

/// Middleware: refuses a state-changing request sent from another site.
pub async fn refuse_cross_site(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mutating = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let exempt = request.uri().path() == Endpoint::StripeWebhook.pattern();
    if mutating && !exempt && from_another_site(request.headers(), &state.site.origin()) {
        sharecare_services::warn_throttled!("cross-site", path = %sharecare_services::telemetry::loggable_path(request.uri().path()), "refused a request sent from another site");
        return (
            StatusCode::FORBIDDEN,
            "This form was sent from another website, so it was not accepted. Please use the form on our own pages.",
        )
            .into_response();
    }
    next.run(request).await
}

/// Whether the browser says the request comes from another site. Requests without these
/// headers (programs, older browsers) are judged by their other defences.
pub fn from_another_site(headers: &HeaderMap, own_origin: &str) -> bool {
    let fetch_site = headers
        .get("sec-fetch-site")
        .and_then(|value| value.to_str().ok());
    if fetch_site == Some("cross-site") {
        return true;
    }
    match headers.get(header::ORIGIN).map(|value| value.to_str()) {
        Some(Ok(origin)) => origin != own_origin && fetch_site != Some("same-origin"),
        Some(Err(_)) => true,
        None => false,
    }
}

/// Middleware: the security headers, on every response (pages, errors, streams, files).
pub async fn security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let nonce = random_hex::<16>();
    let mut response = NONCE.scope(nonce.clone(), next.run(request)).await;
    let scripts = match response.extensions().get::<SharedScripts>() {
        Some(SharedScripts(sources)) => sources.to_string(),
        None => format!("'nonce-{nonce}'"),
    };
    let ancestors = response
        .extensions()
        .get::<FrameAncestors>()
        .map(|FrameAncestors(origins)| frame_ancestors(origins));
    add_security_headers(
        &state,
        response.headers_mut(),
        &scripts,
        ancestors.as_deref().unwrap_or(NO_FRAMING),
    );
    response
}

/// `frame-ancestors` of every response but the embeddable widget's.
pub const NO_FRAMING: &str = "'none'";

/// `frame-ancestors` for the partners' space-separated origins (none listed: no framing).
pub fn frame_ancestors(origins: &str) -> String {
    if origins.trim().is_empty() {
        NO_FRAMING.to_string()
    } else {
        origins.to_string()
    }
}

/// The security headers for a response whose page runs `scripts` (`'nonce-…'` or hashes) and
/// may be framed by `ancestors`: added by the middleware above, and by the page cache's front
/// door (`pages::front_door`), which answers before the middleware runs.
pub fn add_security_headers(
    state: &AppState,
    headers: &mut HeaderMap,
    scripts: &str,
    ancestors: &str,
) {
    let site = &state.site;
    let mut set = |name: header::HeaderName, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    set(
        header::CONTENT_SECURITY_POLICY,
        content_security_policy(
            scripts,
            site.is_https(),
            site.checkout_origin.as_deref(),
            ancestors,
        ),
    );
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff".into());
    set(
        header::HeaderName::from_static("permissions-policy"),
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()".into(),
    );
    set(
        header::HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin".into(),
    );
    if site.is_https() {
        set(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains".into(),
        );
    }
    if !headers.contains_key(header::REFERRER_POLICY) {
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        );
    }
}

/// The policy: only the site's own files and the pages' nonced (or, on shared pages, hashed)
/// scripts run; WebAssembly may compile; no plugins, no `<base>`; framed only by `ancestors`
/// (`'none'` but on the embeddable widget); forms post to the site (and, through its
/// redirect, to the card checkout). `scripts`: `'nonce-…'` or hashes.
pub fn content_security_policy(
    scripts: &str,
    https: bool,
    checkout_origin: Option<&str>,
    ancestors: &str,
) -> String {
    let form_action = match checkout_origin {
        Some(origin) => format!("'self' {origin}"),
        None => "'self'".to_string(),
    };
    let mut policy = format!(
        "default-src 'self'; script-src 'self' {scripts} 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; \
         manifest-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors {ancestors}; \
         form-action {form_action}"
    );
    if https {
        policy.push_str("; upgrade-insecure-requests");
    }
    policy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posts_from_other_sites_are_told_apart() {
        let own = "https://give.example.org";
        let with = |pairs: &[(&'static str, &'static str)]| {
            let mut headers = HeaderMap::new();
            for (name, value) in pairs {
                headers.insert(*name, HeaderValue::from_static(value));
            }
            headers
        };
        assert!(!from_another_site(&with(&[]), own), "no browser headers");
        assert!(!from_another_site(
            &with(&[("origin", "https://give.example.org")]),
            own
        ));
        assert!(from_another_site(
            &with(&[("origin", "https://evil.test")]),
            own
        ));
        assert!(from_another_site(&with(&[("origin", "null")]), own));
        assert!(from_another_site(
            &with(&[("sec-fetch-site", "cross-site")]),
            own
        ));
        assert!(!from_another_site(
            &with(&[
                ("sec-fetch-site", "same-origin"),
                ("origin", "http://127.0.0.1:3000")
            ]),
            own
        ));
    }

    #[test]
    fn the_policy_lets_nonced_scripts_and_wasm_run_and_nothing_frame_the_site() {
        let policy = content_security_policy(
            "'nonce-abc'",
            true,
            Some("https://checkout.stripe.com"),
            NO_FRAMING,
        );
        for part in [
            "script-src 'self' 'nonce-abc' 'wasm-unsafe-eval'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self' https://checkout.stripe.com",
            "upgrade-insecure-requests",
        ] {
            assert!(policy.contains(part), "{part} in {policy}");
        }
        assert!(!policy.contains("unsafe-inline"));
    }

    #[test]
    fn only_the_embed_policy_names_the_partners() {
        let origins = "https://www.harbour-primary.example http://localhost:3105";
        let policy = content_security_policy("'nonce-abc'", false, None, &frame_ancestors(origins));
        assert!(
            policy.contains(
                "frame-ancestors https://www.harbour-primary.example http://localhost:3105;"
            ),
            "{policy}"
        );
        assert!(!policy.contains("'none'; form-action"));
        let none = content_security_policy("'nonce-abc'", false, None, &frame_ancestors(""));
        assert!(none.contains("frame-ancestors 'none'"));
    }
}

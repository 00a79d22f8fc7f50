//! Shared pages from the page cache: the same bytes for every reader (compressed once, ETag,
//! 304), what is a reader's own (form token, "shown at" note, CSP) beside them, a new total or a
//! reader's own gift never hidden by a cached copy, and the JavaScript-off form still working.

use std::io::Read;

use crate::helpers::{cookies_from, spawn_app, TestApp};
use reqwest::header;
use reqwest::StatusCode;
use sharecare_domain::identifiers::Reference;

async fn get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = app.client.get(app.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

fn brotli_text(bytes: &[u8]) -> String {
    let mut out = Vec::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_end(&mut out)
        .unwrap();
    String::from_utf8(out).unwrap()
}

fn cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|value| {
            let pair = value.split(';').next()?;
            let (key, value) = pair.split_once('=')?;
            (key == name).then(|| value.to_string())
        })
}

/// The page with what is per request made neutral: nonces, the token and the "shown at" note.
fn neutral(html: &str) -> String {
    let mut out = html.to_string();
    for attribute in [" nonce=\"", " crossorigin=\""] {
        while let Some(start) = out.find(attribute) {
            let value_start = start + attribute.len();
            let end = value_start + out[value_start..].find('"').unwrap() + 1;
            out.replace_range(start..end, "");
        }
    }
    // A shared page's preload links say `crossorigin` with no value (the same request mode).
    out = out.replace(" crossorigin>", ">");
    for field in ["token", "shown"] {
        let marker = format!("name=\"{field}\" value=\"");
        if let Some(start) = out.find(&marker) {
            let value_start = start + marker.len();
            let end = value_start + out[value_start..].find('"').unwrap();
            out.replace_range(value_start..end, "");
        }
    }
    out
}

#[tokio::test]
async fn a_shared_page_is_rendered_once_and_served_compressed_with_an_etag() {
    let app = spawn_app().await;
    let before = app.state.page_cache.renders();
    let brotli = get(&app, "/en", &[("accept-encoding", "gzip, deflate, br")]).await;
    assert_eq!(brotli.status(), StatusCode::OK);
    assert_eq!(brotli.headers()[header::CONTENT_ENCODING], "br");
    let vary: Vec<_> = brotli.headers().get_all(header::VARY).iter().collect();
    assert!(
        vary.iter()
            .any(|v| v.to_str().unwrap().contains("Accept-Encoding")),
        "{vary:?}"
    );
    let etag = brotli.headers()[header::ETAG].to_str().unwrap().to_string();
    let decoded = brotli_text(&brotli.bytes().await.unwrap());

    let plain = get(&app, "/en", &[]).await;
    assert!(
        plain.headers().get(header::CONTENT_ENCODING).is_none(),
        "identity when not asked"
    );
    assert_eq!(plain.headers()[header::ETAG].to_str().unwrap(), etag);
    assert_eq!(
        plain.text().await.unwrap(),
        decoded,
        "the same page either way"
    );
    let gzip = get(&app, "/en", &[("accept-encoding", "gzip")]).await;
    assert_eq!(gzip.headers()[header::CONTENT_ENCODING], "gzip");

    for _ in 0..5 {
        get(&app, "/en", &[("accept-encoding", "br")]).await;
    }
    assert_eq!(
        app.state.page_cache.renders() - before,
        1,
        "rendered once for every reader"
    );
    let held = get(&app, "/en", &[("if-none-match", etag.as_str())]).await;
    assert_eq!(held.status(), StatusCode::NOT_MODIFIED);
    assert!(held.bytes().await.unwrap().is_empty());
    let other = get(&app, "/en", &[("if-none-match", "\"something-else\"")]).await;
    assert_eq!(other.status(), StatusCode::OK);

    // Stories, the donate page and the privacy notice too, in each language.
    for path in ["/zh-hk/stories/yiyi", "/zh-cn/donate", "/en/privacy"] {
        let response = get(&app, path, &[("accept-encoding", "br")]).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.headers()[header::CONTENT_ENCODING], "br", "{path}");
    }
}

#[tokio::test]
async fn cached_and_rendered_pages_differ_only_in_what_is_per_request() {
    let app = spawn_app().await;
    let shared = get(&app, "/en", &[]).await;
    let csp = shared.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_string();
    let shared = shared.text().await.unwrap();
    // Rendered for this reader alone (a "new gift" link is never served from the cache).
    let rendered = get(&app, "/en?new_gift=1", &[]).await;
    let rendered_csp = rendered.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_string();
    let rendered = rendered.text().await.unwrap();
    assert!(rendered.contains(" nonce=\"") && !shared.contains(" nonce=\""));
    assert!(rendered_csp.contains("'nonce-") && !csp.contains("'nonce-"));
    assert_eq!(neutral(&shared), neutral(&rendered));

    // The shared page's policy allows exactly its inline scripts, by hash.
    let hashes = sharecare_services::page_cache::inline_script_hashes(&shared);
    assert!(hashes.len() >= 2, "{hashes:?}");
    for hash in &hashes {
        assert!(csp.contains(hash.as_str()), "{hash} in {csp}");
    }
    assert!(csp.contains("'wasm-unsafe-eval'") && !csp.contains("unsafe-inline"));
}

#[tokio::test]
async fn two_readers_never_get_each_others_token_and_the_form_works_without_javascript() {
    let app = spawn_app().await;
    let gift_cookie = "__Host-sharecare_gift";
    let first = get(&app, "/en/donate", &[]).await;
    let second = get(&app, "/en/donate", &[]).await;
    let (first_token, second_token) = (
        cookie(&first, gift_cookie).expect("a token for the first reader"),
        cookie(&second, gift_cookie).expect("a token for the second reader"),
    );
    assert_ne!(first_token, second_token);
    assert!(
        cookie(&first, "sharecare_shown").is_some(),
        "the form's shown-at note"
    );
    assert_eq!(
        first.headers()[header::CACHE_CONTROL],
        "private, max-age=0",
        "a reader's cookies never sit in a shared cache"
    );
    let cookies = cookies_from(&first);
    let (first_html, second_html) = (first.text().await.unwrap(), second.text().await.unwrap());
    assert_eq!(first_html, second_html, "the same bytes for both");
    for token in [&first_token, &second_token] {
        assert!(!first_html.contains(token.as_str()));
    }

    // With JavaScript off the form is sent as it is: its token comes from the cookie, so a
    // double submit is one gift.
    let fields = [
        ("frequency", "one_off"),
        ("amount", "300"),
        ("currency", "HKD"),
        ("email", "cached.reader@example.org"),
        ("name", "Ho Ka Man"),
        ("receipt", "own_name"),
        ("payment_method", "offline"),
        ("token", ""),
        ("shown", ""),
    ];
    let mut locations = Vec::new();
    for _ in 0..2 {
        let response = app
            .client
            .post(app.url("/en/donate"))
            .header("cookie", &cookies)
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        locations.push(response.headers()["location"].to_str().unwrap().to_string());
    }
    assert_eq!(locations[0], locations[1], "one gift for one form");
    assert_eq!(app.donation_count().await, 1);

    // Now the page is this reader's own (it tells them of their gift): rendered for them.
    let again = get(&app, "/en/donate", &[("cookie", cookies.as_str())]).await;
    assert!(again.headers().get(header::ETAG).is_none());
    let again = again.text().await.unwrap();
    assert!(again.contains("a moment ago"), "the reader's own notice");
    // And no one else sees it.
    let stranger = get(&app, "/en/donate", &[]).await.text().await.unwrap();
    assert!(!stranger.contains("a moment ago"));
}

#[tokio::test]
async fn a_paid_gift_shows_in_the_next_served_page() {
    let app = spawn_app().await;
    let raised = |html: &str| {
        let at = html.find("data-progress-raised").unwrap();
        let start = at + html[at..].find('>').unwrap() + 1;
        html[start..start + html[start..].find('<').unwrap()].to_string()
    };
    let before = raised(&get(&app, "/en", &[]).await.text().await.unwrap());
    let first = get(&app, "/en/donate", &[]).await;
    let cookies = cookies_from(&first);
    let response = app
        .client
        .post(app.url("/en/donate"))
        .header("cookie", &cookies)
        .form(&[
            ("frequency", "one_off"),
            ("amount", "other"),
            ("custom_amount", "12345"),
            ("currency", "HKD"),
            ("email", "total.changer@example.org"),
            ("receipt", "none"),
            ("payment_method", "offline"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let reference = location
        .split('/')
        .find(|part| part.starts_with("LBC-"))
        .map(|part| part.split('?').next().unwrap().to_string())
        .unwrap();
    app.state
        .donations
        .mark_paid(&Reference::parse(&reference).unwrap())
        .await
        .unwrap();
    // No cookie, no query: the front door's reader, who must not get the old entry either.
    let after = raised(&get(&app, "/en", &[]).await.text().await.unwrap());
    assert_ne!(before, after, "the new total, not the cached one");
}

/// The headers a reader's browser acts on, with the per-request values (token, "shown at",
/// request id) left out.
fn acted_on(response: &reqwest::Response) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter(|(name, _)| !["date", "x-request-id", "set-cookie"].contains(&name.as_str()))
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_string()))
        .collect();
    headers.sort();
    headers
}

fn cookie_names(response: &reqwest::Response) -> Vec<String> {
    let mut names: Vec<String> = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| {
            let value = value.to_str().ok()?;
            Some(value.split('=').next()?.to_string())
        })
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_first_time_reader_gets_the_same_page_and_headers_from_the_front_door() {
    let app = spawn_app().await;
    for path in ["/en", "/zh-hk/stories/yiyi", "/en/donate", "/zh-cn/privacy"] {
        // The first request renders through the page's handler; the next ones, with no cookie
        // and no query, are answered by the front door from the same entry.
        let through_handler = get(&app, path, &[("accept-encoding", "br")]).await;
        let renders = app.state.page_cache.renders();
        let first_door = get(&app, path, &[("accept-encoding", "br")]).await;
        let again = get(&app, path, &[("accept-encoding", "br")]).await;
        // A reader with a cookie of no consequence goes in through the handler.
        let with_cookie = get(
            &app,
            path,
            &[("accept-encoding", "br"), ("cookie", "unrelated=1")],
        )
        .await;
        assert_eq!(app.state.page_cache.renders(), renders, "{path}: no render");

        assert_eq!(first_door.status(), StatusCode::OK, "{path}");
        assert!(first_door.headers().contains_key("x-request-id"), "{path}");
        assert_eq!(acted_on(&first_door), acted_on(&through_handler), "{path}");
        assert_eq!(acted_on(&first_door), acted_on(&with_cookie), "{path}");
        assert_eq!(
            cookie_names(&first_door),
            cookie_names(&through_handler),
            "{path}"
        );
        let csp = first_door.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            csp.contains("'sha256-") && !csp.contains("'nonce-"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");

        if path.ends_with("privacy") {
            assert!(cookie_names(&first_door).is_empty(), "no form, no cookies");
        } else {
            // Each first-time reader gets a token of their own.
            let tokens: Vec<String> = [&first_door, &again, &through_handler]
                .iter()
                .map(|response| {
                    cookie(response, "sharecare_gift")
                        .or_else(|| cookie(response, "__Host-sharecare_gift"))
                        .expect("a gift token")
                })
                .collect();
            assert_ne!(tokens[0], tokens[1], "{path}");
            assert_ne!(tokens[0], tokens[2], "{path}");
        }
        let bodies = [
            first_door.bytes().await.unwrap(),
            through_handler.bytes().await.unwrap(),
            with_cookie.bytes().await.unwrap(),
        ];
        assert_eq!(bodies[0], bodies[1], "{path}: the same bytes");
        assert_eq!(bodies[0], bodies[2], "{path}: the same bytes");
        // The bundle is fetched by the island script once the page is idle, not preloaded
        // against the first screen's stylesheet and illustration.
        let html = brotli_text(&bodies[0]);
        assert!(html.contains("<script type=\"module\""), "{path}");
        assert!(
            !html.contains("modulepreload") && !html.contains(".wasm\" as=\"fetch"),
            "{path}"
        );
    }
}

//! The site in front of the public: abuse defences, forged requests, security headers, bounded
//! work and streams, private logs and retention (docs/security.md maps each checklist row to
//! its test here).

use std::time::Duration;

use reqwest::StatusCode;
use sharecare_content::paths::Endpoint;
use sharecare_domain::time::{Timestamp, ONE_DAY};
use sharecare_services::retention::Retention;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::fake_stripe::FakeStripe;
use crate::helpers::{
    signed_token, spawn_app_on, spawn_app_with, spawn_second_instance, Backend, TestApp,
    PUBLIC_BASE_URL,
};

pub(crate) fn gift(token: &str, email: &str) -> Vec<(&'static str, String)> {
    vec![
        ("frequency", "one_off".into()),
        ("amount", "300".into()),
        ("currency", "HKD".into()),
        ("email", email.into()),
        ("name", "Ho Siu Ming".into()),
        ("receipt", "own_name".into()),
        ("token", token.into()),
    ]
}

async fn post(
    app: &TestApp,
    path: &str,
    fields: &[(&'static str, String)],
    headers: &[(&str, String)],
) -> reqwest::Response {
    let mut request = app.client.post(app.url(path)).form(fields);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    request.send().await.expect("request failed")
}

fn settings(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    pairs
        .iter()
        .map(|(name, value)| (*name, value.to_string()))
        .collect()
}

// ---- Row 9: card-testing defences ----

/// 100 submits from one address: at most the limit get through, the rest are 429 with
/// `Retry-After`, a page in the reader's language that keeps their values, and no row.
#[tokio::test]
async fn a_hundred_submits_from_one_address_get_at_most_the_limit_through() {
    let app = spawn_app_with(Backend::Sqlite, &settings(&[("LIMIT_PER_ADDRESS", "5")])).await;
    let mut through = 0;
    let mut refused = 0;
    for i in 0..100 {
        let response = post(
            &app,
            "/zh-hk/donate",
            &gift(&signed_token(), &format!("donor{i}@example.org")),
            &[],
        )
        .await;
        match response.status() {
            StatusCode::SEE_OTHER => through += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                refused += 1;
                let wait: u64 = response.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!(wait >= 1, "Retry-After {wait}");
                let html = response.text().await.unwrap();
                assert!(
                    html.contains("提交的次數過多"),
                    "told in the reader's language"
                );
                assert!(
                    html.contains(&format!("value=\"donor{i}@example.org\"")),
                    "values kept"
                );
            }
            other => panic!("{other}"),
        }
    }
    assert_eq!(through, 5);
    assert_eq!(refused, 95);
    assert_eq!(app.donation_count().await, 5);
    assert_eq!(app.state.limits.refused(), 95);
}

#[tokio::test]
async fn one_email_is_limited_from_any_address() {
    let app = spawn_app_with(
        Backend::Sqlite,
        &settings(&[("LIMIT_PER_EMAIL", "3"), ("TRUSTED_PROXIES", "127.0.0.1")]),
    )
    .await;
    let mut statuses = Vec::new();
    for i in 0..5 {
        // Each from another address (through the trusted proxy), all for one email.
        let response = post(
            &app,
            "/en/donate",
            &gift(&signed_token(), "same.donor@example.org"),
            &[("x-forwarded-for", format!("203.0.113.{i}"))],
        )
        .await;
        statuses.push(response.status());
    }
    assert_eq!(
        statuses,
        [303, 303, 303, 429, 429].map(|code| StatusCode::from_u16(code).unwrap())
    );
    assert_eq!(app.donation_count().await, 3);
}

#[tokio::test]
async fn a_forged_forwarded_for_changes_nothing_without_a_trusted_proxy() {
    let app = spawn_app_with(Backend::Sqlite, &settings(&[("LIMIT_PER_ADDRESS", "3")])).await;
    let mut through = 0;
    for i in 0..10 {
        let response = post(
            &app,
            "/en/donate",
            &gift(&signed_token(), &format!("d{i}@example.org")),
            &[
                ("x-forwarded-for", format!("198.51.100.{i}")),
                ("forwarded", format!("for=198.51.100.{i}")),
            ],
        )
        .await;
        if response.status() == StatusCode::SEE_OTHER {
            through += 1;
        }
    }
    assert_eq!(through, 3, "the socket's address is the client's");

    // Behind a trusted proxy, each forwarded client has its own allowance.
    let proxied = spawn_app_with(
        Backend::Sqlite,
        &settings(&[("LIMIT_PER_ADDRESS", "3"), ("TRUSTED_PROXIES", "127.0.0.1")]),
    )
    .await;
    for i in 0..10 {
        let response = post(
            &proxied,
            "/en/donate",
            &gift(&signed_token(), &format!("d{i}@example.org")),
            &[("x-forwarded-for", format!("198.51.100.{i}"))],
        )
        .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn the_breaker_pauses_card_gifts_and_offers_transfers() {
    let fake = FakeStripe::start().await;
    let mut pairs = settings(&[("CARD_BREAKER_CHECKOUTS_PER_MINUTE", "2")]);
    pairs.extend([
        (
            "STRIPE_SECRET_KEY",
            crate::fake_stripe::SECRET_KEY.to_string(),
        ),
        (
            "STRIPE_WEBHOOK_SECRET",
            crate::fake_stripe::WEBHOOK_SECRET.to_string(),
        ),
        ("STRIPE_API_BASE", fake.base_url().to_string()),
    ]);
    let app = spawn_app_with(Backend::Sqlite, &pairs).await;
    let card = |i: usize| {
        let mut fields = gift(&signed_token(), &format!("card{i}@example.org"));
        fields.push(("payment_method", "card".into()));
        fields
    };
    for i in 0..3 {
        let response = post(&app, "/en/donate", &card(i), &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "checkout {i}");
    }
    assert_eq!(fake.sessions().len(), 3);
    assert_eq!(
        app.state.limits.breaker().trips(),
        1,
        "the third checkout passed the threshold"
    );
    // Paused: the form offers transfers and says why; a card submit creates no checkout.
    let html = app.get("/en/donate").await.text().await.unwrap();
    assert!(html.contains("Card payments are paused for a short while"));
    assert!(!html.contains("name=\"payment_method\""), "no card choice");
    let response = post(&app, "/en/donate", &card(9), &[]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fake.sessions().len(), 3);
    let transfer = post(
        &app,
        "/en/donate",
        &gift(&signed_token(), "transfer@example.org"),
        &[],
    )
    .await;
    assert_eq!(
        transfer.status(),
        StatusCode::SEE_OTHER,
        "transfers still work"
    );
}

/// The honeypot filled in, or the form sent back faster than a person could: nothing stored,
/// no checkout, and an answer a person would understand.
#[tokio::test]
async fn honeypot_and_too_fast_submits_store_nothing_and_create_no_checkout() {
    let fake = FakeStripe::start().await;
    let app = spawn_app_with(
        Backend::Sqlite,
        &[
            ("FORM_MIN_SECONDS", "1".to_string()),
            (
                "STRIPE_SECRET_KEY",
                crate::fake_stripe::SECRET_KEY.to_string(),
            ),
            (
                "STRIPE_WEBHOOK_SECRET",
                crate::fake_stripe::WEBHOOK_SECRET.to_string(),
            ),
            ("STRIPE_API_BASE", fake.base_url().to_string()),
        ],
    )
    .await;
    // A page rendered for one reader carries its token and "shown at" note in the form.
    let page = app.get("/en/donate?new_gift=1").await.text().await.unwrap();
    let field = |name: &str| {
        let marker = format!("name=\"{name}\" value=\"");
        let start = page
            .find(&marker)
            .unwrap_or_else(|| panic!("{name} in the form"))
            + marker.len();
        page[start..start + page[start..].find('"').unwrap()].to_string()
    };
    let (token, shown) = (field("token"), field("shown"));
    let mut card = gift(&token, "quick@example.org");
    card.push(("payment_method", "card".into()));
    card.push(("shown", shown));

    let mut trapped = card.clone();
    trapped.push(("homepage", "https://spam.example".into()));
    let response = post(&app, "/en/donate", &trapped, &[]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("We could not take this gift just yet"));

    let too_fast = post(&app, "/en/donate", &card, &[]).await;
    assert_eq!(too_fast.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let again = too_fast.text().await.unwrap();
    assert!(
        again.contains("value=\"quick@example.org\""),
        "the values are kept"
    );
    assert_eq!(app.donation_count().await, 0);
    assert!(fake.sessions().is_empty());

    let no_note = post(&app, "/en/donate", &gift(&token, "quick@example.org"), &[]).await;
    assert_eq!(
        no_note.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "no 'shown at' note"
    );

    // A person takes longer: the same form a moment later goes through.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let response = post(&app, "/en/donate", &card, &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(fake.sessions().len(), 1);
}

// ---- Row 10: limits across instances ----

/// Two instances on one PostgreSQL, requests alternated: the combined cap holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_hold_across_two_instances() {
    let limit = settings(&[("LIMIT_PER_ADDRESS", "4")]);
    let first = spawn_app_with(Backend::Postgres, &limit).await;
    let second = spawn_second_instance(&first, &limit).await;
    let mut through = 0;
    for i in 0..12 {
        let app = if i % 2 == 0 { &first } else { &second };
        let response = post(
            app,
            "/en/donate",
            &gift(&signed_token(), &format!("a{i}@example.org")),
            &[],
        )
        .await;
        match response.status() {
            StatusCode::SEE_OTHER => through += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("{other}"),
        }
    }
    assert_eq!(through, 4, "one allowance, shared");
    assert_eq!(first.donation_count().await, 4);
}

// ---- Row 11: forged requests ----

/// Every POST route (walked from the route list) refuses another site's request with 403;
/// the payment webhook is exempt (its signature decides). Mutating routes refuse GET.
#[tokio::test]
async fn every_post_route_refuses_requests_from_other_sites() {
    let app = spawn_app_on(Backend::Sqlite).await;
    let posts: Vec<Endpoint> = Endpoint::ALL
        .into_iter()
        .filter(|endpoint| endpoint.methods().post())
        .collect();
    assert!(posts.len() >= 4, "{posts:?}");
    for endpoint in posts {
        let path = endpoint.example();
        let fields = gift(&signed_token(), "csrf@example.org");
        let foreign = post(
            &app,
            &path,
            &fields,
            &[("origin", "https://evil.test".into())],
        )
        .await;
        let cross_site = post(
            &app,
            &path,
            &fields,
            &[("sec-fetch-site", "cross-site".into())],
        )
        .await;
        if endpoint == Endpoint::StripeWebhook {
            // No Stripe on this site: the webhook is not there at all, whatever the headers.
            assert_eq!(foreign.status(), StatusCode::NOT_FOUND, "{path}");
            continue;
        }
        assert_eq!(
            foreign.status(),
            StatusCode::FORBIDDEN,
            "foreign Origin on {path}"
        );
        assert_eq!(
            cross_site.status(),
            StatusCode::FORBIDDEN,
            "cross-site on {path}"
        );
        if !endpoint.methods().get() {
            assert_eq!(
                app.get(&path).await.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "GET {path}"
            );
        }
        // The site's own pages may post.
        let own = post(
            &app,
            &path,
            &fields,
            &[
                ("origin", PUBLIC_BASE_URL.into()),
                ("sec-fetch-site", "same-origin".into()),
            ],
        )
        .await;
        assert_ne!(own.status(), StatusCode::FORBIDDEN, "own origin on {path}");
    }
    assert_eq!(
        app.donation_count().await,
        1,
        "only the site's own form gave"
    );
}

/// A token the server did not sign (or a planted cookie holding one) is refused with a fresh
/// form and stores nothing.
#[tokio::test]
async fn a_token_the_server_did_not_sign_gets_a_fresh_form_and_no_row() {
    let app = spawn_app_on(Backend::Sqlite).await;
    let forged = format!(
        "{}.{}",
        "0123456789abcdef".repeat(2),
        "fedcba9876543210".repeat(2)
    );
    let response = post(
        &app,
        "/en/donate",
        &gift(&forged, "forged@example.org"),
        &[],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("This form has expired"));
    assert!(
        !html.contains(&forged),
        "the forged token is not handed back"
    );
    assert!(html.contains("value=\"forged@example.org\""));
    assert_eq!(app.donation_count().await, 0);
    // The fresh form's token works.
    let start = html.find("name=\"token\" value=\"").unwrap() + 20;
    let fresh = &html[start..start + 65];
    let response = post(&app, "/en/donate", &gift(fresh, "forged@example.org"), &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    // A planted cookie with an unsigned token is not the visitor's token.
    let page = app
        .client
        .get(app.url("/en/donate"))
        .header("cookie", format!("__Host-sharecare_gift={forged}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains(&forged));
}

// ---- Row 16: headers on every response ----

fn assert_security_headers(response: &reqwest::Response, what: &str) -> String {
    let headers = response.headers();
    let csp = headers
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("CSP on {what}"))
        .to_str()
        .unwrap()
        .to_string();
    for part in [
        "'wasm-unsafe-eval'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ] {
        assert!(csp.contains(part), "{part} in {what}'s CSP: {csp}");
    }
    assert!(
        csp.contains("'nonce-") || csp.contains("'sha256-"),
        "a nonce (or, on a shared page, its scripts' hashes) on {what}"
    );
    assert!(!csp.contains("unsafe-inline"), "{what}");
    assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
    assert!(headers.contains_key("referrer-policy"), "{what}");
    assert!(
        headers["permissions-policy"]
            .to_str()
            .unwrap()
            .contains("camera=()"),
        "{what}"
    );
    assert_eq!(
        headers["cross-origin-opener-policy"], "same-origin",
        "{what}"
    );
    assert!(
        headers["strict-transport-security"]
            .to_str()
            .unwrap()
            .starts_with("max-age="),
        "HSTS on {what} (the site is public over HTTPS)"
    );
    csp
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app_on(Backend::Sqlite).await;
    std::fs::write(app.site_root.join("pkg/sharecare.wasm"), b"\0asm\x01\0\0\0").unwrap();
    // A page rendered for one reader: a nonce of its own.
    let page = app.get("/en?new_gift=1").await;
    let csp = assert_security_headers(&page, "a page");
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap()
        .to_string();
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "the page's scripts carry the nonce"
    );
    let next = app.get("/en?new_gift=1").await;
    assert!(
        !next.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains(&nonce),
        "a fresh nonce per response"
    );
    // The shared page: no nonce in its bytes, its scripts allowed by hash.
    let shared = app.get("/en").await;
    let shared_csp = assert_security_headers(&shared, "a shared page");
    assert!(!shared_csp.contains("'nonce-") && shared_csp.contains("'sha256-"));
    assert!(!shared.text().await.unwrap().contains(" nonce="));
    let missing = app.get("/en/no-such-page").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_security_headers(&missing, "a 404");
    let stream = app.get("/api/progress").await;
    assert_eq!(stream.status(), StatusCode::OK);
    assert_security_headers(&stream, "an event stream");
    let wasm = app.get("/pkg/sharecare.wasm").await;
    assert_eq!(wasm.status(), StatusCode::OK);
    assert_security_headers(&wasm, "a WASM file");
    // A 500 (a route that panics, behind the same layers).
    let panicking = panicking_app(&app).await;
    let response = reqwest::get(format!("{panicking}/en/boom")).await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_security_headers(&response, "a 500");
}

/// The application's own layers around a route that panics, served on a free port.
async fn panicking_app(app: &TestApp) -> String {
    use axum::routing::get;
    let router = axum::Router::new().route(
        "/{locale}/boom",
        get(|| async {
            if std::hint::black_box(true) {
                panic!("injected failure with secret detail 7f3a");
            }
            "never"
        }),
    );
    let router = sharecare_web::http::protect(router, app.state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    address
}

// ---- Row 18: bounded work ----

#[tokio::test]
async fn an_injected_panic_answers_a_plain_500_page_in_the_readers_language() {
    let app = spawn_app_on(Backend::Sqlite).await;
    let address = panicking_app(&app).await;
    for (path, words) in [
        ("/en/boom", "Something went wrong on our side"),
        ("/zh-hk/boom", "我們這邊出了問題"),
    ] {
        let response = reqwest::get(format!("{address}{path}")).await.unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let html = response.text().await.unwrap();
        assert!(html.contains(words), "{html}");
        assert!(
            !html.contains("7f3a") && !html.contains("panicked") && !html.contains(".rs"),
            "no internals: {html}"
        );
    }
}

/// What the server sends until the end of its response's head, or until it closes.
async fn read_head(stream: &mut tokio::net::TcpStream) -> String {
    let mut answer = Vec::new();
    let mut buffer = [0u8; 1024];
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(read) => answer.extend_from_slice(&buffer[..read]),
        }
        if answer.windows(4).any(|window| window == b"\r\n\r\n") {
            break;
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

/// Sends a request's headers and then only part of its body.
async fn slow_body(address: &str) -> tokio::net::TcpStream {
    let mut stream = tokio::net::TcpStream::connect(address.trim_start_matches("http://"))
        .await
        .unwrap();
    let head = "POST /en/donate HTTP/1.1\r\nHost: give.example.org\r\n\
                Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\nfrequency=one";
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

#[tokio::test]
async fn a_slow_body_gets_408_and_slow_headers_are_cut_off() {
    let app = spawn_app_with(
        Backend::Sqlite,
        &settings(&[
            ("BODY_TIMEOUT_SECONDS", "1"),
            ("HEADER_TIMEOUT_SECONDS", "1"),
        ]),
    )
    .await;
    let mut stream = slow_body(&app.address).await;
    let answer = tokio::time::timeout(Duration::from_secs(30), read_head(&mut stream))
        .await
        .expect("the server answers a stalled body");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert_eq!(app.donation_count().await, 0);

    let mut headers_only =
        tokio::net::TcpStream::connect(app.address.trim_start_matches("http://"))
            .await
            .unwrap();
    headers_only
        .write_all(b"GET /en HTTP/1.1\r\nHost: give")
        .await
        .unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(30), read_head(&mut headers_only))
        .await
        .expect("a client trickling headers is cut off");
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
}

/// With every slot taken, a further request is turned away at once with 503 rather than queued.
#[tokio::test]
async fn load_beyond_the_limit_is_shed_with_503() {
    let app = spawn_app_with(
        Backend::Sqlite,
        &settings(&[
            ("MAX_CONCURRENT_REQUESTS", "1"),
            ("BODY_TIMEOUT_SECONDS", "20"),
        ]),
    )
    .await;
    let _holding = slow_body(&app.address).await;
    let mut shed = false;
    for _ in 0..50 {
        let response = app.get("/en/privacy").await;
        if response.status() == StatusCode::SERVICE_UNAVAILABLE {
            assert!(response.headers().contains_key("retry-after"));
            shed = true;
            break;
        }
        // The slow request may not have reached its handler yet.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(shed, "a request beyond the limit is shed");
}

// ---- Row 24: bounded streams ----

async fn pending_gift(app: &TestApp) -> (String, String) {
    let response = post(
        app,
        "/en/donate",
        &gift(&signed_token(), "stream@example.org"),
        &[],
    )
    .await;
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let (path, key) = location.split_once("?key=").unwrap();
    let reference = path.rsplit('/').next().unwrap().to_string();
    (reference, key.to_string())
}

async fn first_event(stream: &mut reqwest::Response) -> String {
    let mut buffer = String::new();
    loop {
        let chunk = tokio::time::timeout(Duration::from_secs(30), stream.chunk())
            .await
            .expect("an event arrives")
            .unwrap()
            .expect("the stream is open");
        buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        if let Some(end) = buffer.find("\n\n") {
            return buffer[..end].to_string();
        }
    }
}

/// However many pages watch one donation, its status is read once a second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_status_streams_on_one_donation_cost_one_query_a_second() {
    let app = spawn_app_with(
        Backend::Sqlite,
        &settings(&[("STREAMS_PER_ADDRESS", "2000"), ("STREAMS_MAX", "5000")]),
    )
    .await;
    let (reference, key) = pending_gift(&app).await;
    let path = format!("/api/donations/{reference}/status?key={key}");
    let mut streams = Vec::new();
    for _ in 0..1_000 {
        let response = app.get(&path).await;
        assert_eq!(response.status(), StatusCode::OK);
        streams.push(response);
    }
    for stream in &mut streams {
        assert_eq!(first_event(stream).await, "event: status\ndata: pending");
    }
    assert_eq!(app.state.streams.open_streams(), 1_000);
    let (queries, started) = (
        app.state.donations.status_queries(),
        std::time::Instant::now(),
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (read, seconds) = (
        app.state.donations.status_queries() - queries,
        started.elapsed().as_secs_f64().ceil() as u64,
    );
    assert!(
        read <= seconds + 1,
        "{read} reads in {seconds} s for 1,000 streams"
    );
    drop(streams);
}

#[tokio::test]
async fn a_paid_donations_stream_ends() {
    let app = spawn_app_on(Backend::Sqlite).await;
    let (reference, key) = pending_gift(&app).await;
    let mut stream = app
        .get(&format!("/api/donations/{reference}/status?key={key}"))
        .await;
    assert_eq!(
        first_event(&mut stream).await,
        "event: status\ndata: pending"
    );
    let reference = sharecare_domain::identifiers::Reference::parse(&reference).unwrap();
    app.state.donations.mark_paid(&reference).await.unwrap();
    let mut rest = String::new();
    // The stream ends by itself once the status is final.
    while let Ok(Some(chunk)) = tokio::time::timeout(Duration::from_secs(30), stream.chunk())
        .await
        .expect("the stream ends")
    {
        rest.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    assert!(rest.contains("data: paid"), "{rest}");
    let mut given_back = false;
    // Up to two minutes, as `eventually`: a bound on failure, not a timing.
    for _ in 0..2_400 {
        if app.state.streams.open_streams() == 0 {
            given_back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(given_back, "its place is given back");
}

#[tokio::test]
async fn streams_are_capped_per_address_and_in_total() {
    let app = spawn_app_with(
        Backend::Sqlite,
        &settings(&[
            ("STREAMS_PER_ADDRESS", "2"),
            ("STREAMS_MAX", "3"),
            ("TRUSTED_PROXIES", "127.0.0.1"),
        ]),
    )
    .await;
    let open = |from: &'static str| {
        app.client
            .get(app.url("/api/progress"))
            .header("x-forwarded-for", from)
            .send()
    };
    let a1 = open("203.0.113.1").await.unwrap();
    let a2 = open("203.0.113.1").await.unwrap();
    assert_eq!((a1.status(), a2.status()), (StatusCode::OK, StatusCode::OK));
    let a3 = open("203.0.113.1").await.unwrap();
    assert_eq!(a3.status(), StatusCode::TOO_MANY_REQUESTS);
    let b1 = open("203.0.113.2").await.unwrap();
    assert_eq!(b1.status(), StatusCode::OK);
    let b2 = open("203.0.113.2").await.unwrap();
    assert_eq!(
        b2.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "the total cap"
    );
    assert!(b2.headers().contains_key("retry-after"));
    drop((a1, a2, b1));
}

// ---- Row 27: retention ----

#[tokio::test]
async fn the_retention_job_deletes_old_unpaid_pledges_and_keeps_paid_gifts() {
    let app = spawn_app_on(Backend::Sqlite).await;
    let (unpaid, _) = pending_gift(&app).await;
    let (paid, _) = pending_gift(&app).await;
    let paid = sharecare_domain::identifiers::Reference::parse(&paid).unwrap();
    let unpaid = sharecare_domain::identifiers::Reference::parse(&unpaid).unwrap();
    app.state.donations.mark_paid(&paid).await.unwrap();
    let retention = Retention {
        db: app.db.clone(),
        donations: app.state.donations.clone(),
        limits: app.state.limits.clone(),
        donors: app.state.donors.clone(),
    };
    let days = app.state.content.privacy.unpaid_pledges_kept_days;
    assert_eq!(
        retention.sweep(Timestamp::now()).await.pledges,
        0,
        "nothing is old yet"
    );
    let later = Timestamp::now().plus(ONE_DAY * (days + 1));
    assert_eq!(retention.sweep(later).await.pledges, 1);
    assert!(app
        .db
        .donation_by_reference(&unpaid)
        .await
        .unwrap()
        .is_none());
    assert!(
        app.db.donation_by_reference(&paid).await.unwrap().is_some(),
        "paid gifts are kept"
    );
}

/// Share links are one per visitor and story, not one per click.
#[tokio::test]
async fn share_links_are_reused_per_visitor_and_limited_per_address() {
    let app = spawn_app_with(Backend::Sqlite, &settings(&[("LIMIT_PER_ADDRESS", "3")])).await;
    let first = post(&app, "/en/stories/yiyi/share-link", &[], &[]).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let cookie = crate::helpers::cookies_from(&first);
    let code_page = first.headers()["location"].to_str().unwrap().to_string();
    for _ in 0..5 {
        let again = post(
            &app,
            "/en/stories/yiyi/share-link",
            &[],
            &[("cookie", cookie.clone())],
        )
        .await;
        assert_eq!(
            again.headers()["location"],
            code_page.as_str(),
            "the same link again"
        );
    }
    // Without the cookie, new links are limited per address.
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(
            post(&app, "/en/stories/lele/share-link", &[], &[])
                .await
                .status(),
        );
    }
    assert_eq!(statuses[3], StatusCode::TOO_MANY_REQUESTS, "{statuses:?}");
}

// ---- Row 22: private logs ----

/// Scans the log of the whole integration run (`SHARECARE_TEST_LOG`): no donor's email or
/// name, no access key, form token or session id (32 hex digits), no secret or password. The
/// logs do record refused webhook signatures and rate-limit hits.
#[test]
#[ignore = "scans the whole run's log: ./scripts/test runs it after the suite"]
fn the_whole_runs_logs_hold_no_donor_data_or_secrets() {
    let path = std::env::var("SHARECARE_TEST_LOG").expect("SHARECARE_TEST_LOG names the run's log");
    let log = std::fs::read_to_string(&path).expect("the run's log");
    assert!(
        log.lines().count() > 100,
        "the run logged ({} lines)",
        log.lines().count()
    );
    assert!(
        log.contains("refused a Stripe webhook"),
        "signature failures are recorded"
    );
    assert!(
        log.contains("an attempt over the limit was refused"),
        "rate-limit hits are recorded"
    );
    let forbidden = [
        "@example.org",
        "@example.com",
        "Chan Mei",
        "Lee Wing",
        "Ho Kit",
        "Ho Siu Ming",
        "陳大文",
        "sk_test_",
        "whsec_",
        crate::helpers::FORM_SECRET,
        "hunter2",
        "s3cret",
    ];
    for needle in forbidden {
        let line = log.lines().find(|line| line.contains(needle));
        assert!(
            line.is_none(),
            "{needle:?} in the log: {}",
            line.unwrap_or_default()
        );
    }
    // Keys, tokens and session ids are 32 hex digits.
    for line in log.lines() {
        let run = line.split(|c: char| !c.is_ascii_hexdigit()).find(|word| {
            word.len() >= 32
                && word
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        });
        assert!(run.is_none(), "a key or token in the log: {line}");
    }
}

/// nginx in front of the instances (`deploy/nginx.conf`) lets the largest upload through: a
/// bank statement refused by nginx would be a 413 the site never sees or explains.
#[test]
fn the_deployed_proxy_lets_the_largest_upload_through() {
    let conf = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/nginx.conf"))
        .expect("deploy/nginx.conf");
    let size = conf
        .lines()
        .map(str::trim)
        .find_map(|line| line.strip_prefix("client_max_body_size "))
        .expect("a body limit")
        .trim_end_matches(';');
    let (number, unit) = size.split_at(size.len() - 1);
    let bytes: usize = number.parse::<usize>().expect("a size such as 3m")
        * match unit {
            "k" => 1024,
            "m" => 1024 * 1024,
            other => panic!("unit {other:?}"),
        };
    assert!(
        bytes >= sharecare_services::statements::UPLOAD_LIMIT,
        "nginx takes {bytes} bytes, a statement upload may be {}",
        sharecare_services::statements::UPLOAD_LIMIT
    );
}

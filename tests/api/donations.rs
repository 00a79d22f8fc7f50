//! Giving, end to end over HTTP, on SQLite and on PostgreSQL: the form, idempotent storage,
//! refusals, the thank-you page, marking paid and the live progress stream.

use crate::helpers::{spawn_app_on, Backend, TestApp};
use reqwest::StatusCode;
use sharecare_domain::identifiers::{FormToken, Reference};
use sharecare_domain::status::{DonationStatus, Transition};
use sharecare_services::donations::MarkPaidError;

on_both_databases!(
    a_submit_stores_one_donation_and_leads_to_its_thank_you_page,
    the_same_token_twice_returns_the_same_donation,
    concurrent_submits_with_one_token_store_one_donation,
    bad_input_returns_the_form_with_messages_and_stores_nothing,
    unreadable_bodies_are_client_errors_and_store_nothing,
    marking_paid_updates_the_totals_once,
    the_progress_stream_delivers_the_new_total,
    the_thank_you_page_needs_its_key,
    a_database_outage_keeps_the_donors_values_and_asks_to_retry,
    hostile_strings_are_stored_as_written_and_shown_as_text,
    coming_back_to_the_form_after_giving_finds_the_same_gift,
);

/// A fresh form token, taken from a donate page rendered for one reader (a "new gift" link; the
/// shared page carries its token in a cookie instead, see `page_cache`).
async fn form_token(app: &TestApp) -> String {
    let html = app.get("/en/donate?new_gift=1").await.text().await.unwrap();
    let start = html
        .find("name=\"token\" value=\"")
        .expect("the form has a token")
        + 20;
    html[start..start + FormToken::LENGTH].to_string()
}

fn valid_gift(token: &str) -> Vec<(&'static str, String)> {
    vec![
        ("frequency", "monthly".into()),
        ("amount", "other".into()),
        ("custom_amount", "250".into()),
        ("currency", "HKD".into()),
        ("email", "mei.chan@example.org".into()),
        ("name", "Chan Mei".into()),
        ("receipt", "own_name".into()),
        ("marketing", "yes".into()),
        ("token", token.into()),
        ("referral", "".into()),
    ]
}

async fn submit(app: &TestApp, fields: &[(&'static str, String)]) -> reqwest::Response {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.post_form("/en/donate", &fields).await
}

/// The thank-you address a successful submit redirects to.
fn thank_you_location(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "a gift redirects");
    response.headers()["location"].to_str().unwrap().to_string()
}

fn reference_in(location: &str) -> Reference {
    let reference = location
        .trim_start_matches("/en/donations/")
        .split('?')
        .next()
        .unwrap();
    Reference::parse(reference).expect("the location carries a reference")
}

async fn a_submit_stores_one_donation_and_leads_to_its_thank_you_page(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let token = form_token(&app).await;
    let response = submit(&app, &valid_gift(&token)).await;
    let location = thank_you_location(&response);
    assert!(location.starts_with("/en/donations/LBC-"), "{location}");
    assert!(location.contains("?key="), "{location}");
    assert_eq!(app.donation_count().await, 1);

    let reference = reference_in(&location);
    let stored = app
        .db
        .donation_by_reference(&reference)
        .await
        .unwrap()
        .expect("the row exists");
    assert_eq!(stored.amount.minor, 25_000);
    assert_eq!(stored.amount.currency.code(), "HKD");
    assert_eq!(stored.frequency.as_str(), "monthly");
    assert_eq!(stored.status.as_str(), "pending");
    assert_eq!(stored.email.as_str(), "mei.chan@example.org");
    assert_eq!(
        stored.donor_name.as_ref().map(|n| n.as_str()),
        Some("Chan Mei")
    );
    assert_eq!(stored.receipt.code(), "own_name");
    assert!(stored.marketing_consent, "consent given");
    assert!(stored.consent_recorded_at > sharecare_domain::time::Timestamp::EPOCH);
    assert_eq!(stored.locale.code(), "en");
    assert_eq!(stored.payment_method.as_str(), "offline");

    let page = app.open_gift_page(&location).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains(reference.as_str()));
    assert!(
        html.contains("HK$250 every month"),
        "the amount and frequency"
    );
    assert!(html.contains("<svg"), "the FPS QR code");
    assert!(html.contains("1234567"), "the FPS ID");
    assert!(html.contains("012-345-678901-2"), "the bank account");
}

async fn the_same_token_twice_returns_the_same_donation(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let token = form_token(&app).await;
    let first = thank_you_location(&submit(&app, &valid_gift(&token)).await);
    // The same form again: the same donation.
    let again = thank_you_location(&submit(&app, &valid_gift(&token)).await);
    assert_eq!(first, again);
    // Back, change the amount, submit again: not silently the first gift. The donor is shown
    // the earlier gift and a form (with a new token) to make another.
    let mut changed = valid_gift(&token);
    changed[2].1 = "900".into();
    let response = submit(&app, &changed).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let html = response.text().await.unwrap();
    assert!(
        html.contains(reference_in(&first).as_str()),
        "the earlier gift is shown"
    );
    assert!(html.contains("already used"), "and why");
    assert!(html.contains("value=\"900\""), "the new values are kept");
    assert_ne!(token_in(&html), token, "with a fresh token for a new gift");
    assert_eq!(app.donation_count().await, 1);

    let other = thank_you_location(&submit(&app, &valid_gift(&form_token(&app).await)).await);
    assert_ne!(first, other, "a new form is a new donation");
    assert_eq!(app.donation_count().await, 2);
}

async fn concurrent_submits_with_one_token_store_one_donation(backend: Backend) {
    let app = std::sync::Arc::new(spawn_app_on(backend).await);
    let token = form_token(&app).await;
    let attempts = (0..12).map(|_| {
        let app = app.clone();
        let fields = valid_gift(&token);
        tokio::spawn(async move { thank_you_location(&submit(&app, &fields).await) })
    });
    let locations: Vec<String> = futures_util::future::join_all(attempts)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert!(
        locations.iter().all(|l| *l == locations[0]),
        "{locations:?}"
    );
    assert_eq!(app.donation_count().await, 1);
}

async fn bad_input_returns_the_form_with_messages_and_stores_nothing(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let token = form_token(&app).await;
    let long = "x".repeat(300);
    let cases: Vec<(&str, &str, String, &str)> = vec![
        (
            "amount too small",
            "custom_amount",
            "10".into(),
            "The smallest gift we can take online is HK$50.",
        ),
        (
            "amount too large",
            "custom_amount",
            "1000000".into(),
            "please call us",
        ),
        (
            "amount not a number",
            "custom_amount",
            "ten dollars".into(),
            "numbers only",
        ),
        (
            "negative amount",
            "custom_amount",
            "-250".into(),
            "numbers only",
        ),
        (
            "too many decimals",
            "custom_amount",
            "250.001".into(),
            "two decimal places",
        ),
        (
            "missing amount",
            "custom_amount",
            "".into(),
            "Enter an amount",
        ),
        (
            "invalid email",
            "email",
            "mei.chan-at-example.org".into(),
            "Enter an email address like name@example.com.",
        ),
        (
            "missing email",
            "email",
            "".into(),
            "so we can send your receipt",
        ),
        (
            "over-long email",
            "email",
            format!("{long}@example.org"),
            "too long",
        ),
        (
            "over-long name",
            "name",
            long.clone(),
            "up to 100 characters",
        ),
        (
            "unknown frequency",
            "frequency",
            "weekly".into(),
            "Choose once or every month.",
        ),
        (
            "unknown currency",
            "currency",
            "USD".into(),
            "Hong Kong dollars",
        ),
        (
            "unknown receipt",
            "receipt",
            "maybe".into(),
            "what kind of receipt",
        ),
        ("missing token", "token", "".into(), "This form has expired"),
        (
            "forged token",
            "token",
            "not-a-token".into(),
            "This form has expired",
        ),
    ];
    for (case, field, value, message) in cases {
        let mut fields = valid_gift(&token);
        fields.iter_mut().find(|(k, _)| *k == field).unwrap().1 = value.clone();
        let response = submit(&app, &fields).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{case}"
        );
        let html = response.text().await.unwrap();
        assert!(
            html.contains(message),
            "{case}: message {message:?} missing"
        );
        assert!(
            html.contains("class=\"form-summary\"") || html.contains("form-summary"),
            "{case}"
        );
        assert!(
            html.contains("aria-invalid=\"true\"")
                || field == "token"
                || field == "currency"
                || field == "frequency"
                || field == "receipt",
            "{case}: the field is marked"
        );
        // The donor's other values are kept.
        if field != "email" {
            assert!(
                html.contains("value=\"mei.chan@example.org\""),
                "{case}: email kept"
            );
        }
        if field != "custom_amount" {
            assert!(html.contains("value=\"250\""), "{case}: amount kept");
        }
    }
    // The same errors in the reader's language.
    let mut fields = valid_gift(&token);
    fields[4].1 = "not-an-email".into();
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let html = app
        .post_form("/zh-hk/donate", &fields)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("請輸入有效的電郵地址"),
        "Traditional Chinese message"
    );
    assert_eq!(app.donation_count().await, 0, "no refused gift is stored");
}

async fn unreadable_bodies_are_client_errors_and_store_nothing(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let raw = |body: Vec<u8>, content_type: &'static str| {
        app.client
            .post(app.url("/en/donate"))
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    for (case, response) in [
        (
            "json",
            raw(b"{\"amount\": 5}".to_vec(), "application/json")
                .await
                .unwrap(),
        ),
        (
            "bad utf-8",
            raw(
                b"email=%FF%FE&token=\xff".to_vec(),
                "application/x-www-form-urlencoded",
            )
            .await
            .unwrap(),
        ),
        (
            "empty",
            raw(Vec::new(), "application/x-www-form-urlencoded")
                .await
                .unwrap(),
        ),
    ] {
        // Answered as an empty form: the page says what to fill in.
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{case}"
        );
    }
    // Larger than the 16 KB limit (small enough to be sent whole before the answer). The
    // server answers early and closes the connection, so this client keeps none for reuse.
    let once = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let huge = once
        .post(app.url("/en/donate"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![b'a'; 20_000])
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let unknown_language = app.post_form("/xx/donate", &[("email", "a@b.org")]).await;
    assert_eq!(unknown_language.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.donation_count().await, 0);
}

async fn marking_paid_updates_the_totals_once(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let before = app.state.donations.progress();
    let location = thank_you_location(&submit(&app, &valid_gift(&form_token(&app).await)).await);
    let reference = reference_in(&location);
    assert_eq!(
        app.state.donations.progress(),
        before,
        "a pledge is not yet money"
    );

    let donations = &app.state.donations;
    assert_eq!(
        donations.mark_paid(&reference).await.unwrap(),
        Transition::Changed
    );
    let after = donations.progress();
    assert_eq!(after.raised_minor, before.raised_minor + 25_000);
    assert_eq!(after.supporters, before.supporters + 1);
    // Confirming twice changes nothing.
    assert_eq!(
        donations.mark_paid(&reference).await.unwrap(),
        Transition::Unchanged
    );
    assert_eq!(donations.progress(), after);
    // The same donor giving again is still one supporter; the total is the database's sum.
    let second = thank_you_location(&submit(&app, &valid_gift(&form_token(&app).await)).await);
    donations.mark_paid(&reference_in(&second)).await.unwrap();
    let totals = app.db.paid_totals().await.unwrap();
    assert_eq!(totals.raised_minor, 50_000);
    assert_eq!(totals.supporters, 1);

    let stored = app
        .db
        .donation_by_reference(&reference)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, DonationStatus::Paid);
    assert!(stored.paid_at.is_some());
    let unknown = Reference::parse("LBC-2222222").or_else(|| Reference::parse("LBC-222222"));
    assert!(matches!(
        donations.mark_paid(&unknown.unwrap()).await,
        Err(MarkPaidError::NotFound)
    ));

    // The pages show the new total (JavaScript off sees it too), and the donor's page says
    // the money arrived.
    let html = app.get("/en").await.text().await.unwrap();
    let raised = app
        .state
        .content
        .money(after.raised_minor + 25_000)
        .to_string();
    assert!(html.contains(&raised), "home shows {raised}");
    let html = app.open_gift_page(&location).await.text().await.unwrap();
    assert!(html.contains("We have received your payment"));
}

async fn the_progress_stream_delivers_the_new_total(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let location = thank_you_location(&submit(&app, &valid_gift(&form_token(&app).await)).await);
    let mut stream = app.get("/api/progress").await;
    assert_eq!(stream.status(), StatusCode::OK);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let before = app.state.donations.progress();
    let first = next_event(&mut stream).await;
    assert_eq!(
        first,
        format!(
            "event: progress\ndata: {} {} {} {} HKD",
            before.raised_minor,
            before.supporters,
            before.goal_minor,
            before.percent()
        )
    );

    app.state
        .donations
        .mark_paid(&reference_in(&location))
        .await
        .unwrap();
    let second = next_event(&mut stream).await;
    let raised = before.raised_minor + 25_000;
    assert!(
        second.starts_with(&format!(
            "event: progress\ndata: {raised} {} ",
            before.supporters + 1
        )),
        "{second}"
    );
}

/// The next server-sent event (keep-alive comments skipped), without its trailing blank line.
async fn next_event(stream: &mut reqwest::Response) -> String {
    let mut buffer = String::new();
    loop {
        if let Some(end) = buffer.find("\n\n") {
            let event = buffer[..end].to_string();
            if !event.starts_with(':') {
                return event;
            }
            buffer.drain(..end + 2);
            continue;
        }
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(30), stream.chunk())
            .await
            .expect("an event arrives")
            .unwrap()
            .expect("the stream stays open");
        buffer.push_str(std::str::from_utf8(&chunk).unwrap());
    }
}

async fn the_thank_you_page_needs_its_key(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let location = thank_you_location(&submit(&app, &valid_gift(&form_token(&app).await)).await);
    let (path, key) = location.split_once("?key=").unwrap();
    // The first visit moves the key out of the address into cookies scoped to this gift.
    let first = app.get(&location).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        first.headers()["location"],
        path,
        "the key leaves the address"
    );
    assert_eq!(first.headers()["cache-control"], "private, no-store");
    let set_cookies: Vec<String> = first
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap().to_string())
        .collect();
    let reference = reference_in(&location);
    for scope in [
        format!("Path=/en/donations/{}", reference.as_str()),
        format!("Path=/zh-cn/donations/{}", reference.as_str()),
        format!("Path=/api/donations/{}", reference.as_str()),
    ] {
        assert!(
            set_cookies.iter().any(
                |cookie| cookie.starts_with(&format!("sharecare_key={key};"))
                    && cookie.contains(&scope)
                    && cookie.contains("HttpOnly")
                    && cookie.contains("Secure")
            ),
            "{scope} in {set_cookies:?}"
        );
    }
    let cookie = crate::helpers::cookies_from(&first);
    let with_cookie = |address: String| {
        app.client
            .get(app.url(&address))
            .header("cookie", cookie.clone())
            .send()
    };
    let response = with_cookie(path.to_string()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "private, no-store");
    assert_eq!(response.headers()["referrer-policy"], "no-referrer");
    let html = response.text().await.unwrap();
    assert!(html.contains("<meta name=\"robots\" content=\"noindex\">"));
    assert!(
        !html.contains("og:url"),
        "the secret address is never advertised"
    );
    assert!(!html.contains(key), "the page's links do not carry the key");
    let wrong_key = format!("{path}?key={}", "0".repeat(key.len()));
    for attempt in [path.to_string(), wrong_key, format!("{path}?key=")] {
        let response = app.get(&attempt).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{attempt}");
        let html = response.text().await.unwrap();
        assert!(!html.contains("mei.chan@example.org") && !html.contains("Chan Mei"));
    }
    let response = app
        .get(&format!("/en/donations/not-a-reference?key={key}"))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // The page in another language opens with the same cookie.
    let zh = path.replacen("/en/", "/zh-cn/", 1);
    let html = with_cookie(zh).await.unwrap().text().await.unwrap();
    assert!(
        html.contains("感谢你的捐款") || html.contains("谢谢你"),
        "Simplified Chinese page"
    );
}

async fn a_database_outage_keeps_the_donors_values_and_asks_to_retry(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let token = form_token(&app).await;
    app.db.close().await;
    let response = submit(&app, &valid_gift(&token)).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["retry-after"], "5");
    let html = response.text().await.unwrap();
    assert!(html.contains("We could not save your gift just now"));
    assert!(
        html.contains("value=\"mei.chan@example.org\""),
        "values kept"
    );
    assert!(
        html.contains(&format!("value=\"{token}\"")),
        "same token, so a retry is safe"
    );
    // Campaign pages still render, with the last known total.
    let home = app.get("/en").await;
    assert_eq!(home.status(), StatusCode::OK);
    let raised = app
        .state
        .content
        .money(app.state.donations.progress().raised_minor);
    assert!(home.text().await.unwrap().contains(&raised.to_string()));
}

async fn hostile_strings_are_stored_as_written_and_shown_as_text(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let name = "Robert'); DROP TABLE donations;-- <script>alert(1)</script> 陳大文 \u{1F600}";
    let mut fields = valid_gift(&form_token(&app).await);
    fields[5].1 = name.into();
    fields[4].1 = "o'brien+gift@example.org".into();
    let location = thank_you_location(&submit(&app, &fields).await);
    let stored = app
        .db
        .donation_by_reference(&reference_in(&location))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.donor_name.as_ref().map(|n| n.as_str()), Some(name));
    assert_eq!(stored.email.as_str(), "o'brien+gift@example.org");
    let html = app.open_gift_page(&location).await.text().await.unwrap();
    assert!(
        !html.contains("<script>alert(1)</script>"),
        "escaped, never markup"
    );
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_eq!(app.donation_count().await, 1, "the table is still there");
}

/// Random forms, from plausible to hostile: every answer is a redirect (stored) or the form
/// with messages (not stored), never a server error; the rows match the accepted tokens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_forms_never_cause_a_server_error() {
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let app = spawn_app_on(Backend::Sqlite).await;
    let field = |plausible: &'static [&'static str], hostile: &'static str| {
        prop_oneof![
            proptest::sample::select(plausible).prop_map(String::from),
            proptest::string::string_regex(hostile).unwrap(),
        ]
    };
    let strategy = (
        field(&["one_off", "monthly"], "\\PC{0,12}"),
        field(&["150", "300", "other"], "\\PC{0,12}"),
        field(&["250", "50", "100000", "49.99", "1,000.50"], "\\PC{0,20}"),
        field(&["HKD", ""], "\\PC{0,6}"),
        field(&["a@b.org", "x.y+z@example.com.hk"], "\\PC{0,80}"),
        field(&["", "Chan Tai Man"], "\\PC{0,120}"),
        field(&["own_name", "other_name", "none"], "\\PC{0,12}"),
        field(&["", "Lee Family"], "\\PC{0,40}"),
        // Tokens the server signed (valid), tokens shaped like them but forged, and noise.
        prop_oneof![
            Just(()).prop_map(|_| crate::helpers::signed_token()),
            proptest::string::string_regex("[0-9a-f]{32}\\.[0-9a-f]{32}|\\PC{0,70}").unwrap(),
        ],
    );
    let mut runner = TestRunner::deterministic();
    let mut accepted = std::collections::HashSet::new();
    for _ in 0..300 {
        let (frequency, amount, custom, currency, email, name, receipt, receipt_name, token) =
            strategy.new_tree(&mut runner).unwrap().current();
        let response = app
            .post_form(
                "/en/donate",
                &[
                    ("frequency", &frequency),
                    ("amount", &amount),
                    ("custom_amount", &custom),
                    ("currency", &currency),
                    ("email", &email),
                    ("name", &name),
                    ("receipt", &receipt),
                    ("receipt_name", &receipt_name),
                    ("token", &token),
                ],
            )
            .await;
        match response.status() {
            StatusCode::SEE_OTHER => {
                accepted.insert(token.trim().to_string());
            }
            StatusCode::UNPROCESSABLE_ENTITY => {}
            other => panic!("{other} for {frequency:?} {amount:?} {custom:?} {email:?}"),
        }
    }
    assert!(!accepted.is_empty(), "some random forms are valid");
    assert_eq!(app.donation_count().await, accepted.len() as i64);
}

/// The token in a page's form.
fn token_in(html: &str) -> String {
    let start = html
        .find("name=\"token\" value=\"")
        .expect("the form has a token")
        + 20;
    html[start..start + FormToken::LENGTH].to_string()
}

async fn coming_back_to_the_form_after_giving_finds_the_same_gift(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let get_with = |path: &'static str, cookie: Option<String>| {
        let mut request = app.client.get(app.url(path));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send()
    };
    // The first visit gets a token in a cookie (the shared page's form carries none).
    let first = get_with("/en/donate", None).await.unwrap();
    let set_cookie = first.headers()["set-cookie"].to_str().unwrap().to_string();
    // The site is served over HTTPS: the cookie's name carries the `__Host-` prefix.
    assert!(
        set_cookie.starts_with("__Host-sharecare_gift="),
        "{set_cookie}"
    );
    for attribute in [
        "Path=/",
        "Max-Age=1800",
        "HttpOnly",
        "SameSite=Lax",
        "Secure",
    ] {
        assert!(
            set_cookie.contains(attribute),
            "{attribute} in {set_cookie}"
        );
    }
    assert!(
        first
            .headers()
            .get_all("vary")
            .iter()
            .any(|v| v.to_str().unwrap().contains("Cookie")),
        "caches must key the page on the cookie"
    );
    let token = set_cookie["__Host-sharecare_gift=".len()..]
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(token.len(), FormToken::LENGTH);
    let cookie = format!("__Host-sharecare_gift={token}");

    // A reload, the home page and a second tab share it.
    for path in ["/en/donate", "/en"] {
        let response = get_with(path, Some(cookie.clone())).await.unwrap();
        let kept = response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(kept.contains(&token), "{path}: {kept}");
        let html = response.text().await.unwrap();
        assert!(!html.contains("a moment ago"), "no gift yet");
    }

    // After giving, the form fetched again (Back without a cached page) says so and keeps the
    // token: submitting it again finds the same donation.
    let location = thank_you_location(&submit(&app, &valid_gift(&token)).await);
    let html = get_with("/en/donate", Some(cookie.clone()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(token_in(&html), token);
    let reference = reference_in(&location);
    // Not "you gave": the pledge has not been paid.
    assert!(html.contains(&format!(
        "You set out to give HK$250 a moment ago, reference {}; it has not reached us yet.",
        reference.as_str()
    )));
    assert!(!html.contains("You gave"));
    assert!(
        html.contains(&format!("href=\"{location}\"")),
        "links to the thank-you page"
    );
    let again = thank_you_location(&submit(&app, &valid_gift(&token)).await);
    assert_eq!(again, location);
    assert_eq!(app.donation_count().await, 1);
    // Once the money is there, it was given.
    app.state.donations.mark_paid(&reference).await.unwrap();
    let html = get_with("/en/donate", Some(cookie.clone()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!(
        "You gave HK$250 a moment ago, reference {}.",
        reference.as_str()
    )));
    let thanks = app.open_gift_page(&location).await.text().await.unwrap();
    assert!(
        thanks.contains("You give HK$250 every month."),
        "the thank-you page says it too"
    );
    assert!(!thanks.contains("You have pledged"));

    // Asking for a new gift starts one.
    let html = get_with("/en/donate?new_gift=1", Some(cookie.clone()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let new_token = token_in(&html);
    assert_ne!(new_token, token);
    assert!(!html.contains("a moment ago"));
    // A cookie that is not a token is ignored.
    let html = get_with("/en/donate", Some("__Host-sharecare_gift=<script>".into()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_ne!(token_in(&html), token);
}

//! A donation form's "shown at" stamp is bound to its token and good for a few hours (issue 23,
//! finding 8): one stamp kept from an old form no longer lets a program skip the minimum time
//! on every form it sends. Runs on SQLite and PostgreSQL.

use std::time::Duration;

use reqwest::StatusCode;
use sharecare_domain::time::Timestamp;
use sharecare_services::form_guard::FormGuard;

use crate::helpers::{signed_token, spawn_app_with, Backend, TestApp, FORM_SECRET};

on_both_databases!(
    a_stamp_made_for_another_form_is_refused,
    a_stamp_older_than_the_maximum_is_refused_and_the_form_comes_back,
    a_form_sent_within_seconds_asks_to_be_sent_again_and_then_goes_through,
);

fn with_stamps_checked() -> Vec<(&'static str, String)> {
    vec![
        ("FORM_MIN_SECONDS", "3".to_string()),
        ("FORM_MAX_AGE_SECONDS", "3600".to_string()),
    ]
}

/// The stamp the server would have put on the form carrying `token`, shown `ago`.
fn stamp(token: &str, ago: Duration) -> String {
    FormGuard::with_key(FORM_SECRET.as_bytes(), Duration::ZERO)
        .stamp(token, Timestamp::now().minus(ago))
}

async fn submit(app: &TestApp, token: &str, shown: &str) -> reqwest::Response {
    let fields = [
        ("frequency", "one_off"),
        ("amount", "300"),
        ("currency", "HKD"),
        ("email", "stamped@example.org"),
        ("name", "Ho Siu Ming"),
        ("receipt", "own_name"),
        ("token", token),
        ("shown", shown),
    ];
    app.client
        .post(app.url("/en/donate"))
        .form(&fields)
        .send()
        .await
        .expect("request failed")
}

async fn a_stamp_made_for_another_form_is_refused(backend: Backend) {
    let app = spawn_app_with(backend, &with_stamps_checked()).await;
    let (mine, other) = (signed_token(), signed_token());
    let borrowed = stamp(&other, Duration::from_secs(60));
    let response = submit(&app, &mine, &borrowed).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.donation_count().await, 0);
    // The form's own stamp of the same age is taken.
    let own = stamp(&mine, Duration::from_secs(60));
    let response = submit(&app, &mine, &own).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.donation_count().await, 1);
}

async fn a_stamp_older_than_the_maximum_is_refused_and_the_form_comes_back(backend: Backend) {
    let app = spawn_app_with(backend, &with_stamps_checked()).await;
    let token = signed_token();
    let old = stamp(&token, Duration::from_secs(3_601));
    let response = submit(&app, &token, &old).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("Please check the details and send the form again"),
        "the donor is told what to do"
    );
    assert!(
        html.contains("stamped@example.org"),
        "their values are kept"
    );
    assert!(
        !html.contains(&format!("value=\"{old}\"")),
        "the form comes back with a fresh stamp"
    );
    assert_eq!(app.donation_count().await, 0);
    let fresh = stamp(&token, Duration::from_secs(3_599));
    assert_eq!(
        submit(&app, &token, &fresh).await.status(),
        StatusCode::SEE_OTHER
    );
}

/// A browser that fills the form in by itself lets a donor send it a second after it opens.
/// That is not blamed on them: the form comes back with their values, one sentence asking them
/// to check it and press again, and the stamp it was shown with, so the next press (once the
/// minimum time has passed) gives.
async fn a_form_sent_within_seconds_asks_to_be_sent_again_and_then_goes_through(backend: Backend) {
    let app = spawn_app_with(backend, &with_stamps_checked()).await;
    let token = signed_token();
    let shown = stamp(&token, Duration::from_secs(1));
    let response = submit(&app, &token, &shown).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("Please check your gift, then press the button again."));
    assert!(
        !html.contains("We could not take this gift just yet"),
        "the donor is not blamed"
    );
    assert!(
        html.contains("stamped@example.org"),
        "their values are kept"
    );
    assert!(
        html.contains(&format!("name=\"shown\" value=\"{shown}\"")),
        "the stamp it was first shown with"
    );
    assert_eq!(app.donation_count().await, 0);
    // The same form, with the stamp it came back with, pressed again once three seconds have
    // passed since it was first shown (a wait that can only make the stamp older).
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let response = submit(&app, &token, &shown).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.donation_count().await, 1);
}

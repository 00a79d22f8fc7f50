//! Card payments against a fake Stripe, signed webhooks, and receipts into an SMTP sink; every
//! test runs on SQLite and on PostgreSQL.

use std::sync::Arc;
use std::time::Duration;

use crate::fake_stripe::{self, FakeStripe, Session};
use crate::helpers::{spawn_app_with, Backend, TestApp, TestDatabase, PUBLIC_BASE_URL};
use crate::smtp_sink::SmtpSink;
use reqwest::StatusCode;
use serde_json::Value;
use sharecare_db::Database;
use sharecare_domain::donation::Donation;
use sharecare_domain::form::DonationForm;
use sharecare_domain::identifiers::{FormToken, Reference};
use sharecare_domain::Locale;
use sharecare_services::changes::Changes;
use sharecare_services::config::Settings;
use sharecare_services::donations::Donations;
use sharecare_services::limits::Limits;
use sharecare_services::payment::Payments;
use sharecare_services::receipts::{OutboxSettings, ReceiptSender};

on_both_databases!(
    a_card_gift_goes_to_checkout_and_only_a_signed_webhook_marks_it_paid,
    tampered_or_stale_webhooks_are_refused_and_change_nothing,
    the_same_event_twice_records_one_payment,
    a_payment_that_does_not_match_the_donation_is_flagged_not_paid,
    an_expiry_after_the_payment_leaves_the_gift_paid,
    webhooks_during_a_database_outage_get_a_server_error,
    a_double_submit_makes_one_checkout_session,
    rate_limits_are_retried_with_the_same_key,
    a_failing_provider_leaves_the_gift_pending_with_a_clear_message,
    a_monthly_gift_records_each_month_and_ends,
    refunds_come_off_the_total,
    the_donors_page_follows_the_checkout,
    each_paid_gift_gets_one_receipt_in_the_donors_language,
    a_refused_receipt_is_sent_again,
    a_receipt_whose_worker_died_mid_send_is_sent_once,
    no_page_ever_asks_for_card_details,
);

/// The site with Stripe (the fake) and, when given, SMTP (the sink) configured.
pub(crate) async fn stripe_app(backend: Backend, sink: Option<&SmtpSink>) -> (TestApp, FakeStripe) {
    let fake = FakeStripe::start().await;
    let app = spawn_app_with(backend, &stripe_settings(&fake, sink)).await;
    fake.send_webhooks_to(&app.url("/webhooks/stripe"));
    (app, fake)
}

/// Settings for a site that takes cards at the fake (and sends receipts to the sink).
pub(crate) fn stripe_settings(
    fake: &FakeStripe,
    sink: Option<&SmtpSink>,
) -> Vec<(&'static str, String)> {
    let mut settings = vec![
        ("STRIPE_SECRET_KEY", fake_stripe::SECRET_KEY.to_string()),
        (
            "STRIPE_WEBHOOK_SECRET",
            fake_stripe::WEBHOOK_SECRET.to_string(),
        ),
        ("STRIPE_API_BASE", fake.base_url().to_string()),
        ("OUTBOX_RETRY_SECONDS", "1".to_string()),
    ];
    if let Some(sink) = sink {
        settings.push(("SMTP_URL", sink.url()));
    }
    settings
}

pub(crate) fn token() -> String {
    crate::helpers::signed_token()
}

pub(crate) struct Gift {
    pub(crate) locale: &'static str,
    pub(crate) amount: &'static str,
    pub(crate) frequency: &'static str,
    pub(crate) method: &'static str,
    pub(crate) receipt: &'static str,
    pub(crate) receipt_name: &'static str,
    pub(crate) token: String,
}

impl Gift {
    pub(crate) fn card(amount: &'static str) -> Gift {
        Gift {
            locale: "en",
            amount,
            frequency: "one_off",
            method: "card",
            receipt: "own_name",
            receipt_name: "",
            token: token(),
        }
    }

    pub(crate) fn monthly(amount: &'static str) -> Gift {
        Gift {
            frequency: "monthly",
            ..Gift::card(amount)
        }
    }

    pub(crate) async fn submit(&self, app: &TestApp) -> reqwest::Response {
        app.post_form(&format!("/{}/donate", self.locale), &self.fields())
            .await
    }

    /// The form as a browser sends it.
    pub(crate) fn fields(&self) -> [(&'static str, &str); 10] {
        [
            ("frequency", self.frequency),
            ("amount", "other"),
            ("custom_amount", self.amount),
            ("currency", "HKD"),
            ("email", "wing.lee@example.org"),
            ("name", "Lee Wing"),
            ("receipt", self.receipt),
            ("receipt_name", self.receipt_name),
            ("payment_method", self.method),
            ("token", self.token.as_str()),
        ]
    }
}

pub(crate) fn location(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "a gift redirects");
    response.headers()["location"].to_str().unwrap().to_string()
}

/// Gives by card and returns the session the fake made for it.
pub(crate) async fn give_by_card(app: &TestApp, fake: &FakeStripe, gift: &Gift) -> Session {
    let target = location(&gift.submit(app).await);
    let id = target
        .rsplit('/')
        .next()
        .expect("the checkout URL ends with the session id");
    fake.sessions()
        .into_iter()
        .find(|session| session.id == id)
        .expect("the redirect goes to a session the fake made")
}

pub(crate) async fn donation_of(app: &TestApp, session: &Session) -> Donation {
    let reference = session.param("client_reference_id").unwrap();
    app.db
        .donation_by_reference(&Reference::parse(reference).unwrap())
        .await
        .unwrap()
        .expect("the donation exists")
}

pub(crate) async fn payment_count(app: &TestApp, donation: &Donation) -> usize {
    app.db
        .payments_for_donation(&donation.id)
        .await
        .unwrap()
        .len()
}

/// Waits for a condition that a background task brings about (no timing is asserted: the
/// condition either becomes true or the test fails after a generous limit). Two minutes: on two
/// cores shared with other builds, 15 s was not always enough for a mail's retry to come round.
pub(crate) async fn eventually<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..2_400 {
        if condition().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never happened: {what}");
}

async fn a_card_gift_goes_to_checkout_and_only_a_signed_webhook_marks_it_paid(backend: Backend) {
    let (app, fake) = stripe_app(backend, None).await;
    let before = app.state.donations.progress();
    let gift = Gift::card("300");
    // A forged Host header must not steer where Stripe sends the donor back.
    let fields = [
        ("frequency", "one_off"),
        ("amount", "other"),
        ("custom_amount", "300"),
        ("email", "wing.lee@example.org"),
        ("name", "Lee Wing"),
        ("receipt", "own_name"),
        ("payment_method", "card"),
        ("token", gift.token.as_str()),
    ];
    let response = app
        .client
        .post(app.url("/en/donate"))
        .header("host", "evil.test")
        .header("x-forwarded-host", "evil.test")
        .form(&fields)
        .send()
        .await
        .unwrap();
    let target = location(&response);
    assert!(
        target.starts_with(&format!("{}/pay/cs_test_", fake.base_url())),
        "{target}"
    );
    let sessions = fake.sessions();
    assert_eq!(sessions.len(), 1);
    let session = &sessions[0];
    let donation = donation_of(&app, session).await;
    assert_eq!(
        donation.status.as_str(),
        "pending",
        "returning from checkout is not proof of payment"
    );
    assert_eq!(donation.payment_method.as_str(), "card");
    assert_eq!(session.param("mode"), Some("payment"));
    assert_eq!(session.amount(), 30_000);
    assert_eq!(session.currency(), "hkd");
    assert_eq!(
        session.param("metadata[donation_id]"),
        Some(donation.id.as_str())
    );
    assert_eq!(
        session.param("metadata[reference]"),
        Some(donation.reference.as_str())
    );
    assert_eq!(session.param("metadata[amount_minor]"), Some("30000"));
    assert_eq!(session.param("metadata[currency]"), Some("HKD"));
    assert_eq!(
        session.param("customer_email"),
        Some("wing.lee@example.org")
    );
    assert_eq!(
        session.idempotency_key,
        format!("sharecare-checkout-{}", donation.id)
    );
    let success = session.param("success_url").unwrap();
    let cancel = session.param("cancel_url").unwrap();
    for url in [success, cancel] {
        assert!(
            url.starts_with(&format!(
                "{PUBLIC_BASE_URL}/en/donations/{}?key=",
                donation.reference
            )),
            "{url}"
        );
        assert!(!url.contains("evil.test"));
    }
    assert!(success.ends_with("&checkout=success"));
    assert!(cancel.ends_with("&checkout=cancelled"));

    let response = fake.deliver(&fake.completed_event(session)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let donation = donation_of(&app, session).await;
    assert_eq!(donation.status.as_str(), "paid");
    assert!(donation.paid_at.is_some());
    assert_eq!(payment_count(&app, &donation).await, 1);
    let after = app.state.donations.progress();
    assert_eq!(after.raised_minor, before.raised_minor + 30_000);
    assert_eq!(after.supporters, before.supporters + 1);
}

async fn tampered_or_stale_webhooks_are_refused_and_change_nothing(backend: Backend) {
    let (app, fake) = stripe_app(backend, None).await;
    let session = give_by_card(&app, &fake, &Gift::card("300")).await;
    let body = serde_json::to_vec(&fake.completed_event(&session)).unwrap();
    let now = fake_stripe::now_seconds();

    let mut flipped = body.clone();
    let position = flipped.len() / 2;
    flipped[position] ^= 0x01;
    let attempts = [
        (
            "one flipped body byte",
            flipped,
            Some(fake_stripe::sign(&body, fake_stripe::WEBHOOK_SECRET, now)),
        ),
        (
            "the wrong secret",
            body.clone(),
            Some(fake_stripe::sign(&body, "whsec_wrong", now)),
        ),
        ("no signature header", body.clone(), None),
        (
            "a timestamp 301 s old",
            body.clone(),
            Some(fake_stripe::sign(
                &body,
                fake_stripe::WEBHOOK_SECRET,
                now - 301,
            )),
        ),
        (
            "a garbled header",
            body.clone(),
            Some("t=abc,v1=zz".to_string()),
        ),
    ];
    for (what, body, header) in attempts {
        let response = fake.post_webhook(body, header).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{what}");
        let donation = donation_of(&app, &session).await;
        assert_eq!(
            donation.status.as_str(),
            "pending",
            "{what} changed the donation"
        );
        assert_eq!(payment_count(&app, &donation).await, 0, "{what}");
    }
    // The same body, properly signed, goes through: the refusals were about the signature.
    let response = fake
        .post_webhook(
            body.clone(),
            Some(fake_stripe::sign(&body, fake_stripe::WEBHOOK_SECRET, now)),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(donation_of(&app, &session).await.status.as_str(), "paid");
}

async fn the_same_event_twice_records_one_payment(backend: Backend) {
    let (app, fake) = stripe_app(backend, None).await;
    let before = app.state.donations.progress();

    // One after the other.
    let first = give_by_card(&app, &fake, &Gift::card("300")).await;
    let event = fake.completed_event(&first);
    assert_eq!(fake.deliver(&event).await.status(), StatusCode::OK);
    let again = fake.deliver(&event).await;
    assert_eq!(
        again.status(),
        StatusCode::OK,
        "acknowledged, so Stripe stops sending it"
    );
    assert_eq!(
        again.text().await.unwrap(),
        "already handled",
        "known by its event id"
    );
    let donation = donation_of(&app, &first).await;
    assert_eq!(payment_count(&app, &donation).await, 1);

    // Eight copies at once.
    let second = give_by_card(&app, &fake, &Gift::card("500")).await;
    let event = fake.completed_event(&second);
    let deliveries: Vec<_> = (0..8)
        .map(|_| {
            let fake = fake.clone();
            let event = event.clone();
            tokio::spawn(async move { fake.deliver(&event).await.status() })
        })
        .collect();
    for delivery in deliveries {
        assert_eq!(delivery.await.unwrap(), StatusCode::OK);
    }
    let donation = donation_of(&app, &second).await;
    assert_eq!(donation.status.as_str(), "paid");
    assert_eq!(payment_count(&app, &donation).await, 1);

    let database = app.db.clone();
    assert_eq!(database.paid_totals().await.unwrap().raised_minor, 80_000);
    app.state.donations.refresh_progress().await.unwrap();
    assert_eq!(
        app.state.donations.progress().raised_minor,
        before.raised_minor + 80_000
    );
    // Without SMTP receipts are logged and stay in the outbox: exactly one per payment.
    assert_eq!(
        database.count_unsent_messages().await.unwrap(),
        2,
        "one receipt per payment"
    );
}

async fn a_payment_that_does_not_match_the_donation_is_flagged_not_paid(backend: Backend) {
    let (app, fake) = stripe_app(backend, None).await;
    for (what, field, value) in [
        ("amount", "amount_total", Value::from(100)),
        ("currency", "currency", Value::from("usd")),
    ] {
        let session = give_by_card(&app, &fake, &Gift::card("300")).await;
        let mut event = fake.completed_event(&session);
        event["data"]["object"][field] = value;
        assert_eq!(
            fake.deliver(&event).await.status(),
            StatusCode::OK,
            "{what}"
        );
        let donation = donation_of(&app, &session).await;
        assert_eq!(
            donation.status.as_str(),
            "pending",
            "a mismatched {what} does not pay the gift"
        );
        let flag = donation
            .flag
            .clone()
            .expect("the donation is flagged for staff");
        assert!(flag.contains("does not match"), "{flag}");
        assert_eq!(payment_count(&app, &donation).await, 0);
        // One exception per event, with the amounts, however often it is delivered.
        assert_eq!(fake.deliver(&event).await.status(), StatusCode::OK);
        let exceptions = app.db.exceptions_for_donation(&donation.id).await.unwrap();
        let kind = if what == "amount" {
            "amount_mismatch"
        } else {
            "currency_mismatch"
        };
        let received = if what == "amount" {
            Some(100)
        } else {
            Some(30_000)
        };
        assert_eq!(exceptions, vec![(kind.to_string(), received)], "{what}");
    }
    assert_eq!(app.db.count_open_exceptions().await.unwrap(), 2);
    assert_eq!(app.db.paid_totals().await.unwrap().raised_minor, 0);
}

async fn an_expiry_after_the_payment_leaves_the_gift_paid(backend: Backend) {
    let (app, fake) = stripe_app(backend, None).await;
    let paid = give_by_card(&app, &fake, &Gift::card("300")).await;
    assert_eq!(
        fake.deliver(&fake.completed_event(&paid)).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        fake.deliver(&fake.expired_event(&paid)).await.status(),
        StatusCode::OK
    );
    assert_eq!(donation_of(&app, &paid).await.status.as_str(), "paid");

    // An unpaid checkout that expires does expire.
    let lapsed = give_by_card(&app, &fake, &Gift::card("300")).await;
    assert_eq!(
        fake.deliver(&fake.expired_event(&lapsed)).await.status(),
        StatusCode::OK
    );
    assert_eq!(donation_of(&app, &lapsed).await.status.as_str(), "expired");
}

async fn webhooks_during_a_database_outage_get_a_server_error(backend: Backend) {
    let (app, fake) = stripe_app(backend, None).await;
    let session = give_by_card(&app, &fake, &Gift::card("300")).await;
    app.db.close().await;
    let response = fake.deliver(&fake.completed_event(&session)).await;
    assert!(
        response.status().is_server_error(),
        "Stripe must retry an event that was not stored, got {}",
        response.status()
    );
}

async fn a_double_submit_makes_one_checkout_session(backend: Backend) {
    let (app, fake) = stripe_app(backend, None).await;
    let gift = Gift::card("300");
    let (first, second) = tokio::join!(gift.submit(&app), gift.submit(&app));
    let (first, second) = (location(&first), location(&second));
    assert_eq!(first, second, "both clicks lead to the same checkout");
    let third = location(&gift.submit(&app).await);
    assert_eq!(first, third, "a later resubmit too");
    assert_eq!(fake.sessions().len(), 1, "one session at Stripe");
    assert_eq!(app.donation_count().await, 1);
}

async fn rate_limits_are_retried_with_the_same_key(backend: Backend) {
    let (app, fake) = stripe_app(backend, None).await;
    fake.fail_next(&[429, 429]);
    let session = give_by_card(&app, &fake, &Gift::card("300")).await;
    assert_eq!(fake.sessions().len(), 1);
    let keys = fake.keys_seen();
    assert_eq!(keys.len(), 3, "two refusals and a success");
    assert!(
        keys.iter().all(|key| *key == session.idempotency_key),
        "{keys:?}"
    );
}

async fn a_failing_provider_leaves_the_gift_pending_with_a_clear_message(backend: Backend) {
    let (app, fake) = stripe_app(backend, None).await;
    fake.fail_always(500);
    let gift = Gift::card("300");
    let response = gift.submit(&app).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key("retry-after"));
    let html = response.text().await.unwrap();
    assert!(
        html.contains("We could not reach our card payment service. Your gift is saved and nothing has been charged."),
        "the donor is told what happened"
    );
    assert!(
        html.contains(&gift.token),
        "the same form token, so a retry finds the same gift"
    );
    assert!(
        html.contains("value=\"wing.lee@example.org\""),
        "the donor's values are kept"
    );
    assert_eq!(fake.sessions().len(), 0);
    assert_eq!(fake.keys_seen().len(), 4, "the first try and three retries");
    assert_eq!(app.donation_count().await, 1);
    let stored = app
        .db
        .donation_by_token(&FormToken::parse(&gift.token).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status.as_str(), "pending");

    // From the gift's own page, "continue to secure payment" says the same, and keeps the way
    // back open.
    let continued = app
        .post_form(
            &format!("/en/donations/{}/checkout", stored.reference),
            &[("key", stored.access_key.as_str())],
        )
        .await;
    let page = location(&continued);
    assert!(page.ends_with("&checkout=unavailable"), "{page}");
    let html = app.open_gift_page(&page).await.text().await.unwrap();
    assert!(html.contains("We could not reach our card payment service."));
    assert!(html.contains("Continue to secure payment"));
    assert_eq!(fake.sessions().len(), 0);

    // Stripe recovers: submitting again reaches the checkout with the same donation.
    fake.fail_always(0);
    let target = location(&gift.submit(&app).await);
    assert!(target.starts_with(fake.base_url()), "{target}");
    assert_eq!(fake.sessions().len(), 1);
    assert_eq!(app.donation_count().await, 1);

    // Or the donor switches to a transfer instead.
    fake.fail_always(500);
    let other = Gift::card("400");
    assert_eq!(
        other.submit(&app).await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    let transfer = Gift {
        method: "offline",
        ..other
    };
    let target = location(&transfer.submit(&app).await);
    assert!(target.starts_with("/en/donations/LBC-"), "{target}");
    let switched = app
        .db
        .donation_by_token(&FormToken::parse(&transfer.token).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(switched.payment_method.as_str(), "offline");
    assert_eq!(app.donation_count().await, 2);
}

async fn a_monthly_gift_records_each_month_and_ends(backend: Backend) {
    let (app, fake) = stripe_app(backend, None).await;
    let gift = Gift {
        frequency: "monthly",
        ..Gift::card("200")
    };
    let session = give_by_card(&app, &fake, &gift).await;
    assert_eq!(session.param("mode"), Some("subscription"));
    assert_eq!(
        session.param("line_items[0][price_data][recurring][interval]"),
        Some("month")
    );
    let donation = donation_of(&app, &session).await;
    assert_eq!(
        session.param("subscription_data[metadata][donation_id]"),
        Some(donation.id.as_str())
    );

    // The first month is reported twice (the session and its first invoice): one payment.
    let first_invoice = fake.invoice_paid_event(&session, 1);
    assert_eq!(fake.deliver(&first_invoice).await.status(), StatusCode::OK);
    assert_eq!(
        fake.deliver(&fake.completed_event(&session)).await.status(),
        StatusCode::OK
    );
    let donation = donation_of(&app, &session).await;
    assert_eq!(donation.status.as_str(), "paid");
    assert_eq!(
        donation.subscription_id.as_deref(),
        Some(format!("sub_{}", session.id).as_str())
    );
    assert_eq!(payment_count(&app, &donation).await, 1);

    // The next month is a second payment of the same donation.
    assert_eq!(
        fake.deliver(&fake.invoice_paid_event(&session, 2))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(payment_count(&app, &donation).await, 2);
    let totals = app.db.paid_totals().await.unwrap();
    assert_eq!(totals.raised_minor, 40_000);
    assert_eq!(totals.supporters, 1);
    assert_eq!(
        app.db.count_unsent_messages().await.unwrap(),
        2,
        "a receipt each month"
    );

    // The donor stops giving: the gift ends but stays paid.
    let deleted = fake.subscription_deleted_event(&session);
    assert_eq!(fake.deliver(&deleted).await.status(), StatusCode::OK);
    let donation = donation_of(&app, &session).await;
    assert_eq!(donation.status.as_str(), "paid");
    assert!(donation.ended_at.is_some());
}

async fn refunds_come_off_the_total(backend: Backend) {
    let (app, fake) = stripe_app(backend, None).await;
    let before = app.state.donations.progress();
    let session = give_by_card(&app, &fake, &Gift::card("300")).await;
    fake.deliver(&fake.completed_event(&session)).await;
    let database = app.db.clone();
    assert_eq!(database.paid_totals().await.unwrap().raised_minor, 30_000);
    assert_eq!(
        fake.deliver(&fake.refund_event(&session, 10_000))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(database.paid_totals().await.unwrap().raised_minor, 20_000);
    // A full refund: nothing left, and the donor no longer counts as a supporter.
    fake.deliver(&fake.refund_event(&session, 30_000)).await;
    let totals = database.paid_totals().await.unwrap();
    assert_eq!((totals.raised_minor, totals.supporters), (0, 0));
    // The live total follows at once.
    assert_eq!(app.state.donations.progress(), before);
}

async fn the_donors_page_follows_the_checkout(backend: Backend) {
    let (app, fake) = stripe_app(backend, None).await;
    let session = give_by_card(&app, &fake, &Gift::card("300")).await;
    let cancel = session
        .param("cancel_url")
        .unwrap()
        .trim_start_matches(PUBLIC_BASE_URL)
        .to_string();
    let success = session
        .param("success_url")
        .unwrap()
        .trim_start_matches(PUBLIC_BASE_URL)
        .to_string();

    // Back from the checkout without paying: told so, with a way back to the same checkout.
    let html = app.open_gift_page(&cancel).await.text().await.unwrap();
    assert!(
        html.contains("Your card payment has not been completed, and nothing has been charged.")
    );
    assert!(html.contains("Continue to secure payment"));
    assert!(html.contains("Or pay by FPS or bank transfer instead:"));
    let donation = donation_of(&app, &session).await;
    let continued = app
        .post_form(
            &format!("/en/donations/{}/checkout", donation.reference),
            &[("key", donation.access_key.as_str())],
        )
        .await;
    assert_eq!(
        location(&continued),
        format!("{}/pay/{}", fake.base_url(), session.id)
    );
    assert_eq!(fake.sessions().len(), 1, "the same session, not a new one");
    let wrong_key = app
        .post_form(
            &format!("/en/donations/{}/checkout", donation.reference),
            &[("key", "nope")],
        )
        .await;
    assert_eq!(wrong_key.status(), StatusCode::NOT_FOUND);

    // Back after paying, before the webhook: "being confirmed", and a live status stream.
    let html = app.open_gift_page(&success).await.text().await.unwrap();
    assert!(html.contains("Your payment is being confirmed."));
    assert!(
        html.contains("reload it in a moment"),
        "JS-off readers are told to reload"
    );
    let stream_path = format!(
        "/api/donations/{}/status?key={}",
        donation.reference, donation.access_key
    );
    let mut stream = app.get(&stream_path).await;
    assert_eq!(stream.status(), StatusCode::OK);
    let mut buffer = String::new();
    assert_eq!(
        next_event(&mut stream, &mut buffer).await,
        "event: status\ndata: pending"
    );
    fake.deliver(&fake.completed_event(&session)).await;
    assert_eq!(
        next_event(&mut stream, &mut buffer).await,
        "event: status\ndata: paid"
    );
    let wrong = app
        .get(&format!(
            "/api/donations/{}/status?key=nope",
            donation.reference
        ))
        .await;
    assert_eq!(wrong.status(), StatusCode::NOT_FOUND);

    // After the webhook, the same address says the payment arrived.
    let html = app.open_gift_page(&success).await.text().await.unwrap();
    assert!(html.contains("We have received your payment."));
    assert!(!html.contains("being confirmed"));
}

/// The next server-sent event (keep-alive comments skipped), keeping what follows it.
pub(crate) async fn next_event(stream: &mut reqwest::Response, buffer: &mut String) -> String {
    loop {
        if let Some(end) = buffer.find("\n\n") {
            let event = buffer[..end].to_string();
            buffer.drain(..end + 2);
            if !event.starts_with(':') {
                return event;
            }
            continue;
        }
        let chunk = tokio::time::timeout(Duration::from_secs(30), stream.chunk())
            .await
            .expect("an event arrives")
            .unwrap()
            .expect("the stream stays open");
        buffer.push_str(std::str::from_utf8(&chunk).unwrap());
    }
}

async fn each_paid_gift_gets_one_receipt_in_the_donors_language(backend: Backend) {
    let sink = SmtpSink::start().await;
    let (app, fake) = stripe_app(backend, Some(&sink)).await;
    let english = give_by_card(&app, &fake, &Gift::card("300")).await;
    let chinese = give_by_card(
        &app,
        &fake,
        &Gift {
            locale: "zh-hk",
            receipt: "other_name",
            receipt_name: "陳大文",
            ..Gift::card("50")
        },
    )
    .await;
    let no_receipt = give_by_card(
        &app,
        &fake,
        &Gift {
            receipt: "none",
            ..Gift::card("1000")
        },
    )
    .await;
    for session in [&english, &chinese, &no_receipt] {
        let event = fake.completed_event(session);
        fake.deliver(&event).await;
        fake.deliver(&event).await; // a redelivery never sends a second receipt
    }
    let database = app.db.clone();
    eventually("both receipts are sent", || {
        let database = database.clone();
        let sink = sink.clone();
        async move { sink.received().len() >= 2 && database.count_unsent_messages().await.unwrap() == 0 }
    })
    .await;
    let received = sink.received();
    assert_eq!(
        received.len(),
        2,
        "one receipt per paid gift that asked for one"
    );

    let english_donation = donation_of(&app, &english).await;
    let chinese_donation = donation_of(&app, &chinese).await;
    let find = |reference: &str| {
        received
            .iter()
            .map(|message| (message, message.parsed()))
            .find(|(_, (subject, _))| subject.contains(reference))
            .unwrap_or_else(|| panic!("a receipt for {reference}"))
    };
    let (message, (subject, text)) = find(english_donation.reference.as_str());
    assert_eq!(message.to, vec!["<wing.lee@example.org>".to_string()]);
    // Sent from the organisation's address (content), as no RECEIPT_FROM is set.
    assert!(
        message.from.starts_with("<care@sharecare.org.hk>"),
        "{}",
        message.from
    );
    assert!(
        subject.starts_with("Your receipt from ShareCare Children's Fund"),
        "{subject}"
    );
    assert!(text.contains("Dear Lee Wing,"));
    assert!(text.contains("HK$300"));
    assert!(text.contains("One-off gift"));
    assert!(text.contains("Issued to: Lee Wing"));
    assert!(
        text.contains("tax-deductible in Hong Kong"),
        "HK$300 carries the tax note"
    );
    assert!(
        text.contains("care@sharecare.org.hk"),
        "the organisation's details"
    );
    assert!(message.data.contains("text/html"), "an HTML part");
    assert!(message.data.contains("text/plain"), "a plain-text part");

    let (_, (subject, text)) = find(chinese_donation.reference.as_str());
    assert!(subject.contains("捐款收據"), "{subject}");
    assert!(text.contains("單次捐款"));
    assert!(
        text.contains("收據抬頭: 陳大文"),
        "the name the receipt was asked in"
    );
    assert!(text.contains("HK$50"));
    assert!(!text.contains("扣稅"), "under HK$100: no tax note");
    assert!(!text.contains("tax-deductible"));
}

async fn a_refused_receipt_is_sent_again(backend: Backend) {
    let sink = SmtpSink::start().await;
    sink.refuse_next(1);
    let (app, fake) = stripe_app(backend, Some(&sink)).await;
    let session = give_by_card(&app, &fake, &Gift::card("300")).await;
    fake.deliver(&fake.completed_event(&session)).await;
    let database = app.db.clone();
    eventually("the receipt is sent on a later attempt", || {
        let database = database.clone();
        let sink = sink.clone();
        async move { sink.received().len() == 1 && database.count_unsent_messages().await.unwrap() == 0 }
    })
    .await;
    assert_eq!(sink.data_ends(), 2, "refused once, then accepted");
    assert_eq!(sink.received().len(), 1);
}

/// The receipt worker is killed after it claimed a receipt and sent its data, before the
/// server answered. A new worker sends it once its claim lapses, and only once.
async fn a_receipt_whose_worker_died_mid_send_is_sent_once(backend: Backend) {
    let test_database = TestDatabase::new(backend).await;
    let database = Database::connect(&test_database.url).await.unwrap();
    let content = Arc::new(sharecare_content::load(&crate::helpers::content_dir()).unwrap());
    let limits = Arc::new(Limits::new(
        &database,
        Settings::from_pairs::<&str>(&[]).unwrap().protection.limits,
        Settings::from_pairs::<&str>(&[])
            .unwrap()
            .protection
            .breaker,
    ));
    let donations = Donations::new(
        database.clone(),
        content.clone(),
        Arc::new(Payments::new(None)),
        limits,
        Arc::new(Changes::new(database.clone())),
        PUBLIC_BASE_URL,
    )
    .await
    .unwrap();
    let form = DonationForm {
        frequency: "one_off".into(),
        amount: "300".into(),
        email: "kit.ho@example.org".into(),
        name: "Ho Kit".into(),
        receipt: "own_name".into(),
        token: token(),
        ..DonationForm::default()
    };
    let request = form.parse(donations.giving_rules()).unwrap();
    let donation = donations
        .start_gift(&request, Locale::En)
        .await
        .unwrap()
        .donation;
    donations.mark_paid(&donation.reference).await.unwrap();

    let sink = SmtpSink::start().await;
    sink.hang(true);
    let worker = |lease_seconds: u64| {
        Arc::new(ReceiptSender::new(
            database.clone(),
            content.clone(),
            Arc::new(
                sharecare_services::mailer::Mailer::new(&content, Some(&sink.url()), None).unwrap(),
            ),
            OutboxSettings {
                retry_base: Duration::from_secs(1),
                lease: Duration::from_secs(lease_seconds),
                max_attempts: 10,
            },
            Arc::new(tokio::sync::Notify::new()),
            sharecare_services::receipts::MailContext {
                seal: sharecare_services::receipts::ReceiptSeal::new(b"test seal key"),
                public_base_url: PUBLIC_BASE_URL.to_string(),
            },
        ))
    };
    let (_stop, stopping) = tokio::sync::watch::channel(false);
    let first = tokio::spawn(worker(1).run(stopping.clone()));
    eventually("the first worker is mid-send", || {
        let sink = sink.clone();
        async move { sink.data_ends() == 1 }
    })
    .await;
    first.abort();
    let _ = first.await;
    assert_eq!(sink.received().len(), 0);
    assert_eq!(
        database.count_unsent_messages().await.unwrap(),
        1,
        "the receipt is still owed"
    );

    sink.hang(false);
    let second = tokio::spawn(worker(1).run(stopping.clone()));
    let waiting = database.clone();
    eventually("the restarted worker sends it", || {
        let database = waiting.clone();
        let sink = sink.clone();
        async move { sink.received().len() == 1 && database.count_unsent_messages().await.unwrap() == 0 }
    })
    .await;
    // Sent: nothing is left for any worker to send again.
    assert_eq!(
        database
            .claim_due_message(
                "probe",
                sharecare_domain::time::Timestamp::from_millis(i64::MAX / 4),
                sharecare_domain::time::Timestamp::from_millis(i64::MAX / 2),
                false,
            )
            .await
            .unwrap(),
        None
    );
    second.abort();
    assert_eq!(sink.received().len(), 1);
    let (subject, _) = sink.received()[0].parsed();
    assert!(subject.contains(donation.reference.as_str()), "{subject}");
    database.close().await;
}

async fn no_page_ever_asks_for_card_details(backend: Backend) {
    let (app, fake) = stripe_app(backend, None).await;
    let session = give_by_card(&app, &fake, &Gift::card("300")).await;
    let donation = donation_of(&app, &session).await;
    let page = format!(
        "/en/donations/{}?key={}",
        donation.reference, donation.access_key
    );
    let mut pages = vec![
        page.clone(),
        format!("{page}&checkout=success"),
        format!("{page}&checkout=cancelled"),
    ];
    for locale in ["en", "zh-hk", "zh-cn"] {
        pages.push(format!("/{locale}"));
        pages.push(format!("/{locale}/donate"));
    }
    let mut offered_card = false;
    for path in pages {
        let html = app
            .get(&path)
            .await
            .text()
            .await
            .unwrap()
            .to_ascii_lowercase();
        // Every form field, and no embedded payment frame. (Only the fields are searched: a
        // random nonce elsewhere on the page may spell "cvc" by chance.)
        assert!(!html.contains("<iframe"), "{path} embeds a frame");
        let fields = ["<input", "<select", "<textarea"]
            .iter()
            .flat_map(|tag| html.match_indices(tag))
            .map(|(start, _)| &html[start..start + html[start..].find('>').unwrap()]);
        for field in fields {
            for forbidden in [
                "cc-number",
                "cc-csc",
                "cc-exp",
                "cvc",
                "cvv",
                "cardnumber",
                "card_number",
                "card-number",
            ] {
                assert!(
                    !field.contains(forbidden),
                    "{path} asks for {forbidden}: {field}"
                );
            }
        }
        offered_card |=
            html.contains("name=\"payment_method\" id=\"donate-method\" value=\"card\"");
    }
    assert!(offered_card, "the widget offers the hosted card checkout");
}

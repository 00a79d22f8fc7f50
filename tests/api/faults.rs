//! Faults, made real: PostgreSQL crashed under a burst of gifts and started again, the server
//! stopped (SIGTERM) or killed (`kill -9`) mid-burst, a mail server slower than the outbox's
//! lease, a receipt that can never be delivered, and the readiness and metrics endpoints.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use sharecare_db::Database;
use sharecare_domain::identifiers::Reference;

use crate::fake_stripe::FakeStripe;
use crate::helpers::{spawn_app_on_url, spawn_app_with, Backend, TestApp, TestDatabase};
use crate::payments::{donation_of, eventually, give_by_card, stripe_settings, Gift};
use crate::processes::{PgCluster, ServerProcess};
use crate::smtp_sink::SmtpSink;

on_both_databases!(
    acknowledged_gifts_are_committed_durably,
    a_lease_shorter_than_a_slow_send_still_sends_once,
    a_receipt_refused_for_good_is_parked_after_the_configured_tries,
    metrics_expose_the_named_series,
);

/// A gift by FPS or bank transfer (no provider involved), with its own token and address.
fn transfer(n: usize) -> Vec<(&'static str, String)> {
    vec![
        ("frequency", "one_off".into()),
        ("amount", "other".into()),
        ("custom_amount", "150".into()),
        ("currency", "HKD".into()),
        ("email", format!("burst-{n}@example.org")),
        ("name", "Chan Siu Ming".into()),
        ("receipt", "own_name".into()),
        ("payment_method", "offline".into()),
        ("token", crate::helpers::signed_token()),
    ]
}

/// The reference in a thank-you address (`/en/donations/LBC-123456?key=...`).
fn reference_in(location: &str) -> String {
    location
        .split('/')
        .nth(3)
        .and_then(|last| last.split('?').next())
        .expect("a thank-you address")
        .to_string()
}

/// What a burst of donors saw.
#[derive(Default)]
struct Burst {
    /// References of every gift that got its thank-you redirect.
    acknowledged: Vec<String>,
    /// Statuses of every answer, in order.
    statuses: Vec<u16>,
    /// 503s that lacked a `Retry-After`.
    unavailable_without_retry_after: usize,
    /// The forms that were answered 503, to send again once the database is back.
    unavailable_forms: Vec<Vec<(&'static str, String)>>,
    /// Requests that got no answer at all (refused connection, or none within the timeout).
    unanswered: Vec<String>,
}

/// Donors submitting gifts, `donors` at a time, to `base` until `stop`.
fn start_burst(
    base: String,
    donors: usize,
    timeout: Duration,
    stop: Arc<AtomicBool>,
) -> (Arc<Mutex<Burst>>, Vec<tokio::task::JoinHandle<()>>) {
    let burst = Arc::new(Mutex::new(Burst::default()));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .build()
        .unwrap();
    let tasks = (0..donors)
        .map(|donor| {
            let (burst, client, base, stop) =
                (burst.clone(), client.clone(), base.clone(), stop.clone());
            tokio::spawn(async move {
                let mut n = donor * 100_000;
                while !stop.load(Ordering::SeqCst) {
                    n += 1;
                    let form = transfer(n);
                    let answer = client
                        .post(format!("{base}/en/donate"))
                        .form(&form)
                        .send()
                        .await;
                    let mut burst = burst.lock().unwrap();
                    match answer {
                        Ok(response) => {
                            let status = response.status();
                            burst.statuses.push(status.as_u16());
                            if status == StatusCode::SEE_OTHER {
                                let location = response.headers()["location"].to_str().unwrap();
                                burst.acknowledged.push(reference_in(location));
                            } else if status == StatusCode::SERVICE_UNAVAILABLE {
                                if !response.headers().contains_key("retry-after") {
                                    burst.unavailable_without_retry_after += 1;
                                }
                                burst.unavailable_forms.push(form);
                            }
                        }
                        Err(error) => burst.unanswered.push(error.to_string()),
                    }
                }
            })
        })
        .collect();
    (burst, tasks)
}

async fn stored(db: &Database, reference: &str) -> bool {
    db.donation_by_reference(&Reference::parse(reference).unwrap())
        .await
        .unwrap()
        .is_some()
}

/// PostgreSQL crashes (`pg_ctl stop -m immediate`) while donors give, and comes back: pages
/// answer throughout, gifts get a prompt 503 while it is down (the client gives up after 5 s,
/// which fails the test), a webhook gets a 5xx so Stripe retries, every gift that got its
/// thank-you is stored, and the site recovers without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgresql_crash_under_load_loses_no_acknowledged_gift() {
    let cluster = Arc::new(tokio::task::spawn_blocking(PgCluster::start).await.unwrap());
    let fake = FakeStripe::start().await;
    let app = spawn_app_on_url(&cluster.url(), &stripe_settings(&fake, None)).await;
    fake.send_webhooks_to(&app.url("/webhooks/stripe"));
    let card = give_by_card(&app, &fake, &Gift::card("300")).await;
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);

    let stop = Arc::new(AtomicBool::new(false));
    let (burst, donors) = start_burst(app.address.clone(), 3, Duration::from_secs(5), stop.clone());
    let pages = {
        let (stop, client, url) = (stop.clone(), app.client.clone(), app.url("/en"));
        tokio::spawn(async move {
            let mut statuses = Vec::new();
            while !stop.load(Ordering::SeqCst) {
                let status = client.get(&url).send().await.map(|r| r.status().as_u16());
                statuses.push(status.unwrap_or(0));
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            statuses
        })
    };
    let acknowledged = || burst.lock().unwrap().acknowledged.len();
    eventually("gifts are being acknowledged", || async {
        acknowledged() >= 10
    })
    .await;

    let crashed = cluster.clone();
    tokio::task::spawn_blocking(move || crashed.stop_immediately())
        .await
        .unwrap();
    let unavailable = || {
        burst
            .lock()
            .unwrap()
            .statuses
            .iter()
            .filter(|status| **status == 503)
            .count()
    };
    eventually(
        "gifts are answered 503 while the database is down",
        || async { unavailable() >= 3 },
    )
    .await;
    assert_eq!(
        app.get("/readyz").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    let webhook = fake.deliver(&fake.completed_event(&card)).await;
    assert!(
        webhook.status().is_server_error(),
        "Stripe must retry: {}",
        webhook.status()
    );

    let restarted = cluster.clone();
    tokio::task::spawn_blocking(move || restarted.start_again())
        .await
        .unwrap();
    let before = acknowledged();
    eventually(
        "gifts are acknowledged again, without restarting the site",
        || async { acknowledged() > before + 5 },
    )
    .await;
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
    stop.store(true, Ordering::SeqCst);
    for donor in donors {
        donor.await.unwrap();
    }
    let page_statuses = pages.await.unwrap();

    // Stripe's retry now lands.
    let webhook = fake.deliver(&fake.completed_event(&card)).await;
    assert_eq!(webhook.status(), StatusCode::OK);
    assert_eq!(donation_of(&app, &card).await.status.as_str(), "paid");

    let burst = std::mem::take(&mut *burst.lock().unwrap());
    assert!(burst.unanswered.is_empty(), "{:?}", burst.unanswered);
    let others: BTreeSet<u16> = burst
        .statuses
        .iter()
        .copied()
        .filter(|status| *status != 303 && *status != 503)
        .collect();
    assert!(others.is_empty(), "only thank-yous and 503s: {others:?}");
    assert_eq!(burst.unavailable_without_retry_after, 0);
    assert!(
        page_statuses.iter().all(|status| *status == 200),
        "pages answer 200 throughout: {page_statuses:?}"
    );
    let mut missing = Vec::new();
    for reference in &burst.acknowledged {
        if !stored(&app.db, reference).await {
            missing.push(reference.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "acknowledged but not stored: {missing:?}"
    );
    // A 503 may have come after the commit reached the disk but before its answer reached the
    // site (the crash fell in between): the donor, sent the same form again, finds that gift,
    // so nothing is lost or stored twice.
    for form in &burst.unavailable_forms {
        let again = app
            .client
            .post(app.url("/en/donate"))
            .form(form)
            .send()
            .await
            .unwrap();
        assert_eq!(
            again.status(),
            StatusCode::SEE_OTHER,
            "a retried form is thanked"
        );
    }
    assert_eq!(
        app.db.count_donations().await.unwrap(),
        (burst.acknowledged.len() + burst.unavailable_forms.len()) as i64 + 1,
        "one gift per form (and the card gift): none lost, none twice"
    );
}

/// SIGTERM mid-burst: the server stops taking new connections, finishes what it has, and
/// exits 0 within its drain deadline; every gift it acknowledged is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_burst_keeps_every_acknowledged_gift() {
    let database = TestDatabase::new(Backend::Sqlite).await;
    let url = database.url.clone();
    let mut server = tokio::task::spawn_blocking(move || {
        ServerProcess::start_site(&url, &[("SHUTDOWN_DRAIN_SECONDS", "5".to_string())])
    })
    .await
    .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let (burst, donors) = start_burst(
        server.address.clone(),
        3,
        Duration::from_secs(30),
        stop.clone(),
    );
    let acknowledged = || burst.lock().unwrap().acknowledged.len();
    eventually("gifts are being acknowledged", || async {
        acknowledged() >= 20
    })
    .await;

    server.signal_terminate();
    let exit = tokio::task::spawn_blocking(move || {
        let exit = server.wait_for_exit(Duration::from_secs(5 + 10));
        (exit, server.log())
    })
    .await
    .unwrap();
    stop.store(true, Ordering::SeqCst);
    for donor in donors {
        donor.await.unwrap();
    }
    let (exit, log) = exit;
    let exit = exit.unwrap_or_else(|| panic!("still running after the drain deadline:\n{log}"));
    assert!(exit.success(), "{exit:?}\n{log}");

    let db = Database::connect(&database.url).await.unwrap();
    let burst = std::mem::take(&mut *burst.lock().unwrap());
    assert!(burst.acknowledged.len() >= 20);
    let mut missing = Vec::new();
    for reference in &burst.acknowledged {
        if !stored(&db, reference).await {
            missing.push(reference.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "acknowledged but not stored: {missing:?}"
    );
    assert_eq!(
        db.count_donations().await.unwrap(),
        burst.acknowledged.len() as i64,
        "nothing was stored without its donor hearing so, or the reverse"
    );
    // After the signal, donors were refused a connection rather than left hanging.
    assert!(
        burst.statuses.iter().all(|status| *status == 303),
        "{:?}",
        burst.statuses
    );
}

/// `kill -9` straight after a thank-you: no shutdown runs, and the gift is there. (A process
/// kill keeps the OS's cache; `acknowledged_gifts_are_committed_durably` checks the setting
/// that keeps a gift through a power cut as well.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gift_acknowledged_just_before_kill_9_is_stored() {
    let database = TestDatabase::new(Backend::Sqlite).await;
    let url = database.url.clone();
    let server = tokio::task::spawn_blocking(move || ServerProcess::start_site(&url, &[]))
        .await
        .unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut acknowledged = Vec::new();
    for n in 0..10 {
        let response = client
            .post(server.url("/en/donate"))
            .form(&transfer(n))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        acknowledged.push(reference_in(
            response.headers()["location"].to_str().unwrap(),
        ));
    }
    tokio::task::spawn_blocking(move || server.kill())
        .await
        .unwrap();
    let db = Database::connect(&database.url).await.unwrap();
    for reference in &acknowledged {
        assert!(stored(&db, reference).await, "{reference} was lost");
    }
}

/// The setting that makes a commit wait for the disk, read from the application's own
/// connections: SQLite `synchronous = FULL` (2), PostgreSQL `synchronous_commit = on`.
async fn acknowledged_gifts_are_committed_durably(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let setting = app.db.commit_durability().await.unwrap();
    let expected = match backend {
        Backend::Sqlite => "synchronous=2",
        Backend::Postgres => "synchronous_commit=on",
    };
    assert_eq!(setting, expected);
}

/// A paid gift with its receipt due, on `app`'s database: a cash gift staff recorded (a
/// pledge through the public form would also mail its payment details, and these tests count
/// one message).
async fn paid_gift(app: &TestApp) -> Reference {
    let form = sharecare_domain::form::DonationForm {
        frequency: "one_off".into(),
        amount: "other".into(),
        custom_amount: "150".into(),
        currency: "HKD".into(),
        email: "burst-1@example.org".into(),
        name: "Chan Siu Ming".into(),
        receipt: "own_name".into(),
        payment_method: "offline".into(),
        token: crate::helpers::signed_token(),
        ..Default::default()
    };
    let donation = app
        .state
        .donations
        .record_offline_gift(sharecare_services::donations::OfflineGift {
            form: &form,
            method: sharecare_db::OfflineMethod::Cash,
            cheque_number: None,
            received_at: sharecare_domain::time::Timestamp::now(),
            actor: &sharecare_db::Actor::command_line(),
        })
        .await
        .unwrap();
    donation.reference
}

/// Two workers, a one-second lease and a mail server that takes three seconds to answer:
/// the worker sending keeps renewing its claim, so the other never takes the receipt over.
async fn a_lease_shorter_than_a_slow_send_still_sends_once(backend: Backend) {
    let sink = SmtpSink::start().await;
    sink.answer_after(Duration::from_secs(3));
    let settings = [
        ("SMTP_URL", sink.url()),
        ("OUTBOX_LEASE_SECONDS", "1".to_string()),
        ("OUTBOX_RETRY_SECONDS", "1".to_string()),
    ];
    let first = spawn_app_with(backend, &settings).await;
    let second = crate::helpers::spawn_second_instance(&first, &settings).await;
    paid_gift(&first).await;
    let db = first.db.clone();
    eventually("the receipt is sent", || {
        let (db, sink) = (db.clone(), sink.clone());
        async move { sink.received().len() == 1 && db.count_unsent_messages().await.unwrap() == 0 }
    })
    .await;
    assert_eq!(
        sink.data_ends(),
        1,
        "one send, though it outlasted three leases"
    );
    drop(second);
}

/// A receipt the mail server refuses for good is tried `OUTBOX_MAX_ATTEMPTS` times, then
/// parked for staff: counted, and never claimed again.
async fn a_receipt_refused_for_good_is_parked_after_the_configured_tries(backend: Backend) {
    let sink = SmtpSink::start().await;
    sink.refuse_all(true);
    let app = spawn_app_with(
        backend,
        &[
            ("SMTP_URL", sink.url()),
            ("OUTBOX_RETRY_SECONDS", "1".to_string()),
            ("OUTBOX_MAX_ATTEMPTS", "3".to_string()),
        ],
    )
    .await;
    paid_gift(&app).await;
    let db = app.db.clone();
    eventually("the receipt is parked", || {
        let db = db.clone();
        async move { db.count_parked_messages().await.unwrap() == 1 }
    })
    .await;
    assert_eq!(sink.data_ends(), 3, "tried three times");
    assert_eq!(sink.received().len(), 0);
    assert_eq!(
        db.claim_due_message(
            "probe",
            sharecare_domain::time::Timestamp::from_millis(i64::MAX / 4),
            sharecare_domain::time::Timestamp::from_millis(i64::MAX / 2),
            false,
        )
        .await
        .unwrap(),
        None,
        "no worker will try it again"
    );
}

/// A series for each thing the issue names, after the things that feed them happened.
async fn metrics_expose_the_named_series(backend: Backend) {
    let fake = FakeStripe::start().await;
    let mut settings = stripe_settings(&fake, None);
    settings.extend([
        ("METRICS_ADDR", "127.0.0.1:0".to_string()),
        ("LIMIT_PER_EMAIL", "1".to_string()),
    ]);
    let app = spawn_app_with(backend, &settings).await;
    fake.send_webhooks_to(&app.url("/webhooks/stripe"));
    assert_eq!(app.get("/en").await.status(), StatusCode::OK);
    let session = give_by_card(&app, &fake, &Gift::card("300")).await;
    fake.deliver(&fake.completed_event(&session)).await;
    fake.deliver(&fake.refund_event(&session, 10_000)).await;
    // The same donor again: over the per-email limit.
    assert_eq!(
        Gift::card("300").submit(&app).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let metrics_address = app.metrics_address.clone().expect("METRICS_ADDR was set");
    assert_ne!(
        metrics_address, app.address,
        "metrics are not on the public address"
    );
    // The public site does not serve them.
    assert_eq!(app.get("/metrics").await.status(), StatusCode::NOT_FOUND);
    let text = app
        .client
        .get(format!("{metrics_address}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for series in [
        "sharecare_http_requests_total{",
        "route=\"/{locale}\"",
        "status=\"200\"",
        "sharecare_http_request_duration_seconds_bucket{",
        "sharecare_donations{",
        "method=\"card\"",
        "status=\"paid\"",
        "sharecare_payments_total",
        "sharecare_payment_changes_total{kind=\"refund\"}",
        "sharecare_payment_exceptions_open",
        "sharecare_payment_events_waiting",
        "sharecare_outbox_backlog",
        "sharecare_outbox_parked",
        "sharecare_reconciliation_lag_seconds",
        "sharecare_open_streams",
        "sharecare_rate_limited_total{rule=\"submit-email\"}",
    ] {
        assert!(text.contains(series), "{series} is missing from:\n{text}");
    }
}

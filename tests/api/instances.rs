//! Two instances of the site, as real processes on free ports, sharing one PostgreSQL database
//! (as behind a load balancer): what one does, the other sees and never repeats.

use std::collections::HashMap;
use std::time::Duration;

use reqwest::StatusCode;
use sharecare_db::Database;
use sharecare_domain::identifiers::Reference;

use crate::fake_stripe::{FakeStripe, Session};
use crate::helpers::{Backend, TestDatabase};
use crate::payments::{eventually, next_event, stripe_settings, Gift};
use crate::processes::ServerProcess;
use crate::smtp_sink::SmtpSink;

/// Two instances on one fresh PostgreSQL database, taking cards at `fake`.
struct TwoInstances {
    a: ServerProcess,
    b: ServerProcess,
    db: Database,
    client: reqwest::Client,
    _database: TestDatabase,
}

impl TwoInstances {
    async fn start(
        fake: &FakeStripe,
        sink: Option<&SmtpSink>,
        b_settings: &[(&'static str, String)],
    ) -> TwoInstances {
        let database = TestDatabase::new(Backend::Postgres).await;
        let mut settings = stripe_settings(fake, sink);
        settings.push(("OUTBOX_RETRY_SECONDS", "1".to_string()));
        let url = database.url.clone();
        let a_settings = settings.clone();
        let a = tokio::task::spawn_blocking(move || ServerProcess::start_site(&url, &a_settings))
            .await
            .unwrap();
        let mut settings_b: Vec<(&'static str, String)> = b_settings.to_vec();
        settings_b.extend(settings);
        let url = database.url.clone();
        let b = tokio::task::spawn_blocking(move || ServerProcess::start_site(&url, &settings_b))
            .await
            .unwrap();
        TwoInstances {
            a,
            b,
            db: Database::connect(&database.url).await.unwrap(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            _database: database,
        }
    }

    async fn submit(&self, server: &ServerProcess, gift: &Gift) -> reqwest::Response {
        self.client
            .post(server.url(&format!("/{}/donate", gift.locale)))
            .form(&gift.fields())
            .send()
            .await
            .expect("the instance answers")
    }

    /// Gives by card on `server`; the session the fake made for it.
    async fn give_by_card(&self, server: &ServerProcess, fake: &FakeStripe) -> Session {
        let response = self.submit(server, &Gift::card("300")).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let location = response.headers()["location"].to_str().unwrap().to_string();
        let id = location.rsplit('/').next().unwrap();
        fake.sessions()
            .into_iter()
            .find(|session| session.id == id)
            .expect("a session the fake made")
    }

    async fn payments_of(&self, session: &Session) -> usize {
        let reference = Reference::parse(session.param("client_reference_id").unwrap()).unwrap();
        let donation = self
            .db
            .donation_by_reference(&reference)
            .await
            .unwrap()
            .expect("the donation is stored");
        self.db
            .payments_for_donation(&donation.id)
            .await
            .unwrap()
            .len()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_form_sent_to_both_instances_makes_one_donation() {
    let fake = FakeStripe::start().await;
    let sites = TwoInstances::start(&fake, None, &[]).await;
    for _ in 0..5 {
        // A double click whose two requests the load balancer sends to different instances.
        let gift = Gift::card("300");
        let (first, second) =
            tokio::join!(sites.submit(&sites.a, &gift), sites.submit(&sites.b, &gift));
        assert_eq!(first.status(), StatusCode::SEE_OTHER);
        assert_eq!(second.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            first.headers()["location"],
            second.headers()["location"],
            "both go to the same checkout"
        );
    }
    assert_eq!(sites.db.count_donations().await.unwrap(), 5);
    assert_eq!(fake.sessions().len(), 5, "one checkout session per gift");
}

/// Instance B re-reads the totals only every ten minutes: the new total can reach its stream
/// only through PostgreSQL's NOTIFY from instance A.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_on_one_instance_moves_the_total_on_the_other_at_once() {
    let fake = FakeStripe::start().await;
    let sites = TwoInstances::start(
        &fake,
        None,
        &[("PROGRESS_REFRESH_SECONDS", "600".to_string())],
    )
    .await;
    fake.send_webhooks_to(&sites.a.url("/webhooks/stripe"));
    let session = sites.give_by_card(&sites.a, &fake).await;

    let mut stream = sites
        .client
        .get(sites.b.url("/api/progress"))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let mut buffer = String::new();
    let before = next_event(&mut stream, &mut buffer).await;
    assert!(
        before.starts_with(&format!("event: progress\ndata: {} ", 18_250_000)),
        "{before}"
    );

    let response = fake.deliver(&fake.completed_event(&session)).await;
    assert_eq!(response.status(), StatusCode::OK);
    // `next_event` gives up after 30 s; the fallback re-read would take 600 s.
    let after = next_event(&mut stream, &mut buffer).await;
    assert!(
        after.starts_with(&format!("event: progress\ndata: {} ", 18_250_000 + 30_000)),
        "{after}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_delivered_to_both_instances_at_once_records_one_payment() {
    let fake = FakeStripe::start().await;
    let sites = TwoInstances::start(&fake, None, &[]).await;
    let (a_hook, b_hook) = (
        sites.a.url("/webhooks/stripe"),
        sites.b.url("/webhooks/stripe"),
    );
    let mut sessions = Vec::new();
    for round in 0..6 {
        let on = if round % 2 == 0 { &sites.a } else { &sites.b };
        sessions.push(sites.give_by_card(on, &fake).await);
    }
    for session in &sessions {
        let event = fake.completed_event(session);
        let (first, second) = tokio::join!(
            fake.deliver_to(&a_hook, &event),
            fake.deliver_to(&b_hook, &event)
        );
        assert_eq!(first.status(), StatusCode::OK);
        assert_eq!(second.status(), StatusCode::OK);
        assert_eq!(sites.payments_of(session).await, 1);
    }
    let totals = sites.db.paid_totals().await.unwrap();
    assert_eq!(totals.raised_minor, 6 * 30_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_receipt_workers_send_each_receipt_exactly_once() {
    let fake = FakeStripe::start().await;
    let sink = SmtpSink::start().await;
    // A slow mail server, so both workers are busy at the same time.
    sink.answer_after(Duration::from_millis(100));
    let sites = TwoInstances::start(&fake, Some(&sink), &[]).await;
    let (a_hook, b_hook) = (
        sites.a.url("/webhooks/stripe"),
        sites.b.url("/webhooks/stripe"),
    );
    let mut references = Vec::new();
    for round in 0..12 {
        let (on, hook) = if round % 2 == 0 {
            (&sites.a, &a_hook)
        } else {
            (&sites.b, &b_hook)
        };
        let session = sites.give_by_card(on, &fake).await;
        references.push(session.param("client_reference_id").unwrap().to_string());
        let response = fake.deliver_to(hook, &fake.completed_event(&session)).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let db = sites.db.clone();
    eventually("every receipt is sent", || {
        let (db, sink) = (db.clone(), sink.clone());
        async move { sink.received().len() >= 12 && db.count_unsent_messages().await.unwrap() == 0 }
    })
    .await;
    let mut sent: HashMap<String, usize> = HashMap::new();
    for message in sink.received() {
        let (subject, _) = message.parsed();
        let reference = references
            .iter()
            .find(|reference| subject.contains(reference.as_str()))
            .unwrap_or_else(|| panic!("a receipt for one of the gifts: {subject}"));
        *sent.entry(reference.clone()).or_default() += 1;
    }
    assert_eq!(sent.len(), 12, "every gift has its receipt");
    assert!(sent.values().all(|count| *count == 1), "{sent:?}");
    assert_eq!(sink.data_ends(), 12, "no receipt was even begun twice");
}

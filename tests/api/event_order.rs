//! Stripe promises no order: every event applied once, whenever it arrives, leaves a gift as
//! the latest report says. Runs on SQLite and PostgreSQL.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::fake_stripe::{now_seconds, FakeStripe, Session};
use crate::helpers::{Backend, TestApp};
use crate::payments::{donation_of, give_by_card, stripe_app, Gift};
use sharecare_domain::time::Timestamp;

on_both_databases!(
    an_old_subscription_update_after_a_newer_one_changes_nothing,
    any_order_of_a_monthly_gifts_events_ends_as_the_order_they_happened,
);

/// Finding 4: a delayed `customer.subscription.updated` used to overwrite a newer one, moving
/// a gift back to its old amount or an old pause.
async fn an_old_subscription_update_after_a_newer_one_changes_nothing(backend: Backend) {
    let (app, fake) = stripe_app(backend, None).await;
    let session = give_by_card(
        &app,
        &fake,
        &Gift {
            frequency: "monthly",
            ..Gift::card("200")
        },
    )
    .await;
    fake.deliver_ok(&fake.completed_event(&session)).await;
    let now = now_seconds();
    let resumes = now + 60 * 86_400;
    // An hour ago the donor paused; a minute ago they resumed at HK$300 a month.
    let paused = fake.subscription_updated_event_at(&session, 20_000, Some(resumes), now - 3_600);
    let raised_to_300 = fake.subscription_updated_event_at(&session, 30_000, None, now - 60);

    fake.deliver_ok(&raised_to_300).await;
    let donation = donation_of(&app, &session).await;
    assert_eq!(donation.amount.minor, 30_000);
    assert_eq!(donation.paused_until, None);

    fake.deliver_ok(&paused).await;
    let after = donation_of(&app, &session).await;
    assert_eq!(after.amount.minor, 30_000, "not back to the old amount");
    assert_eq!(after.paused_until, None, "not paused again");

    // A newer report still applies.
    let paused_again = fake.subscription_updated_event_at(&session, 30_000, Some(resumes), now);
    fake.deliver_ok(&paused_again).await;
    assert_eq!(
        donation_of(&app, &session).await.paused_until,
        Some(Timestamp::from_seconds(resumes))
    );
}

/// Everything about a monthly gift that its events decide: its amount and pause, and what each
/// payment and receipt says (receipt numbers aside, which depend on what else was receipted).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Outcome {
    amount_minor: u64,
    paused_until: Option<Timestamp>,
    /// (amount, refunded, disputed), sorted (the times are each gift's own).
    payments: Vec<(u64, u64, u64)>,
    /// (amount, still valid), sorted.
    receipts: Vec<(u64, bool)>,
    waiting: u64,
}

async fn outcome(app: &TestApp, session: &Session) -> Outcome {
    let donation = donation_of(app, session).await;
    let mut payments: Vec<_> = app
        .db
        .payments_for_donation(&donation.id)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.amount_minor, p.refunded_minor, p.disputed_minor))
        .collect();
    payments.sort();
    let mut receipts: Vec<_> = app
        .db
        .receipts_of_donation(&donation.id)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.amount.minor, r.is_valid()))
        .collect();
    receipts.sort();
    Outcome {
        amount_minor: donation.amount.minor,
        paused_until: donation.paused_until,
        payments,
        receipts,
        waiting: app.db.count_waiting_changes().await.unwrap(),
    }
}

/// A monthly gift's events as Stripe sends them, in the order they happened: checkout, two
/// months paid (each with its invoice payment), a pause and a later change of amount, the
/// second month refunded in full and part of the first.
fn monthly_story(fake: &FakeStripe, session: &Session) -> Vec<serde_json::Value> {
    let now = now_seconds();
    let month = 30 * 86_400;
    vec![
        fake.completed_event(session),
        fake.invoice_paid_event_at(session, 1, now - 2 * month),
        fake.invoice_payment_paid_event(session, 1),
        fake.invoice_paid_event_at(session, 2, now - month),
        fake.invoice_payment_paid_event(session, 2),
        fake.subscription_updated_event_at(session, 20_000, Some(now + 2 * month), now - 3_600),
        fake.subscription_updated_event_at(session, 30_000, None, now - 60),
        fake.refund_month_event(session, 2, 20_000),
        fake.refund_month_event(session, 1, 5_000),
    ]
}

/// The events, each at least once, some twice (Stripe redelivers), in any order.
fn delivery_orders(count: usize) -> impl Strategy<Value = Vec<usize>> {
    (
        Just((0..count).collect::<Vec<_>>()).prop_shuffle(),
        prop::collection::vec(0..count, 0..4),
    )
        .prop_flat_map(|(mut order, again)| {
            order.extend(again);
            Just(order).prop_shuffle()
        })
}

/// The property test: for random sequences (shuffled, duplicated) of a monthly gift's
/// events, the gift's amount, payments, refunds and receipts end as they do when the events
/// arrive in the order they happened.
async fn any_order_of_a_monthly_gifts_events_ends_as_the_order_they_happened(backend: Backend) {
    let (app, fake) = stripe_app(backend, None).await;
    let in_order = give_by_card(&app, &fake, &Gift::monthly("200")).await;
    for event in monthly_story(&fake, &in_order) {
        fake.deliver_ok(&event).await;
    }
    let expected = outcome(&app, &in_order).await;
    assert_eq!(expected.amount_minor, 30_000);
    assert_eq!(expected.payments.len(), 2);
    assert_eq!(expected.waiting, 0);
    let handle = tokio::runtime::Handle::current();
    // Each case is a whole gift over HTTP: a dozen cases per database, shrunk on failure
    // (`PROPTEST_CASES` asks for more).
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(12);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(
        &delivery_orders(monthly_story(&fake, &in_order).len()),
        |order| {
            let got = tokio::task::block_in_place(|| {
                handle.block_on(async {
                    let session = give_by_card(&app, &fake, &Gift::monthly("200")).await;
                    let story = monthly_story(&fake, &session);
                    for index in &order {
                        fake.deliver_ok(&story[*index]).await;
                    }
                    outcome(&app, &session).await
                })
            });
            prop_assert_eq!(&got, &expected, "delivered in the order {:?}", order);
            Ok(())
        },
    );
    if let Err(failure) = result {
        panic!("{failure}");
    }
}

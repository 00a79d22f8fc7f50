//! Finding 13: a card refund can fail (the donor's card was closed) or be cancelled after
//! Stripe reported the charge refunded; the money is then back with the charity. Such a refund
//! restores the payment and its receipt, counted once whichever of `refund.failed` and
//! `refund.updated` says so, and in any order with the charge's own `charge.refunded`. Every
//! test runs on SQLite and PostgreSQL, with events in Stripe's 2025-03-31.basil shapes.

use crate::fake_stripe::{now_seconds, Session};
use crate::helpers::{Backend, TestApp};
use crate::payments::{donation_of, give_by_card, stripe_app, Gift};

on_both_databases!(
    a_refund_that_fails_restores_the_payment_and_its_receipt,
    refunds_and_their_failures_give_the_same_books_in_every_order,
);

/// The amounts of a gift's valid receipts, and how many receipts it has had in all.
async fn receipts(app: &TestApp, session: &Session) -> (Vec<u64>, usize) {
    let donation = donation_of(app, session).await;
    let all = app.db.receipts_of_donation(&donation.id).await.unwrap();
    let valid = all
        .iter()
        .filter(|receipt| receipt.is_valid())
        .map(|receipt| receipt.amount.minor)
        .collect();
    (valid, all.len())
}

async fn refunded(app: &TestApp, session: &Session) -> u64 {
    let donation = donation_of(app, session).await;
    let payments = app.db.payments_for_donation(&donation.id).await.unwrap();
    assert_eq!(payments.len(), 1);
    payments[0].refunded_minor
}

async fn a_refund_that_fails_restores_the_payment_and_its_receipt(backend: Backend) {
    let (app, fake) = stripe_app(backend, None).await;
    let session = give_by_card(&app, &fake, &Gift::card("300")).await;
    let paid_at = now_seconds() - 86_400;
    fake.deliver_ok(&fake.completed_event_at(&session, paid_at))
        .await;
    assert_eq!(receipts(&app, &session).await, (vec![30_000], 1));

    // Refunded in full: the gift leaves the total and its receipt is voided.
    fake.deliver_ok(&fake.refund_event_at(&session, 30_000, paid_at + 60))
        .await;
    assert_eq!(app.db.paid_totals().await.unwrap().raised_minor, 0);
    assert_eq!(receipts(&app, &session).await, (vec![], 1));

    // The refund fails: the money is back, the gift counts again, with a receipt.
    let failed = |kind: &str, status: &str| {
        fake.refund_object_event_at(&session, kind, "re_failing", 30_000, status, paid_at + 600)
    };
    fake.deliver_ok(&failed("refund.failed", "failed")).await;
    assert_eq!(refunded(&app, &session).await, 0);
    assert_eq!(app.db.paid_totals().await.unwrap().raised_minor, 30_000);
    assert_eq!(receipts(&app, &session).await, (vec![30_000], 2));

    // `refund.updated` says the same thing about the same refund, and the charge's report
    // from before the failure arrives late (a new event id, an old `created`): nothing moves.
    fake.deliver_ok(&failed("refund.updated", "failed")).await;
    fake.deliver_ok(&fake.refund_event_at(&session, 30_000, paid_at + 60))
        .await;
    assert_eq!(app.db.paid_totals().await.unwrap().raised_minor, 30_000);
    assert_eq!(receipts(&app, &session).await, (vec![30_000], 2));

    // A refund that goes through later is a refund again.
    fake.deliver_ok(&fake.refund_event_at(&session, 10_000, paid_at + 900))
        .await;
    assert_eq!(refunded(&app, &session).await, 10_000);
    assert_eq!(receipts(&app, &session).await, (vec![20_000], 3));
}

/// Two partial refunds (HK$100 at t1, HK$50 at t3, so the charge reports 100 then 150) and
/// the first's failure at t4, delivered in each of the six orders, one gift per order: every
/// gift ends with HK$50 refunded and one valid receipt for HK$250.
async fn refunds_and_their_failures_give_the_same_books_in_every_order(backend: Backend) {
    let (app, fake) = stripe_app(backend, None).await;
    let orders: [[usize; 3]; 6] = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ];
    let t = now_seconds() - 86_400;
    for (number, order) in orders.iter().enumerate() {
        let session = give_by_card(&app, &fake, &Gift::card("300")).await;
        fake.deliver_ok(&fake.completed_event_at(&session, t)).await;
        // One failure says `refund.failed`, another `refund.updated` with `canceled`.
        let (kind, status) = if number % 2 == 0 {
            ("refund.failed", "failed")
        } else {
            ("refund.updated", "canceled")
        };
        let events = [
            fake.refund_event_at(&session, 10_000, t + 100),
            fake.refund_event_at(&session, 15_000, t + 300),
            fake.refund_object_event_at(
                &session,
                kind,
                &format!("re_{number}"),
                10_000,
                status,
                t + 400,
            ),
        ];
        for index in order {
            fake.deliver_ok(&events[*index]).await;
        }
        assert_eq!(refunded(&app, &session).await, 5_000, "order {order:?}");
        assert_eq!(
            receipts(&app, &session).await.0,
            vec![25_000],
            "order {order:?}"
        );
    }
    assert_eq!(app.db.paid_totals().await.unwrap().raised_minor, 6 * 25_000);
}

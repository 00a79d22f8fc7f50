//! Finding 2: a payment used to be checked against the donation as it stands *now*, so three
//! ordinary orders of events ended as an exception (money taken, no payment, no receipt):
//! a month billed before a change of amount arriving after it, a month billed at the new
//! amount arriving before Stripe's `customer.subscription.updated`, and a checkout priced
//! before the donor changed the method and the fee box. Each is now checked against what
//! Stripe priced it at (the session's or subscription's metadata, the invoice's lines) and
//! ends as a payment; a changed choice also retires the old checkout at Stripe. Every test runs
//! on SQLite and PostgreSQL, with invoices in 2025-03-31.basil's shape.

use reqwest::StatusCode;

use crate::fake_stripe::{now_seconds, Session};
use crate::helpers::{signed_token, Backend, TestApp};
use crate::payments::{donation_of, give_by_card, location, stripe_app, Gift};

on_both_databases!(
    a_month_billed_before_an_amount_change_is_a_payment_not_an_exception,
    a_month_billed_at_a_new_amount_before_its_update_arrives_is_a_payment,
    a_checkout_priced_before_the_method_and_fee_changed_is_retired_and_still_a_payment,
);

/// Payments' amounts, valid receipts' (amount, what the donor added towards card costs), and
/// open exceptions.
async fn books(app: &TestApp, session: &Session) -> (Vec<u64>, Vec<(u64, u64)>, u64) {
    let donation = donation_of(app, session).await;
    let mut paid: Vec<u64> = app
        .db
        .payments_for_donation(&donation.id)
        .await
        .unwrap()
        .iter()
        .map(|payment| payment.amount_minor)
        .collect();
    paid.sort();
    let mut receipts: Vec<(u64, u64)> = app
        .db
        .receipts_of_donation(&donation.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|receipt| receipt.is_valid())
        .map(|receipt| (receipt.amount.minor, receipt.fee.minor))
        .collect();
    receipts.sort();
    (
        paid,
        receipts,
        app.db.count_open_exceptions().await.unwrap(),
    )
}

async fn a_month_billed_before_an_amount_change_is_a_payment_not_an_exception(backend: Backend) {
    let (app, fake) = stripe_app(backend, None).await;
    let session = give_by_card(&app, &fake, &Gift::monthly("200")).await;
    fake.deliver_ok(&fake.completed_event(&session)).await;
    // The donor raised the gift to HK$300 and Stripe confirmed it.
    let now = now_seconds();
    fake.deliver_ok(&fake.subscription_updated_event_at(&session, 30_000, None, now - 60))
        .await;
    assert_eq!(donation_of(&app, &session).await.amount.minor, 30_000);

    // Month 2 was billed at HK$200 before the change; its news arrives after it.
    fake.deliver_ok(&fake.invoice_paid_event_billed(&session, 2, now - 120, 20_000))
        .await;
    assert_eq!(
        books(&app, &session).await,
        (vec![20_000, 20_000], vec![(20_000, 0), (20_000, 0)], 0)
    );
    assert_eq!(app.db.paid_totals().await.unwrap().raised_minor, 40_000);
}

async fn a_month_billed_at_a_new_amount_before_its_update_arrives_is_a_payment(backend: Backend) {
    let (app, fake) = stripe_app(backend, None).await;
    let session = give_by_card(&app, &fake, &Gift::monthly("200")).await;
    fake.deliver_ok(&fake.completed_event(&session)).await;
    let now = now_seconds();
    // Month 2 at HK$300 arrives while the site still has HK$200: Stripe's
    // `customer.subscription.updated` is late.
    fake.deliver_ok(&fake.invoice_paid_event_billed(&session, 2, now - 60, 30_000))
        .await;
    assert_eq!(
        books(&app, &session).await,
        (vec![20_000, 30_000], vec![(20_000, 0), (30_000, 0)], 0)
    );
    fake.deliver_ok(&fake.subscription_updated_event_at(&session, 30_000, None, now - 120))
        .await;
    assert_eq!(donation_of(&app, &session).await.amount.minor, 30_000);
    assert_eq!(app.db.paid_totals().await.unwrap().raised_minor, 50_000);
}

async fn a_checkout_priced_before_the_method_and_fee_changed_is_retired_and_still_a_payment(
    backend: Backend,
) {
    let (app, fake) = stripe_app(backend, None).await;
    let token = signed_token();
    let form = |method: &'static str, cover_fee: bool| {
        let mut fields = Gift {
            method,
            token: token.clone(),
            ..Gift::card("300")
        }
        .fields()
        .map(|(name, value)| (name, value.to_string()))
        .to_vec();
        if cover_fee {
            fields.push(("cover_fee", "yes".to_string()));
        }
        fields
    };
    let submit = |fields: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            let fields: Vec<(&str, &str)> = fields
                .iter()
                .map(|(name, value)| (*name, value.as_str()))
                .collect();
            app.post_form("/en/donate", &fields).await
        }
    };
    // Card, covering the fee: HK$313.
    let first_at = location(&submit(form("card", true)).await);
    let first = fake
        .sessions()
        .into_iter()
        .find(|session| first_at.ends_with(&session.id))
        .unwrap();
    assert_eq!(first.amount(), 31_300);
    // Then a transfer: the card checkout is retired and expired at Stripe.
    let transfer = submit(form("offline", false)).await;
    assert_eq!(transfer.status(), StatusCode::SEE_OTHER);
    assert_eq!(fake.expired_sessions(), vec![first.id.clone()]);
    // Then card again, without the fee: a new checkout at HK$300, not the old one.
    let second_at = location(&submit(form("card", false)).await);
    assert!(!second_at.ends_with(&first.id), "{second_at}");
    let second = fake
        .sessions()
        .into_iter()
        .find(|session| second_at.ends_with(&session.id))
        .unwrap();
    assert_eq!(second.amount(), 30_000);

    // The retired checkout's expiry leaves the gift to the new one.
    fake.deliver_ok(&fake.expired_event(&first)).await;
    assert_eq!(donation_of(&app, &second).await.status.as_str(), "pending");
    fake.deliver_ok(&fake.completed_event(&second)).await;
    assert_eq!(
        books(&app, &second).await,
        (vec![30_000], vec![(30_000, 0)], 0)
    );

    // Had the old tab been paid before it expired, that is a payment at its own price (the fee
    // it covered kept with it), not an exception.
    fake.deliver_ok(&fake.completed_event(&first)).await;
    assert_eq!(
        books(&app, &second).await,
        (vec![30_000, 31_300], vec![(30_000, 0), (31_300, 1_300)], 0)
    );
}

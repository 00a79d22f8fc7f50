//! Card disputes in Stripe's real orders (2025-03-31.basil): a bank's inquiry withdraws no
//! money, so the gift keeps counting, its receipt stands and staff can still refund it; only a
//! chargeback holds the money back, until it is won. Every test runs on SQLite and PostgreSQL.

use reqwest::StatusCode;

use crate::admin::{field_value, staff};
use crate::fake_stripe::Session;
use crate::helpers::{Backend, TestApp};
use crate::payments::{donation_of, eventually, give_by_card, stripe_app, Gift};
use sharecare_db::TaxReceipt;
use sharecare_domain::identifiers::Reference;
use sharecare_domain::staff::Role;

on_both_databases!(
    an_inquiry_opened_and_closed_moves_nothing,
    an_inquiry_that_becomes_a_chargeback_holds_the_money_back_until_won,
);

async fn raised(app: &TestApp) -> u64 {
    app.db.paid_totals().await.unwrap().raised_minor
}

async fn receipts(app: &TestApp, session: &Session) -> Vec<TaxReceipt> {
    let donation = donation_of(app, session).await;
    app.db.receipts_of_donation(&donation.id).await.unwrap()
}

fn reference(session: &Session) -> Reference {
    Reference::parse(session.param("client_reference_id").unwrap()).unwrap()
}

/// Finding 1: an inquiry (`warning_needs_response`, `case_type: inquiry`) used to be taken as
/// an open chargeback: the gift left the total, its receipt was voided and staff could not
/// refund it.
async fn an_inquiry_opened_and_closed_moves_nothing(backend: Backend) {
    let (app, fake) = stripe_app(backend, None).await;
    let session = give_by_card(&app, &fake, &Gift::card("300")).await;
    fake.deliver_ok(&fake.completed_event(&session)).await;
    assert_eq!(raised(&app).await, 30_000);
    let receipts_before = receipts(&app, &session).await;
    assert_eq!(receipts_before.iter().filter(|r| r.is_valid()).count(), 1);

    for (kind, status) in [
        ("charge.dispute.created", "warning_needs_response"),
        ("charge.dispute.updated", "warning_under_review"),
    ] {
        fake.deliver_ok(&fake.dispute_event_at(&session, kind, status))
            .await;
        assert_eq!(raised(&app).await, 30_000, "an inquiry withdraws nothing");
        assert_eq!(
            receipts(&app, &session).await,
            receipts_before,
            "its receipt stands"
        );
    }

    // Staff see it, waiting for an answer, and can still refund the gift.
    let queue = app.db.exceptions_queue().await.unwrap();
    assert!(
        queue
            .iter()
            .any(|item| item.detail.starts_with("inquiry: dp_")),
        "{queue:?}"
    );
    let finance = staff(&app, "finance@example.org", Role::Finance).await;
    let path = format!("/admin/donations/{}", reference(&session).as_str());
    let page = finance.get(&app, &path).await.text().await.unwrap();
    assert!(page.contains("Inquiry: nothing withheld"), "{page}");
    let payment_id = field_value(&page, "payment_id").expect("a refund form under inquiry");
    let request_id = field_value(&page, "request_id").unwrap();
    let refunded = finance
        .post(
            &app,
            &format!("{path}/refund"),
            &[
                ("payment_id", payment_id.as_str()),
                ("amount", "100"),
                ("request_id", request_id.as_str()),
            ],
        )
        .await;
    assert_eq!(refunded.status(), StatusCode::SEE_OTHER);
    assert_eq!(fake.refunds().len(), 1, "the refund reached Stripe");
    let db = app.db.clone();
    eventually("the refund lowers the total", || {
        let db = db.clone();
        async move { db.paid_totals().await.unwrap().raised_minor == 20_000 }
    })
    .await;

    // The inquiry closes without a chargeback: still nothing moves.
    let receipts_after_refund = receipts(&app, &session).await;
    fake.deliver_ok(&fake.dispute_event_at(&session, "charge.dispute.closed", "warning_closed"))
        .await;
    assert_eq!(raised(&app).await, 20_000);
    assert_eq!(receipts(&app, &session).await, receipts_after_refund);
    assert!(
        !app.db
            .exceptions_queue()
            .await
            .unwrap()
            .iter()
            .any(|item| item.detail.contains("dp_")),
        "a closed inquiry needs no one"
    );
}

/// An inquiry may escalate to a chargeback (the same dispute moves on to `needs_response`):
/// then the money is held back, a late event about the inquiry does not give it back, and a
/// won chargeback does.
async fn an_inquiry_that_becomes_a_chargeback_holds_the_money_back_until_won(backend: Backend) {
    let (app, fake) = stripe_app(backend, None).await;
    let session = give_by_card(&app, &fake, &Gift::card("300")).await;
    fake.deliver_ok(&fake.completed_event(&session)).await;
    let inquiry =
        fake.dispute_event_at(&session, "charge.dispute.created", "warning_needs_response");
    fake.deliver_ok(&inquiry).await;
    assert_eq!(raised(&app).await, 30_000);

    fake.deliver_ok(&fake.dispute_event_at(&session, "charge.dispute.updated", "needs_response"))
        .await;
    assert_eq!(raised(&app).await, 0, "a chargeback holds the money back");
    assert!(
        receipts(&app, &session).await.iter().all(|r| !r.is_valid()),
        "nothing received, nothing receipted"
    );
    // The inquiry's events, late (redelivered, or a new event about the old stage): nothing.
    fake.deliver_ok(&inquiry).await;
    fake.deliver_ok(&fake.dispute_event_at(
        &session,
        "charge.dispute.updated",
        "warning_under_review",
    ))
    .await;
    assert_eq!(raised(&app).await, 0);

    fake.deliver_ok(&fake.dispute_event_at(&session, "charge.dispute.closed", "won"))
        .await;
    assert_eq!(raised(&app).await, 30_000, "won: the money is back");
    assert_eq!(
        receipts(&app, &session)
            .await
            .iter()
            .filter(|r| r.is_valid())
            .count(),
        1,
        "and receipted again, once"
    );
    // A late "under review" after the outcome changes nothing.
    fake.deliver_ok(&fake.dispute_event_at(&session, "charge.dispute.updated", "under_review"))
        .await;
    assert_eq!(raised(&app).await, 30_000);
}

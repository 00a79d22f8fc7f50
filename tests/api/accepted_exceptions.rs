//! Finding 2's way out: an exception used to be a dead end (money taken, no payment, no
//! receipt, nothing in the total, its refunds waiting for ever). Finance staff now accept it
//! as a payment, with a reason: it is recorded at what Stripe took and when, receipted and
//! counted, what waited for it is applied, and the audit log says who and why. Every test runs
//! on SQLite and PostgreSQL.

use reqwest::StatusCode;

use crate::admin::staff;
use crate::fake_stripe::now_seconds;
use crate::helpers::{Backend, TestApp};
use crate::payments::{donation_of, give_by_card, stripe_app, Gift};
use sharecare_domain::staff::Role;
use sharecare_domain::time::Timestamp;

on_both_databases!(
    finance_accepts_a_mismatched_payment_and_what_waited_for_it_applies,
    a_payment_that_named_no_gift_is_accepted_for_the_gift_staff_name,
);

async fn only_open_exception(app: &TestApp) -> String {
    let open = app.db.open_exceptions().await.unwrap();
    assert_eq!(open.len(), 1, "{open:?}");
    open[0].id.clone()
}

async fn finance_accepts_a_mismatched_payment_and_what_waited_for_it_applies(backend: Backend) {
    let (app, fake) = stripe_app(backend, None).await;
    let session = give_by_card(&app, &fake, &Gift::card("300")).await;
    let paid_at = now_seconds() - 3_600;
    // Stripe took HK$250 (the checkout says 300): an exception, nothing counted.
    let mut completed = fake.completed_event_at(&session, paid_at);
    completed["data"]["object"]["amount_total"] = serde_json::json!(25_000);
    fake.deliver_ok(&completed).await;
    let exception = only_open_exception(&app).await;
    assert_eq!(app.db.paid_totals().await.unwrap().raised_minor, 0);
    // A refund of part of it arrives and waits for the payment.
    fake.deliver_ok(&fake.refund_event(&session, 5_000)).await;
    assert_eq!(app.db.count_waiting_changes().await.unwrap(), 1);

    let path = format!("/admin/exceptions/exception/{exception}");
    let viewer = staff(&app, "viewer@example.org", Role::Viewer).await;
    let refused = viewer
        .post(&app, &path, &[("action", "accept"), ("note", "checked")])
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let finance = staff(&app, "finance@example.org", Role::Finance).await;
    let page = finance
        .get(&app, "/admin/exceptions")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Accept as payment"), "{page}");
    let no_reason = finance
        .post(&app, &path, &[("action", "accept"), ("note", "  ")])
        .await;
    assert_eq!(no_reason.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason
        .text()
        .await
        .unwrap()
        .contains("Say why this payment is accepted."));
    assert_eq!(app.db.paid_totals().await.unwrap().raised_minor, 0);

    let reason = "Donor confirmed by phone they paid HK$250";
    let accepted = finance
        .post(&app, &path, &[("action", "accept"), ("note", reason)])
        .await;
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    assert!(accepted.headers()["location"]
        .to_str()
        .unwrap()
        .ends_with("done=accepted"));

    // Recorded at what Stripe took, when it took it, with its receipt; the refund applied.
    let donation = donation_of(&app, &session).await;
    assert_eq!(donation.status.as_str(), "paid");
    assert!(donation.flag.is_none(), "no longer flagged");
    let payments = app.db.payments_for_donation(&donation.id).await.unwrap();
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0].amount_minor, 25_000);
    assert_eq!(payments[0].refunded_minor, 5_000);
    assert_eq!(payments[0].paid_at, Timestamp::from_seconds(paid_at));
    assert_eq!(app.db.count_waiting_changes().await.unwrap(), 0);
    assert_eq!(app.db.paid_totals().await.unwrap().raised_minor, 20_000);
    let receipts: Vec<u64> = app
        .db
        .receipts_of_donation(&donation.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|receipt| receipt.is_valid())
        .map(|receipt| receipt.amount.minor)
        .collect();
    assert_eq!(receipts, vec![20_000]);
    assert_eq!(app.db.count_open_exceptions().await.unwrap(), 0);
    let audit = app.db.audit_for_donation(&donation.id).await.unwrap();
    let entry = audit
        .iter()
        .find(|entry| entry.action == "exception_accepted")
        .expect("audited");
    assert_eq!(entry.actor_email, "finance@example.org");
    assert!(entry.after_value.as_deref().unwrap().contains(reason));

    // Accepting it again records nothing more.
    let again = finance
        .post(&app, &path, &[("action", "accept"), ("note", reason)])
        .await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.db
            .payments_for_donation(&donation.id)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn a_payment_that_named_no_gift_is_accepted_for_the_gift_staff_name(backend: Backend) {
    let (app, fake) = stripe_app(backend, None).await;
    let session = give_by_card(&app, &fake, &Gift::card("300")).await;
    let mut completed = fake.completed_event(&session);
    let object = &mut completed["data"]["object"];
    object["metadata"] = serde_json::json!({});
    object["client_reference_id"] = serde_json::Value::Null;
    fake.deliver_ok(&completed).await;
    let exception = only_open_exception(&app).await;

    let finance = staff(&app, "finance@example.org", Role::Finance).await;
    let path = format!("/admin/exceptions/exception/{exception}");
    let note = (
        "note",
        "Paid from the gala table; reference on the pledge card",
    );
    let without = finance
        .post(&app, &path, &[("action", "accept"), note])
        .await;
    assert_eq!(without.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(without
        .text()
        .await
        .unwrap()
        .contains("give the reference of the gift it pays for"));
    let unknown = finance
        .post(
            &app,
            &path,
            &[("action", "accept"), note, ("reference", "LBC-ZZZZZZ")],
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let reference = session.param("client_reference_id").unwrap().to_lowercase();
    let accepted = finance
        .post(
            &app,
            &path,
            &[
                ("action", "accept"),
                note,
                ("reference", reference.as_str()),
            ],
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    let donation = donation_of(&app, &session).await;
    assert_eq!(donation.status.as_str(), "paid");
    assert_eq!(app.db.paid_totals().await.unwrap().raised_minor, 30_000);
    // The webhook sent again (Stripe's retry) records it no second time.
    fake.deliver_ok(&fake.completed_event(&session)).await;
    assert_eq!(
        app.db
            .payments_for_donation(&donation.id)
            .await
            .unwrap()
            .len(),
        1
    );
}

//! Every payment accounted for: Stripe's events in the pinned API version's shapes (monthly
//! refunds through the invoice's payment intent, refunds before their payment, disputes), money
//! for no gift of ours kept for staff, and the sweep that catches up after a webhook outage.
//! Every test runs on SQLite and on PostgreSQL.

use crate::fake_stripe::FakeStripe;
use crate::helpers::{spawn_app_with, Backend, TestApp};
use crate::payments::{
    donation_of, eventually, give_by_card, payment_count, stripe_app, stripe_settings, Gift,
};
use crate::smtp_sink::SmtpSink;
use sharecare_db::DonationMessage;
use sharecare_services::payment::stripe::API_VERSION;

on_both_databases!(
    a_later_months_refund_comes_off_the_total,
    a_refund_before_its_payment_is_applied_when_the_payment_arrives,
    disputes_come_off_the_total_while_open_and_for_good_when_lost,
    money_for_no_gift_of_ours_is_kept_for_staff,
    the_sweep_finds_gifts_paid_while_webhooks_were_down,
    every_call_to_stripe_names_the_pinned_version,
);

async fn raised(app: &TestApp) -> u64 {
    app.db.paid_totals().await.unwrap().raised_minor
}

/// In 2025-03-31.basil an invoice no longer names its payment intent and a charge no longer
/// names its invoice: the link comes from `invoice_payment.paid`. A refund of the second
/// month's charge must find that month's payment through it.
async fn a_later_months_refund_comes_off_the_total(backend: Backend) {
    let (app, fake) = stripe_app(backend, None).await;
    let session = give_by_card(&app, &fake, &Gift::monthly("200")).await;
    // Month one, as Stripe reports it: the session, its invoice, and the invoice's payment.
    fake.deliver_ok(&fake.completed_event(&session)).await;
    fake.deliver_ok(&fake.invoice_paid_event(&session, 1)).await;
    fake.deliver_ok(&fake.invoice_payment_paid_event(&session, 1))
        .await;
    // Month two, its invoice payment first this time (Stripe promises no order).
    fake.deliver_ok(&fake.invoice_payment_paid_event(&session, 2))
        .await;
    fake.deliver_ok(&fake.invoice_paid_event(&session, 2)).await;
    let donation = donation_of(&app, &session).await;
    assert_eq!(payment_count(&app, &donation).await, 2);
    assert_eq!(raised(&app).await, 40_000);

    // The second month is refunded in full: only the first month counts.
    fake.deliver_ok(&fake.refund_month_event(&session, 2, 20_000))
        .await;
    assert_eq!(raised(&app).await, 20_000);
    // Part of the first month too.
    fake.deliver_ok(&fake.refund_month_event(&session, 1, 5_000))
        .await;
    assert_eq!(raised(&app).await, 15_000);
    assert_eq!(
        app.state.donations.progress().raised_minor,
        18_250_000 + 15_000
    );
    assert_eq!(app.db.count_waiting_changes().await.unwrap(), 0);
}

async fn a_refund_before_its_payment_is_applied_when_the_payment_arrives(backend: Backend) {
    let (app, fake) = stripe_app(backend, None).await;

    // A one-off gift: the refund's event overtakes the payment's.
    let one_off = give_by_card(&app, &fake, &Gift::card("300")).await;
    let refund = fake.refund_event(&one_off, 10_000);
    fake.deliver_ok(&refund).await;
    assert_eq!(raised(&app).await, 0);
    assert_eq!(
        app.db.count_waiting_changes().await.unwrap(),
        1,
        "kept, not dropped"
    );
    fake.deliver_ok(&fake.completed_event(&one_off)).await;
    assert_eq!(
        raised(&app).await,
        20_000,
        "the refund applied with its payment"
    );
    assert_eq!(app.db.count_waiting_changes().await.unwrap(), 0);
    // Delivered again, it is not taken off twice.
    fake.deliver_ok(&refund).await;
    assert_eq!(raised(&app).await, 20_000);

    // A monthly gift's second month: the refund comes first, then the invoice, then the
    // invoice payment that links the two.
    let session = give_by_card(&app, &fake, &Gift::monthly("200")).await;
    fake.deliver_ok(&fake.completed_event(&session)).await;
    fake.deliver_ok(&fake.invoice_paid_event(&session, 1)).await;
    assert_eq!(raised(&app).await, 40_000);
    fake.deliver_ok(&fake.refund_month_event(&session, 2, 20_000))
        .await;
    fake.deliver_ok(&fake.invoice_paid_event(&session, 2)).await;
    assert_eq!(raised(&app).await, 60_000, "not linked to its refund yet");
    fake.deliver_ok(&fake.invoice_payment_paid_event(&session, 2))
        .await;
    assert_eq!(raised(&app).await, 40_000);
    assert_eq!(app.db.count_waiting_changes().await.unwrap(), 0);
}

async fn disputes_come_off_the_total_while_open_and_for_good_when_lost(backend: Backend) {
    let (app, fake) = stripe_app(backend, None).await;
    let lost = give_by_card(&app, &fake, &Gift::card("300")).await;
    let won = give_by_card(&app, &fake, &Gift::card("500")).await;
    fake.deliver_ok(&fake.completed_event(&lost)).await;
    fake.deliver_ok(&fake.completed_event(&won)).await;
    assert_eq!(raised(&app).await, 80_000);

    fake.deliver_ok(&fake.dispute_event(&lost, None)).await;
    assert_eq!(
        raised(&app).await,
        50_000,
        "held back while the dispute is open"
    );
    fake.deliver_ok(&fake.dispute_event(&won, None)).await;
    assert_eq!(raised(&app).await, 0);

    let closed_lost = fake.dispute_event(&lost, Some("lost"));
    fake.deliver_ok(&closed_lost).await;
    fake.deliver_ok(&fake.dispute_event(&won, Some("won")))
        .await;
    assert_eq!(
        raised(&app).await,
        50_000,
        "a won dispute gives the money back"
    );
    // Redelivered, and a late "created" after the close: nothing moves.
    fake.deliver_ok(&closed_lost).await;
    fake.deliver_ok(&fake.dispute_event(&lost, None)).await;
    assert_eq!(raised(&app).await, 50_000);
    let totals = app.db.paid_totals().await.unwrap();
    assert_eq!(
        totals.supporters, 1,
        "the lost dispute's donor no longer counts"
    );
    assert_eq!(
        app.state.donations.progress().raised_minor,
        18_250_000 + 50_000,
        "the live total follows"
    );
}

async fn money_for_no_gift_of_ours_is_kept_for_staff(backend: Backend) {
    let (app, fake) = stripe_app(backend, None).await;
    let session = give_by_card(&app, &fake, &Gift::card("300")).await;
    let mut stranger = fake.completed_event(&session);
    let object = &mut stranger["data"]["object"];
    object["id"] = "cs_from_another_site".into();
    object["payment_intent"] = "pi_from_another_site".into();
    object["client_reference_id"] = "LBC-777777".into();
    object["metadata"] = serde_json::json!({ "donation_id": "not-ours" });
    fake.deliver_ok(&stranger).await;
    fake.deliver_ok(&stranger).await;
    let exceptions = app.db.open_exceptions().await.unwrap();
    assert_eq!(exceptions.len(), 1, "one row per event: {exceptions:?}");
    let exception = &exceptions[0];
    assert_eq!(exception.kind, "unknown_donation");
    assert_eq!(exception.donation_id, None);
    assert_eq!(exception.received_minor, Some(30_000));
    assert_eq!(exception.received_currency.as_deref(), Some("HKD"));
    assert_eq!(exception.source_id.as_deref(), Some("pi_from_another_site"));
    assert_eq!(raised(&app).await, 0);
    assert_eq!(
        donation_of(&app, &session).await.status.as_str(),
        "pending",
        "our own gift is untouched"
    );
}

/// Stripe's deliveries are down for longer than it retries; the donor paid all the same. The
/// sweep asks Stripe about the stale checkout, records the payment once and queues one receipt;
/// the webhook that arrives at last changes nothing.
async fn the_sweep_finds_gifts_paid_while_webhooks_were_down(backend: Backend) {
    let sink = SmtpSink::start().await;
    let fake = FakeStripe::start().await;
    let mut settings = stripe_settings(&fake, Some(&sink));
    settings.extend([
        ("RECONCILE_EVERY_SECONDS", "1".to_string()),
        ("RECONCILE_AFTER_SECONDS", "1".to_string()),
    ]);
    let app = spawn_app_with(backend, &settings).await;
    fake.send_webhooks_to(&app.url("/webhooks/stripe"));
    fake.hold_webhooks();

    let paid = give_by_card(&app, &fake, &Gift::card("300")).await;
    let unpaid = give_by_card(&app, &fake, &Gift::card("400")).await;
    fake.pay(&paid).await;
    let paid_donation = donation_of(&app, &paid).await;
    assert_eq!(paid_donation.status.as_str(), "pending", "no webhook came");

    let db = app.db.clone();
    let id = paid_donation.id.clone();
    eventually(
        "the sweep records the payment and sends its receipt",
        || {
            let (db, sink, id) = (db.clone(), sink.clone(), id.clone());
            async move {
                db.donation_by_id(&id)
                    .await
                    .unwrap()
                    .unwrap()
                    .status
                    .as_str()
                    == "paid"
                    && sink.received().len() == 1
            }
        },
    )
    .await;
    assert_eq!(payment_count(&app, &paid_donation).await, 1);
    assert_eq!(
        db.count_messages_for_donation(&id, DonationMessage::Receipt)
            .await
            .unwrap(),
        1
    );
    assert_eq!(raised(&app).await, 30_000);
    assert_eq!(
        donation_of(&app, &unpaid).await.status.as_str(),
        "pending",
        "a checkout Stripe says is unpaid stays pending"
    );

    // The webhook arrives at last: accepted, and nothing more is recorded or sent.
    fake.deliver_ok(&fake.completed_event(&paid)).await;
    assert_eq!(payment_count(&app, &paid_donation).await, 1);
    assert_eq!(
        db.count_messages_for_donation(&id, DonationMessage::Receipt)
            .await
            .unwrap(),
        1
    );
    assert_eq!(raised(&app).await, 30_000);
}

async fn every_call_to_stripe_names_the_pinned_version(backend: Backend) {
    let fake = FakeStripe::start().await;
    let mut settings = stripe_settings(&fake, None);
    settings.extend([
        ("RECONCILE_EVERY_SECONDS", "1".to_string()),
        ("RECONCILE_AFTER_SECONDS", "1".to_string()),
    ]);
    let app = spawn_app_with(backend, &settings).await;
    let session = give_by_card(&app, &fake, &Gift::card("300")).await;
    let calls = fake.clone();
    eventually("the sweep asks Stripe about the checkout", || {
        let calls = calls.clone();
        async move { calls.retrievals() > 0 }
    })
    .await;
    let versions = fake.versions_seen();
    assert_eq!(API_VERSION, "2025-03-31.basil");
    assert!(versions.len() >= 2, "a create and a retrieve: {versions:?}");
    assert!(
        versions.iter().all(|version| version == API_VERSION),
        "{versions:?}"
    );
    assert_eq!(
        fake.requests(),
        versions.len(),
        "not one call without the header"
    );
    assert_eq!(donation_of(&app, &session).await.status.as_str(), "pending");
}

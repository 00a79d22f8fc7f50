//! A receipt is dated, and numbered in its tax year, by when the money was taken as the payment
//! provider records it, not by when the news reached the site. Runs on SQLite and PostgreSQL.

use std::time::Duration;

use crate::fake_stripe::Session;
use crate::helpers::{Backend, TestApp};
use crate::payments::{donation_of, give_by_card, stripe_app, Gift};
use sharecare_db::TaxReceipt;
use sharecare_domain::time::{hong_kong_midnight, Timestamp};

on_both_databases!(
    a_payment_at_2358_on_31_march_delivered_after_midnight_is_receipted_in_the_earlier_year,
);

async fn receipts(app: &TestApp, session: &Session) -> Vec<TaxReceipt> {
    let donation = donation_of(app, session).await;
    app.db.receipts_of_donation(&donation.id).await.unwrap()
}

/// Finding 3: the payment's date was when the webhook was handled, so a gift made two minutes
/// before the year of assessment ended, whose event arrived (or was swept up) after midnight,
/// was receipted in the next year.
async fn a_payment_at_2358_on_31_march_delivered_after_midnight_is_receipted_in_the_earlier_year(
    backend: Backend,
) {
    let (app, fake) = stripe_app(backend, None).await;
    // 23:58 on 31 March 2026, Hong Kong time; the events arrive now, months later.
    let last_minutes = hong_kong_midnight(2026, 4, 1)
        .unwrap()
        .minus(Duration::from_secs(120));

    let one_off = give_by_card(&app, &fake, &Gift::card("300")).await;
    fake.deliver_ok(&fake.completed_event_at(&one_off, last_minutes.seconds()))
        .await;

    let monthly = give_by_card(
        &app,
        &fake,
        &Gift {
            frequency: "monthly",
            ..Gift::card("200")
        },
    )
    .await;
    // The invoice says when it was paid; its event is made a little later (00:00:00 here).
    fake.deliver_ok(&fake.invoice_paid_event_at(&monthly, 1, last_minutes.seconds() + 118))
        .await;

    for (session, paid_at) in [
        (&one_off, last_minutes),
        (&monthly, last_minutes.plus(Duration::from_secs(118))),
    ] {
        let receipts = receipts(&app, session).await;
        assert_eq!(receipts.len(), 1, "{receipts:?}");
        assert_eq!(
            receipts[0].series, "2025-26",
            "the year that ended on 31 March"
        );
        assert_eq!(receipts[0].paid_at, paid_at);
        assert_eq!(receipts[0].paid_at.hong_kong_iso_date(), "2026-03-31");
    }
    // Paid "in the future" (a provider's clock ahead of ours) is never dated after now.
    let ahead = give_by_card(&app, &fake, &Gift::card("100")).await;
    let tomorrow = Timestamp::now().plus(Duration::from_secs(86_400));
    fake.deliver_ok(&fake.completed_event_at(&ahead, tomorrow.seconds()))
        .await;
    assert!(receipts(&app, &ahead).await[0].paid_at <= Timestamp::now());
}

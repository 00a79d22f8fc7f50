//! Stripe promises no order: every event applied once, whenever it arrives, leaves a gift as
//! the latest report says. Runs on SQLite and PostgreSQL.

use crate::fake_stripe::now_seconds;
use crate::helpers::Backend;
use crate::payments::{donation_of, give_by_card, stripe_app, Gift};
use sharecare_domain::time::Timestamp;

on_both_databases!(an_old_subscription_update_after_a_newer_one_changes_nothing,);

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

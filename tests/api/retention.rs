//! The retention job keeps the privacy notice's promise whatever hangs on an old pledge: a
//! row that names a pledge never paid is deleted with it, and every step of the job runs
//! whatever became of the others (issue 23, finding 2). Runs on SQLite and PostgreSQL.

use sharecare_db::{GiftChange, SessionRecord, SessionTable, PAYMENT_RECORDS, PLEDGE_DEPENDENTS};
use sharecare_domain::admin::QueueKind;
use sharecare_domain::time::{Timestamp, ONE_DAY};
use sharecare_services::retention::Retention;

use crate::admin::pledge;
use crate::helpers::{spawn_app_on, Backend, TestApp};

on_both_databases!(
    every_table_that_names_a_donation_is_either_deleted_with_a_pledge_or_keeps_it,
    a_year_old_pledge_with_a_donor_message_is_deleted_and_every_other_step_runs,
    a_year_old_pledge_with_a_change_the_donor_asked_for_is_deleted,
    expired_sessions_of_staff_and_donors_are_deleted,
);

/// The retention job on a test app's own handles.
pub(crate) fn retention(app: &TestApp) -> Retention {
    Retention {
        db: app.db.clone(),
        donations: app.state.donations.clone(),
        limits: app.state.limits.clone(),
        donors: app.state.donors.clone(),
    }
}

/// A moment past the privacy notice's period for pledges made now.
fn past_the_period(app: &TestApp) -> Timestamp {
    let days = app.state.content.privacy.unpaid_pledges_kept_days;
    Timestamp::now().plus(ONE_DAY * (days + 1))
}

/// A migration that adds a table naming donations must say what the retention job does with
/// its rows: delete them with an unpaid pledge, or (money, exceptions) keep the pledge.
async fn every_table_that_names_a_donation_is_either_deleted_with_a_pledge_or_keeps_it(
    backend: Backend,
) {
    let app = spawn_app_on(backend).await;
    let mut known: Vec<&str> = PLEDGE_DEPENDENTS
        .iter()
        .chain(PAYMENT_RECORDS.iter())
        .copied()
        .collect();
    known.sort();
    let schema = app.db.tables_referencing_donations().await.unwrap();
    assert_eq!(schema, known, "tables with a foreign key to donations");
}

async fn a_year_old_pledge_with_a_donor_message_is_deleted_and_every_other_step_runs(
    backend: Backend,
) {
    let app = spawn_app_on(backend).await;
    let old = pledge(&app, "300", "Chan Tai Man", "one_off").await;
    let donation = app.db.donation_by_reference(&old).await.unwrap().unwrap();
    // "Tell us": the donor says the standing order was never set up.
    app.db
        .insert_donor_message(
            &donation.id,
            donation.email.as_str(),
            "I never set up the transfer",
            Timestamp::now(),
        )
        .await
        .unwrap();
    let report = retention(&app).sweep(past_the_period(&app)).await;
    assert_eq!(report.failed, Vec::<&str>::new(), "every step ran");
    assert_eq!(report.pledges, 1);
    assert!(app.db.donation_by_reference(&old).await.unwrap().is_none());
    let queue = app.db.exceptions_queue().await.unwrap();
    assert!(
        queue
            .iter()
            .all(|item| item.kind != QueueKind::DonorMessage),
        "its message went with it"
    );
}

async fn a_year_old_pledge_with_a_change_the_donor_asked_for_is_deleted(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let old = pledge(&app, "300", "Chan Tai Man", "monthly").await;
    let donation = app.db.donation_by_reference(&old).await.unwrap().unwrap();
    app.db
        .insert_gift_change(&GiftChange {
            id: sharecare_domain::secrets::random_hex::<16>(),
            donation_id: donation.id.clone(),
            kind: "cancel".into(),
            detail: Some("moving abroad".into()),
            requested_at: Timestamp::now(),
            error: None,
            confirmed_at: None,
        })
        .await
        .unwrap();
    let report = retention(&app).sweep(past_the_period(&app)).await;
    assert_eq!(report.failed, Vec::<&str>::new());
    assert_eq!(report.pledges, 1);
    assert!(app.db.donation_by_reference(&old).await.unwrap().is_none());
}

async fn expired_sessions_of_staff_and_donors_are_deleted(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let now = Timestamp::now();
    for table in [SessionTable::Staff, SessionTable::Donor] {
        for (id, expires_at) in [
            ("expired", now.seconds() - 10),
            ("live", now.seconds() + 3_600),
        ] {
            let record = SessionRecord {
                data: "{}".into(),
                expires_at,
            };
            assert!(app.db.create_session(table, id, &record).await.unwrap());
        }
    }
    let report = retention(&app).sweep(now).await;
    assert_eq!(report.failed, Vec::<&str>::new());
    for table in [SessionTable::Staff, SessionTable::Donor] {
        // What is left, counted by deleting it all: the live session only.
        assert_eq!(
            app.db
                .delete_expired_sessions(table, i64::MAX)
                .await
                .unwrap(),
            1,
            "{table:?}"
        );
    }
}

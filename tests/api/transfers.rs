//! Money that reaches the bank (issue 22, findings 10 to 12, and the statement page's truth):
//! each statement line or hand confirmation is a payment of its own; part payments count; a
//! second payment in a month is recorded and flagged; a line for money confirmed by hand is
//! "already recorded"; lines are per account; weak matches need a tick; future lines are
//! held; unmatched money stays under Needs attention; "Confirm as paid" is reviewed first and
//! can be undone; a bank refund, an undone line and a bounced cheque void receipts.

use reqwest::StatusCode;
use sharecare_domain::admin::QueueKind;
use sharecare_domain::identifiers::Reference;
use sharecare_domain::staff::Role;
use sharecare_domain::time::{parse_hong_kong_local, Timestamp, ONE_DAY};
use sharecare_services::statements::{Doubt, Proposal};

use crate::admin::{pledge, raised, staff, upload_from, Staffer, ACCOUNT};
use crate::helpers::{spawn_app_on, spawn_app_with, Backend, TestApp};

on_both_databases!(
    two_transfers_in_one_month_are_two_payments,
    a_hand_confirmed_payment_on_the_statement_is_already_recorded,
    part_payments_of_150_and_150_complete_a_300_pledge,
    identical_lines_on_two_accounts_are_two_lines,
    a_match_on_amount_and_date_alone_is_weak_and_needs_a_tick,
    an_offline_refund_voids_its_receipt,
    a_misapplied_statement_line_can_be_undone,
    a_future_dated_line_is_held,
    unmatched_money_stays_under_needs_attention_until_dealt_with,
    a_typed_reference_that_cannot_be_applied_says_why,
    confirm_as_paid_is_reviewed_first_records_the_time_and_can_be_undone,
    a_confirmation_past_its_undo_window_is_returned_as_a_bank_refund,
    a_cheque_gift_is_receipted_and_a_bounced_cheque_voids_it,
);

fn today() -> String {
    Timestamp::now().hong_kong_iso_date()
}

/// An hour ago, as a `datetime-local` field holds it (never in the future, whatever the hour).
fn an_hour_ago() -> String {
    Timestamp::now()
        .minus(std::time::Duration::from_secs(3600))
        .hong_kong_date_time()
        .replace(' ', "T")
}

/// Uploads `rows` (date, text, amount) as a statement in a layout the app then knows, and
/// returns the import's id.
async fn statement(
    app: &TestApp,
    who: &Staffer,
    name: &str,
    rows: &[(&str, &str, &str)],
) -> String {
    statement_of(app, who, ACCOUNT, name, rows).await
}

async fn statement_of(
    app: &TestApp,
    who: &Staffer,
    account: &str,
    name: &str,
    rows: &[(&str, &str, &str)],
) -> String {
    let mut csv = String::from("Date,Details,Deposit\n");
    for (date, text, amount) in rows {
        csv.push_str(&format!("{date},{text},{amount}\n"));
    }
    let uploaded = upload_from(app, who, account, name, &csv).await;
    assert_eq!(uploaded.status(), StatusCode::SEE_OTHER);
    let location = uploaded.headers()["location"].to_str().unwrap().to_string();
    let import = location.rsplit('/').next().unwrap().to_string();
    // A new layout is mapped once; later uploads are read at once.
    let review = app
        .state
        .donations
        .review_statement(&import)
        .await
        .unwrap()
        .unwrap();
    if review.import.read_at.is_none() {
        let mapped = who
            .post(
                app,
                &format!("{location}/columns"),
                &[
                    ("date_column", "0"),
                    ("date_format", "ymd"),
                    ("amount_column", "2"),
                    ("text_column", "1"),
                ],
            )
            .await;
        assert_eq!(mapped.status(), StatusCode::SEE_OTHER);
    }
    import
}

async fn proposals(app: &TestApp, import: &str) -> Vec<(String, Proposal)> {
    app.state
        .donations
        .review_statement(import)
        .await
        .unwrap()
        .unwrap()
        .lines
        .into_iter()
        .map(|(line, proposal)| (line.id, proposal))
        .collect()
}

async fn line_action(
    app: &TestApp,
    who: &Staffer,
    import: &str,
    line: &str,
    fields: &[(&str, &str)],
) -> String {
    let mut form = vec![("import", import)];
    form.extend_from_slice(fields);
    let response = who
        .post(app, &format!("/admin/statement-lines/{line}"), &form)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    response.headers()["location"].to_str().unwrap().to_string()
}

async fn donation_id(app: &TestApp, reference: &Reference) -> String {
    app.db
        .donation_by_reference(reference)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// The gift's receipts as (amount in minor units, still valid).
async fn receipts(app: &TestApp, reference: &Reference) -> Vec<(u64, bool)> {
    let id = donation_id(app, reference).await;
    app.db
        .receipts_of_donation(&id)
        .await
        .unwrap()
        .iter()
        .map(|receipt| (receipt.amount.minor, receipt.is_valid()))
        .collect()
}

async fn confirm_by_hand(app: &TestApp, who: &Staffer, reference: &Reference, amount: &str) {
    let confirmed = who
        .post(
            app,
            &format!("/admin/donations/{}/confirm", reference.as_str()),
            &[
                ("amount", amount),
                ("received_at", &an_hour_ago()),
                ("accept_difference", "yes"),
            ],
        )
        .await;
    assert_eq!(confirmed.status(), StatusCode::SEE_OTHER);
    assert!(confirmed.headers()["location"]
        .to_str()
        .unwrap()
        .ends_with("done=confirmed"));
}

async fn queue_kinds(app: &TestApp) -> Vec<QueueKind> {
    app.db
        .exceptions_queue()
        .await
        .unwrap()
        .into_iter()
        .map(|item| item.kind)
        .collect()
}

async fn two_transfers_in_one_month_are_two_payments(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let finance = staff(&app, "finance@example.org", Role::Finance).await;
    let monthly = pledge(&app, "200", "Wong Ka Yan", "monthly").await;
    let text = format!("STANDING ORDER {}", monthly.as_str());
    // Last month's standing order booked late, and this month's: the same day, the same text.
    let import = statement(
        &app,
        &finance,
        "this-month.csv",
        &[(&today(), &text, "200.00"), (&today(), &text, "200.00")],
    )
    .await;
    let lines = proposals(&app, &import).await;
    assert!(
        lines.iter().all(|(_, p)| matches!(p, Proposal::Clear(_))),
        "{lines:?}"
    );
    let confirmed = finance
        .post(&app, &format!("/admin/statements/{import}/confirm"), &[])
        .await;
    assert!(confirmed.headers()["location"]
        .to_str()
        .unwrap()
        .ends_with("confirmed=2"));
    assert_eq!(raised(&app).await, 40_000, "both transfers are money in");
    assert_eq!(
        receipts(&app, &monthly).await,
        vec![(20_000, true), (20_000, true)]
    );
    // The second is flagged for staff, on the gift's page and under Needs attention.
    assert_eq!(
        queue_kinds(&app)
            .await
            .iter()
            .filter(|kind| **kind == QueueKind::SecondPayment)
            .count(),
        1
    );
    let page = finance
        .get(&app, &format!("/admin/donations/{}", monthly.as_str()))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Second payment this month"), "{page}");
}

async fn a_hand_confirmed_payment_on_the_statement_is_already_recorded(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let finance = staff(&app, "finance@example.org", Role::Finance).await;
    let gift = pledge(&app, "300", "Chan Tai Man", "one_off").await;
    confirm_by_hand(&app, &finance, &gift, "300").await;
    let import = statement(
        &app,
        &finance,
        "later.csv",
        &[(&today(), &format!("FPS {} CHAN", gift.as_str()), "300.00")],
    )
    .await;
    let lines = proposals(&app, &import).await;
    let (line, proposal) = &lines[0];
    let Proposal::AlreadyRecorded(donation, Some(payment)) = proposal else {
        panic!("offered as already recorded, not a new match: {proposal:?}");
    };
    assert_eq!(donation.reference, gift);
    let page = finance
        .get(&app, &format!("/admin/statements/{import}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Already recorded"), "{page}");
    assert!(!page.contains("No pledge found"));
    // "Confirm all clear matches" records nothing; linking records nothing new either.
    let none = finance
        .post(&app, &format!("/admin/statements/{import}/confirm"), &[])
        .await;
    assert!(none.headers()["location"]
        .to_str()
        .unwrap()
        .ends_with("confirmed=0"));
    let linked = line_action(
        &app,
        &finance,
        &import,
        line,
        &[("action", "link"), ("payment", &payment.payment_id)],
    )
    .await;
    assert!(linked.ends_with("linked=1"), "{linked}");
    assert!(matches!(
        proposals(&app, &import).await[0].1,
        Proposal::Done
    ));
    assert_eq!(raised(&app).await, 30_000);
    assert_eq!(
        receipts(&app, &gift).await,
        vec![(30_000, true)],
        "one receipt"
    );
}

async fn part_payments_of_150_and_150_complete_a_300_pledge(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let finance = staff(&app, "finance@example.org", Role::Finance).await;
    let gift = pledge(&app, "300", "Chan Tai Man", "one_off").await;
    let text = format!("FPS {} CHAN", gift.as_str());
    let first = statement(&app, &finance, "first.csv", &[(&today(), &text, "150.00")]).await;
    let (line, proposal) = proposals(&app, &first).await.remove(0);
    assert!(
        matches!(proposal, Proposal::Check(_, Doubt::AmountDiffers)),
        "{proposal:?}"
    );
    let done = line_action(
        &app,
        &finance,
        &first,
        &line,
        &[
            ("action", "confirm"),
            ("reference", gift.as_str()),
            ("accept_difference", "yes"),
        ],
    )
    .await;
    assert!(done.ends_with("confirmed=1"), "{done}");
    assert_eq!(raised(&app).await, 15_000, "the part payment counts");
    let page = finance
        .get(&app, &format!("/admin/donations/{}", gift.as_str()))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("HK$150 still to come"), "{page}");
    // The second half, on the next statement, is a clear match for what remains.
    let second = statement(
        &app,
        &finance,
        "second.csv",
        &[(&today(), &format!("{text} PART 2"), "150.00")],
    )
    .await;
    assert!(matches!(
        proposals(&app, &second).await[0].1,
        Proposal::Clear(_)
    ));
    let confirmed = finance
        .post(&app, &format!("/admin/statements/{second}/confirm"), &[])
        .await;
    assert!(confirmed.headers()["location"]
        .to_str()
        .unwrap()
        .ends_with("confirmed=1"));
    assert_eq!(raised(&app).await, 30_000);
    assert_eq!(
        receipts(&app, &gift).await,
        vec![(15_000, true), (15_000, true)]
    );
    let candidates = app.db.transfer_candidates().await.unwrap();
    assert!(
        candidates.iter().all(|(d, _)| d.reference != gift),
        "paid in full, it awaits nothing"
    );
}

async fn identical_lines_on_two_accounts_are_two_lines(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let finance = staff(&app, "finance@example.org", Role::Finance).await;
    let rows = [(
        today(),
        "FPS CHAN TAI MAN".to_string(),
        "500.00".to_string(),
    )];
    let rows: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    let main = statement_of(&app, &finance, "HSBC 004-111111-001", "main.csv", &rows).await;
    let other = statement_of(&app, &finance, "BOC 012-222222-002", "other.csv", &rows).await;
    let again = statement_of(
        &app,
        &finance,
        "HSBC 004 111111 001",
        "main-again.csv",
        &rows,
    )
    .await;
    let read = |import: String| {
        let app = &app;
        async move {
            let review = app
                .state
                .donations
                .review_statement(&import)
                .await
                .unwrap()
                .unwrap();
            (review.import.lines_read, review.import.lines_known)
        }
    };
    assert_eq!(read(main).await, (1, 0));
    assert_eq!(
        read(other).await,
        (1, 0),
        "another account's line is another line"
    );
    assert_eq!(read(again).await, (1, 1), "the same account again: known");
    // No account named: refused with a clear message, nothing stored.
    let unnamed = upload_from(
        &app,
        &finance,
        "  ",
        "x.csv",
        "Date,Details,Deposit\n2026-11-01,A,1\n",
    )
    .await;
    assert_eq!(unnamed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unnamed
        .text()
        .await
        .unwrap()
        .contains("name the bank account"));
}

async fn a_match_on_amount_and_date_alone_is_weak_and_needs_a_tick(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let finance = staff(&app, "finance@example.org", Role::Finance).await;
    let gift = pledge(&app, "137.50", "Lam Mei", "one_off").await;
    let import = statement(
        &app,
        &finance,
        "weak.csv",
        &[(&today(), "FPS TRANSFER LAM", "137.50")],
    )
    .await;
    let (line, proposal) = proposals(&app, &import).await.remove(0);
    assert!(matches!(proposal, Proposal::Check(_, Doubt::AmountAndDate)));
    assert!(proposal.is_weak());
    let page = finance
        .get(&app, &format!("/admin/statements/{import}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Weak match"), "{page}");
    assert!(
        page.contains("Pledge made 0 days ago by Lam Mei"),
        "the pledge's age and name"
    );
    assert!(page.contains("name=\"checked\""), "a tick is asked for");
    let unticked = line_action(
        &app,
        &finance,
        &import,
        &line,
        &[("action", "confirm"), ("reference", gift.as_str())],
    )
    .await;
    assert!(unticked.ends_with("problem=unchecked"));
    assert_eq!(raised(&app).await, 0);
    let shown = finance.get(&app, &unticked).await.text().await.unwrap();
    assert!(shown.contains("does not carry the pledge"), "says why");
    let ticked = line_action(
        &app,
        &finance,
        &import,
        &line,
        &[
            ("action", "confirm"),
            ("reference", gift.as_str()),
            ("checked", "yes"),
        ],
    )
    .await;
    assert!(ticked.ends_with("confirmed=1"));
    assert_eq!(raised(&app).await, 13_750);
}

async fn an_offline_refund_voids_its_receipt(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let finance = staff(&app, "finance@example.org", Role::Finance).await;
    let gift = pledge(&app, "300", "Chan Tai Man", "one_off").await;
    confirm_by_hand(&app, &finance, &gift, "300").await;
    let id = donation_id(&app, &gift).await;
    let payment = app.db.payments_for_donation(&id).await.unwrap()[0]
        .id
        .clone();
    let path = format!("/admin/donations/{}/payments/{payment}", gift.as_str());
    // A reason is needed, and no more than was received can go back.
    let no_reason = finance
        .post(&app, &path, &[("action", "bank_refund"), ("amount", "100")])
        .await;
    assert_eq!(no_reason.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let too_much = finance
        .post(
            &app,
            &path,
            &[
                ("action", "bank_refund"),
                ("amount", "301"),
                ("reason", "asked"),
            ],
        )
        .await;
    assert_eq!(too_much.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(raised(&app).await, 30_000);
    let viewer = staff(&app, "viewer@example.org", Role::Viewer).await;
    let refused = viewer
        .post(
            &app,
            &path,
            &[
                ("action", "bank_refund"),
                ("amount", "100"),
                ("reason", "asked"),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN, "finance only");
    let refunded = finance
        .post(
            &app,
            &path,
            &[
                ("action", "bank_refund"),
                ("amount", "100"),
                ("reason", "the donor asked for part back"),
            ],
        )
        .await;
    assert_eq!(refunded.status(), StatusCode::SEE_OTHER);
    assert_eq!(raised(&app).await, 20_000);
    assert_eq!(
        receipts(&app, &gift).await,
        vec![(30_000, false), (20_000, true)],
        "voided, and reissued for what remains"
    );
    let audit = app.db.audit_for_donation(&id).await.unwrap();
    assert!(audit.iter().any(|entry| entry.action == "bank_refund"));
    // The rest goes back too: no valid receipt remains.
    finance
        .post(
            &app,
            &path,
            &[
                ("action", "bank_refund"),
                ("amount", "200"),
                ("reason", "returned"),
            ],
        )
        .await;
    assert_eq!(raised(&app).await, 0);
    assert!(receipts(&app, &gift).await.iter().all(|(_, valid)| !valid));
}

async fn a_misapplied_statement_line_can_be_undone(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let finance = staff(&app, "finance@example.org", Role::Finance).await;
    let wrong = pledge(&app, "500", "Lee Siu Ling", "one_off").await;
    let right = pledge(&app, "500", "Ho Wing Sze", "one_off").await;
    let import = statement(
        &app,
        &finance,
        "mix.csv",
        &[(&today(), "FPS HO W S", "500.00")],
    )
    .await;
    let line = proposals(&app, &import).await.remove(0).0;
    line_action(
        &app,
        &finance,
        &import,
        &line,
        &[
            ("action", "confirm"),
            ("reference", wrong.as_str()),
            ("checked", "yes"),
        ],
    )
    .await;
    assert_eq!(raised(&app).await, 50_000);
    let wrong_id = donation_id(&app, &wrong).await;
    let payment = app.db.payments_for_donation(&wrong_id).await.unwrap()[0]
        .id
        .clone();
    let undone = line_action(
        &app,
        &finance,
        &import,
        &line,
        &[("action", "undo"), ("payment", &payment)],
    )
    .await;
    assert!(undone.ends_with("undone=1"), "{undone}");
    assert_eq!(raised(&app).await, 0, "the total moved back");
    assert_eq!(receipts(&app, &wrong).await, vec![(50_000, false)]);
    let donation = app.db.donation_by_reference(&wrong).await.unwrap().unwrap();
    assert_eq!(
        donation.status.as_str(),
        "pending",
        "the pledge waits again"
    );
    assert!(app
        .db
        .audit_for_donation(&wrong_id)
        .await
        .unwrap()
        .iter()
        .any(|entry| entry.action == "payment_undone"));
    // The line is open again and goes to the right pledge.
    let applied = line_action(
        &app,
        &finance,
        &import,
        &line,
        &[
            ("action", "confirm"),
            ("reference", right.as_str()),
            ("checked", "yes"),
        ],
    )
    .await;
    assert!(applied.ends_with("confirmed=1"), "{applied}");
    assert_eq!(raised(&app).await, 50_000);
    assert_eq!(receipts(&app, &right).await, vec![(50_000, true)]);
}

async fn a_future_dated_line_is_held(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let finance = staff(&app, "finance@example.org", Role::Finance).await;
    let gift = pledge(&app, "300", "Chan Tai Man", "one_off").await;
    let tomorrow = Timestamp::now().plus(ONE_DAY).hong_kong_iso_date();
    let import = statement(
        &app,
        &finance,
        "ahead.csv",
        &[(&tomorrow, &format!("FPS {}", gift.as_str()), "300.00")],
    )
    .await;
    let (line, proposal) = proposals(&app, &import).await.remove(0);
    assert_eq!(proposal, Proposal::Held);
    let page = finance
        .get(&app, &format!("/admin/statements/{import}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Held: dated after today"), "{page}");
    assert!(
        !page.contains("id=\"confirm-clear\""),
        "not offered with the clear ones"
    );
    let refused = line_action(
        &app,
        &finance,
        &import,
        &line,
        &[("action", "confirm"), ("reference", gift.as_str())],
    )
    .await;
    assert!(refused.ends_with("problem=held"));
    let none = finance
        .post(&app, &format!("/admin/statements/{import}/confirm"), &[])
        .await;
    assert!(none.headers()["location"]
        .to_str()
        .unwrap()
        .ends_with("confirmed=0"));
    assert_eq!(raised(&app).await, 0, "nothing receipted ahead of its date");
    assert!(receipts(&app, &gift).await.is_empty());
}

async fn unmatched_money_stays_under_needs_attention_until_dealt_with(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let finance = staff(&app, "finance@example.org", Role::Finance).await;
    let first = statement(
        &app,
        &finance,
        "october.csv",
        &[
            (&today(), "SOMEONE UNKNOWN", "500.00"),
            (&today(), "BANK CHARGE", "(15.00)"),
            (&today(), "TRANSFER FROM SAVINGS", "2000.00"),
        ],
    )
    .await;
    // A later statement does not hide the earlier one's open line.
    statement(
        &app,
        &finance,
        "november.csv",
        &[(&today(), "ANOTHER", "(1.00)")],
    )
    .await;
    let queue = finance
        .get(&app, "/admin/exceptions")
        .await
        .text()
        .await
        .unwrap();
    assert!(queue.contains("Statement line not dealt with"), "{queue}");
    assert!(queue.contains("SOMEONE UNKNOWN"));
    assert!(!queue.contains("Nothing needs attention"));
    assert!(
        !queue.contains("BANK CHARGE"),
        "money out is not a gift to find"
    );
    let list = finance
        .get(&app, "/admin/statements")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        list.contains("2 incoming lines are not dealt with"),
        "{list}"
    );
    let review = finance
        .get(&app, &format!("/admin/statements/{first}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(review.contains("id=\"review-open\""));
    let lines = proposals(&app, &first).await;
    line_action(
        &app,
        &finance,
        &first,
        &lines[0].0,
        &[("action", "set_aside")],
    )
    .await;
    // Dealt with from the queue itself: set aside, with staff's note in the audit log.
    let resolved = finance
        .post(
            &app,
            &format!("/admin/exceptions/statement_line/{}", lines[2].0),
            &[("action", "resolve"), ("note", "our own savings account")],
        )
        .await;
    assert_eq!(resolved.status(), StatusCode::SEE_OTHER);
    assert!(matches!(proposals(&app, &first).await[2].1, Proposal::Done));
    assert!(!queue_kinds(&app).await.contains(&QueueKind::StatementLine));
    assert_eq!(raised(&app).await, 0, "set aside, not gifts");
    let list = finance
        .get(&app, "/admin/statements")
        .await
        .text()
        .await
        .unwrap();
    assert!(!list.contains("id=\"statements-open\""));
}

async fn a_typed_reference_that_cannot_be_applied_says_why(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let finance = staff(&app, "finance@example.org", Role::Finance).await;
    let paid = pledge(&app, "300", "Chan Tai Man", "one_off").await;
    confirm_by_hand(&app, &finance, &paid, "300").await;
    let import = statement(
        &app,
        &finance,
        "typed.csv",
        &[(&today(), "FPS SOMEONE", "300.00")],
    )
    .await;
    let line = proposals(&app, &import).await.remove(0).0;
    let cases = [
        (
            paid.as_str(),
            "problem=paid_in_full",
            "paid in full already",
        ),
        ("LBC-2222", "problem=reference", "Enter a reference"),
    ];
    for (typed, code, text) in cases {
        let location = line_action(
            &app,
            &finance,
            &import,
            &line,
            &[
                ("action", "confirm"),
                ("reference", typed),
                ("checked", "yes"),
            ],
        )
        .await;
        assert!(location.ends_with(code), "{typed}: {location}");
        let page = finance.get(&app, &location).await.text().await.unwrap();
        assert!(page.contains(text), "{typed}: {page}");
    }
    assert_eq!(raised(&app).await, 30_000, "nothing more recorded");
}

async fn confirm_as_paid_is_reviewed_first_records_the_time_and_can_be_undone(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let finance = staff(&app, "finance@example.org", Role::Finance).await;
    let gift = pledge(&app, "300", "Chan Tai Man", "one_off").await;
    let at = an_hour_ago();
    let review = finance
        .post(
            &app,
            &format!("/admin/donations/{}/review", gift.as_str()),
            &[("amount", "300"), ("received_at", &at)],
        )
        .await;
    assert_eq!(review.status(), StatusCode::OK);
    let page = review.text().await.unwrap();
    assert!(page.contains("Check before confirming"));
    assert!(page.contains("HK$300"));
    assert!(
        page.contains(&at.replace('T', " ")),
        "the time staff entered"
    );
    assert!(
        page.contains("will be emailed to chan.tai.man@example.org"),
        "{page}"
    );
    assert!(page.contains("This completes the pledge"));
    assert_eq!(raised(&app).await, 0, "reviewing records nothing");
    let confirmation = crate::admin::field_value(&page, "confirmation_id").unwrap();
    let fields = [
        ("amount", "300.00"),
        ("received_at", at.as_str()),
        ("confirmation_id", confirmation.as_str()),
        ("accept_difference", "yes"),
    ];
    let path = format!("/admin/donations/{}/confirm", gift.as_str());
    // Sent twice (a double click): one payment.
    let (one, two) = tokio::join!(
        finance.post(&app, &path, &fields),
        finance.post(&app, &path, &fields)
    );
    assert_eq!(
        (one.status(), two.status()),
        (StatusCode::SEE_OTHER, StatusCode::SEE_OTHER)
    );
    assert_eq!(raised(&app).await, 30_000);
    let id = donation_id(&app, &gift).await;
    let payments = app.db.payments_for_donation(&id).await.unwrap();
    assert_eq!(payments.len(), 1);
    assert_eq!(
        Some(payments[0].paid_at),
        parse_hong_kong_local(&at),
        "the time staff entered, not midnight"
    );
    let donation_page = finance
        .get(&app, &format!("/admin/donations/{}", gift.as_str()))
        .await
        .text()
        .await
        .unwrap();
    assert!(donation_page.contains("Undo this confirmation"));
    let undone = finance
        .post(
            &app,
            &format!(
                "/admin/donations/{}/payments/{}",
                gift.as_str(),
                payments[0].id
            ),
            &[("action", "undo")],
        )
        .await;
    assert!(undone.headers()["location"]
        .to_str()
        .unwrap()
        .ends_with("done=undone"));
    assert_eq!(raised(&app).await, 0, "the total moved back");
    assert_eq!(
        receipts(&app, &gift).await,
        vec![(30_000, false)],
        "the receipt is void"
    );
    let audit = app.db.audit_for_donation(&id).await.unwrap();
    assert!(audit.iter().any(|entry| entry.action == "payment_undone"));
    // Undone twice: refused, nothing changes.
    let again = finance
        .post(
            &app,
            &format!(
                "/admin/donations/{}/payments/{}",
                gift.as_str(),
                payments[0].id
            ),
            &[("action", "undo")],
        )
        .await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

async fn a_confirmation_past_its_undo_window_is_returned_as_a_bank_refund(backend: Backend) {
    // No window at all: every confirmation by hand is past it at once.
    let app = spawn_app_with(backend, &[("UNDO_CONFIRMATION_SECONDS", "0".to_string())]).await;
    let finance = staff(&app, "finance@example.org", Role::Finance).await;
    let gift = pledge(&app, "300", "Chan Tai Man", "one_off").await;
    confirm_by_hand(&app, &finance, &gift, "300").await;
    let page = finance
        .get(&app, &format!("/admin/donations/{}", gift.as_str()))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !page.contains("Undo this confirmation"),
        "not offered past its window"
    );
    assert!(page.contains("Record bank refund"), "a bank refund is");
    let id = donation_id(&app, &gift).await;
    let payment = app.db.payments_for_donation(&id).await.unwrap()[0]
        .id
        .clone();
    let refused = finance
        .post(
            &app,
            &format!("/admin/donations/{}/payments/{payment}", gift.as_str()),
            &[("action", "undo")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("record a bank refund"));
    assert_eq!(raised(&app).await, 30_000, "still counted");
    assert_eq!(receipts(&app, &gift).await, vec![(30_000, true)]);
}

async fn a_cheque_gift_is_receipted_and_a_bounced_cheque_voids_it(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let finance = staff(&app, "finance@example.org", Role::Finance).await;
    let form = finance
        .get(&app, "/admin/gifts/new")
        .await
        .text()
        .await
        .unwrap();
    assert!(form.contains("Record a cheque or cash gift"));
    let token = crate::admin::field_value(&form, "token").unwrap();
    let at = an_hour_ago();
    let mut fields = vec![
        ("name", "Chan Mei Ling"),
        ("email", "chan.mei.ling@example.org"),
        ("amount", "1000"),
        ("received_at", at.as_str()),
        ("method", "cheque"),
        ("cheque_number", ""),
        ("receipt", "own_name"),
        ("token", token.as_str()),
    ];
    // A cheque needs its number.
    let refused = finance.post(&app, "/admin/gifts/new", &fields).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("Enter the cheque"));
    assert_eq!(raised(&app).await, 0);
    fields[5] = ("cheque_number", "004512");
    let recorded = finance.post(&app, "/admin/gifts/new", &fields).await;
    assert_eq!(recorded.status(), StatusCode::SEE_OTHER);
    let location = recorded.headers()["location"].to_str().unwrap().to_string();
    assert!(location.ends_with("done=gift_recorded"), "{location}");
    // The same form again (a double submit): one gift.
    let again = finance.post(&app, "/admin/gifts/new", &fields).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(raised(&app).await, 100_000);
    let reference = Reference::parse(
        location
            .split('/')
            .nth(3)
            .unwrap()
            .split('?')
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(receipts(&app, &reference).await, vec![(100_000, true)]);
    let id = donation_id(&app, &reference).await;
    let payment = app.db.offline_payments(&id).await.unwrap().remove(0);
    assert_eq!(payment.method.as_deref(), Some("cheque"));
    assert_eq!(payment.cheque_number.as_deref(), Some("004512"));
    assert_eq!(Some(payment.paid_at), parse_hong_kong_local(&at));
    let page = finance.get(&app, &location).await.text().await.unwrap();
    assert!(page.contains("Cheque 004512"));
    let bounced = finance
        .post(
            &app,
            &format!(
                "/admin/donations/{}/payments/{}",
                reference.as_str(),
                payment.id
            ),
            &[("action", "bounced")],
        )
        .await;
    assert!(bounced.headers()["location"]
        .to_str()
        .unwrap()
        .ends_with("done=bounced"));
    assert_eq!(raised(&app).await, 0);
    assert_eq!(receipts(&app, &reference).await, vec![(100_000, false)]);
    let page = finance.get(&app, &location).await.text().await.unwrap();
    assert!(page.contains("the cheque bounced"), "{page}");
}

//! Every earlier database migrates with its rows (issue 25). Starting from an empty database,
//! each migration is applied on its own, and after it go in the rows a site of that release
//! would have written, in that release's columns: donations of every kind, payments, receipts,
//! the outbox, sessions, staff and statements. Then the rest of the chain runs, and today's code
//! reads every one of them back as today's types, with what the data migrations filled in. On
//! SQLite and on PostgreSQL.

use std::path::{Path, PathBuf};

use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};

use crate::helpers::{Backend, TestDatabase};
use sharecare_db::{Database, Delivered, OutboxJob, SessionTable};
use sharecare_domain::donation::{Frequency, PaymentMethod};
use sharecare_domain::donor::{BusinessRegistration, HolderKind, PersonName, Receipt};
use sharecare_domain::staff::Role;
use sharecare_domain::status::DonationStatus;
use sharecare_domain::time::Timestamp;

on_both_databases!(every_earlier_database_migrates_with_its_rows);

/// When the old rows were written (November 2026), in Unix milliseconds.
const T: i64 = 1_795_000_000_000;
/// Far in the future, in seconds (sessions) and milliseconds (the outbox's "now").
const FAR_SECONDS: i64 = 4_000_000_000;

/// The repository's migrations, oldest first.
fn migrations() -> Vec<PathBuf> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    files
}

fn version_of(file: &Path) -> i64 {
    let name = file.file_name().unwrap().to_str().unwrap();
    name.split('_').next().unwrap().parse().unwrap()
}

/// The rows a site running with migrations up to `version` writes, in that schema's columns.
/// Each migration adds rows for what it brought; earlier rows wait for later migrations.
fn rows_written_at(version: i64) -> Vec<String> {
    // (id, reference, status, amount, frequency, method, receipt, receipt_name, email)
    let donation = |id: &str,
                    reference: &str,
                    status: &str,
                    amount: i64,
                    frequency: &str,
                    method: &str,
                    receipt: &str,
                    receipt_name: Option<&str>,
                    paid: bool| {
        format!(
            "INSERT INTO donations (id, reference, idempotency_key, access_key, status, \
             amount_minor, currency, frequency, payment_method, email, email_key, donor_name, \
             receipt, receipt_name, marketing_consent, consent_recorded_at, locale, \
             referral_code, created_at, paid_at) VALUES ('{id}', '{reference}', 'token-{id}', \
             'key-{id}', '{status}', {amount}, 'HKD', '{frequency}', '{method}', \
             'Chan@Example.org', 'chan@example.org', 'Chan Tai Man', '{receipt}', {name}, \
             'given', {T}, 'zh-hk', NULL, {T}, {paid_at})",
            name = receipt_name.map_or("NULL".to_string(), |n| format!("'{n}'")),
            paid_at = if paid { T.to_string() } else { "NULL".into() },
        )
    };
    let outbox =
        |id: &str, kind: &str, payment: &str, receipt: &str, donation: &str, extra: &str| {
            format!(
            "INSERT INTO outbox (id, kind, payment_id, tax_receipt_id, donation_id, email_key, \
             payload, dedupe_key, created_at, next_attempt_at) VALUES ('{id}', '{kind}', \
             {payment}, {receipt}, {donation}, {extra}, '{kind}:{id}', {T}, {T})"
        )
        };
    match version {
        // The first release: transfer pledges only.
        20261128000001 => vec![
            donation("mc-d1", "LBC-22A2B2", "pending", 30_000, "one_off", "offline", "own_name", None, false),
            donation("mc-d2", "LBC-33C3D3", "paid", 50_000, "monthly", "offline", "other_name", Some("陳美"), true),
            donation("mc-d3", "LBC-44E4F4", "cancelled", 15_000, "one_off", "offline", "none", None, false),
        ],
        // Cards: a paid checkout, a monthly subscription, their payments, events and receipts.
        20261129000001 => vec![
            donation("mc-d4", "LBC-55G5H5", "paid", 30_000, "one_off", "card", "own_name", None, true),
            "UPDATE donations SET checkout_session_id = 'cs_test_mc4', \
             checkout_url = 'https://checkout.stripe.com/c/pay/cs_test_mc4' WHERE id = 'mc-d4'"
                .into(),
            donation("mc-d5", "LBC-66J6K6", "paid", 30_000, "monthly", "card", "own_name", None, true),
            "UPDATE donations SET subscription_id = 'sub_mc5' WHERE id = 'mc-d5'".into(),
            format!(
                "INSERT INTO payments (id, donation_id, source_id, payment_intent_id, \
                 amount_minor, currency, paid_at) VALUES ('mc-p4', 'mc-d4', 'cs_test_mc4', \
                 'pi_mc4', 30000, 'HKD', {T}), ('mc-p5', 'mc-d5', 'in_mc5', 'pi_mc5', 30000, \
                 'HKD', {T})"
            ),
            format!(
                "INSERT INTO provider_events (event_id, provider, event_type, received_at) \
                 VALUES ('evt_mc4', 'stripe', 'checkout.session.completed', {T})"
            ),
            format!(
                "INSERT INTO outbox (id, kind, payment_id, donation_id, created_at, \
                 next_attempt_at, sent_at) VALUES ('mc-o1', 'receipt', 'mc-p4', 'mc-d4', {T}, \
                 {T}, {T}), ('mc-o2', 'receipt', 'mc-p5', 'mc-d5', {T}, {T}, NULL)"
            ),
        ],
        20261129000002 => vec![
            format!("INSERT INTO referral_codes (code, story_slug, created_at) VALUES ('mc-ref1', 'yiyi', {T})"),
            donation("mc-d6", "LBC-77K7M7", "pending", 12_000, "one_off", "offline", "own_name", None, false),
            "UPDATE donations SET referral_code = 'mc-ref1' WHERE id = 'mc-d6'".into(),
        ],
        20261201000001 => vec![
            format!("INSERT INTO rate_limit_hits (key, window_start, hits) VALUES ('donate:192.0.2.1', {T}, 3)"),
            format!("INSERT INTO server_secrets (name, value, created_at) VALUES ('mc_earlier_secret', 'abc', {T})"),
        ],
        20261202000001 => vec![format!(
            "INSERT INTO payment_exceptions (id, event_id, donation_id, kind, expected_minor, \
             expected_currency, received_minor, received_currency, source_id, created_at) VALUES \
             ('mc-x1', 'evt_mc_x1', 'mc-d4', 'amount_mismatch', 30000, 'HKD', 29000, 'HKD', \
             'cs_test_mc4', {T})"
        )],
        // Staff: an account, a session, the audit, a bank statement, a refund.
        20261203000001 => vec![
            format!(
                "INSERT INTO staff_users (id, email, role, password_hash, created_at, \
                 password_changed_at) VALUES ('mc-s1', 'ops@example.org', 'finance', \
                 '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA', {T}, {T})"
            ),
            format!(
                "INSERT INTO staff_sessions (id, data, expires_at) VALUES ('mc-ss1', \
                 '{{\"staff\":{{\"id\":\"mc-s1\"}}}}', {FAR_SECONDS})"
            ),
            format!(
                "INSERT INTO audit_log (id, at, actor_id, actor_email, action, donation_id, \
                 subject, before_value, after_value) VALUES ('mc-a1', {T}, 'mc-s1', \
                 'ops@example.org', 'mark_paid', 'mc-d2', 'LBC-33C3D3', 'pending', 'paid')"
            ),
            format!(
                "INSERT INTO statement_imports (id, file_name, signature, raw, uploaded_by, \
                 uploaded_at, lines_read, lines_known, read_at) VALUES ('mc-i1', 'hsbc.csv', \
                 'date,amount,text', 'Date,Amount,Text', 'ops@example.org', {T}, 1, 1, {T})"
            ),
            "INSERT INTO statement_lines (id, import_id, position, fingerprint, booked_on, \
             amount_minor, currency, description, payment_id, donation_id, handled_by) VALUES \
             ('mc-l1', 'mc-i1', 1, 'fp-mc-l1', '2026-11-20', 50000, 'HKD', \
             'FPS CHAN T M LBC-33C3D3', 'mc-d2', 'mc-d2', 'ops@example.org')"
                .into(),
            format!(
                "INSERT INTO refund_requests (id, donation_id, payment_id, amount_minor, \
                 requested_by, requested_at, provider_refund_id) VALUES ('mc-r1', 'mc-d4', \
                 'mc-p4', 5000, 'ops@example.org', {T}, 're_mc1')"
            ),
            "UPDATE payments SET refunded_minor = 5000 WHERE id = 'mc-p4'".into(),
            format!(
                "INSERT INTO staff_resolutions (kind, item_id, note, resolved_by, resolved_at) \
                 VALUES ('exception', 'mc-x1', 'checked with the bank', 'ops@example.org', {T})"
            ),
        ],
        // Tax receipts, My gifts' sign-ins and sessions, gift changes, consent, messages.
        20261204000001 => vec![
            "INSERT INTO receipt_counters (series, last_number) VALUES ('2026-27', 2)".into(),
            format!(
                "INSERT INTO tax_receipts (id, series, number, payment_id, donation_id, \
                 amount_minor, currency, paid_at, issued_at, issued_to) VALUES \
                 ('mc-t1', '2026-27', 1, 'mc-p4', 'mc-d4', 30000, 'HKD', {T}, {T}, 'Chan Tai Man'), \
                 ('mc-t2', '2026-27', 2, 'mc-d2', 'mc-d2', 50000, 'HKD', {T}, {T}, '陳美')"
            ),
            outbox("mc-o3", "receipt", "'mc-d2'", "'mc-t2'", "'mc-d2'", "NULL, NULL"),
            outbox("mc-o4", "gift_change", "NULL", "NULL", "'mc-d5'", "NULL, 'Your gift is paused until January.'"),
            outbox("mc-o5", "yearly_summary", "NULL", "NULL", "NULL", "'chan@example.org', '2026'"),
            format!(
                "INSERT INTO donor_sign_ins (id, email_key, code_hash, link_hash, created_at, \
                 expires_at) VALUES ('mc-si1', 'chan@example.org', 'code-hash', 'link-hash-1', \
                 {T}, {})",
                T + 900_000
            ),
            format!(
                "INSERT INTO donor_sessions (id, data, expires_at) VALUES ('mc-ds1', \
                 '{{\"donor\":\"chan@example.org\"}}', {FAR_SECONDS})"
            ),
            format!(
                "INSERT INTO gift_changes (id, donation_id, kind, detail, requested_at) VALUES \
                 ('mc-g1', 'mc-d5', 'pause', '1', {T})"
            ),
            format!("UPDATE donations SET paused_until = {} WHERE id = 'mc-d5'", T + 2_592_000_000),
            format!(
                "INSERT INTO consent_events (id, email_key, consent, at, source) VALUES \
                 ('mc-c1', 'chan@example.org', 'given', {T}, 'donation form')"
            ),
            format!(
                "INSERT INTO donor_messages (id, donation_id, email_key, message, created_at) \
                 VALUES ('mc-m1', 'mc-d2', 'chan@example.org', 'I have set up a standing order.', {T})"
            ),
        ],
        // A company's receipt, a tribute with its notice, a covered fee, attribution.
        20261205000001 => vec![
            donation("mc-d7", "LBC-88M8N8", "paid", 80_000, "one_off", "offline", "other_name", Some("Harbour Trading Limited"), true),
            "UPDATE donations SET receipt_holder = 'company', company_registration = '12345678', \
             tribute_kind = 'memory', honoree_name = '林婆婆', tribute_message = '永遠懷念', \
             notify_name = '林小明', notify_email = 'ming@example.org', notify_amount = 'hidden', \
             utm_source = 'newsletter', partner_code = 'test-school', story_slug = 'lele' \
             WHERE id = 'mc-d7'"
                .into(),
            format!(
                "INSERT INTO payments (id, donation_id, source_id, amount_minor, currency, \
                 paid_at) VALUES ('mc-p7', 'mc-d7', 'offline:LBC-88M8N8', 80000, 'HKD', {T})"
            ),
            format!(
                "INSERT INTO tax_receipts (id, series, number, payment_id, donation_id, \
                 amount_minor, currency, paid_at, issued_at, issued_to) VALUES ('mc-t3', \
                 '2026-27', 3, 'mc-p7', 'mc-d7', 80000, 'HKD', {T}, {T}, \
                 'Harbour Trading Limited (BR 12345678)')"
            ),
            "UPDATE receipt_counters SET last_number = 3 WHERE series = '2026-27'".into(),
            outbox("mc-o6", "tribute_notice", "NULL", "NULL", "'mc-d7'", "NULL, NULL"),
            donation("mc-d8", "LBC-99N9P9", "paid", 30_000, "one_off", "card", "own_name", None, true),
            "UPDATE donations SET fee_minor = 1300 WHERE id = 'mc-d8'".into(),
            format!(
                "INSERT INTO payments (id, donation_id, source_id, amount_minor, currency, \
                 paid_at) VALUES ('mc-p8', 'mc-d8', 'cs_test_mc8', 31300, 'HKD', {T})"
            ),
        ],
        20261206000001 => vec![format!(
            "UPDATE donations SET subscription_state_at = {T} WHERE id = 'mc-d5'"
        )],
        20261207120001 => vec![format!(
            "INSERT INTO failed_refunds (refund_id, payment_id, amount_minor, failed_at) VALUES \
             ('re_mc_failed', 'mc-p4', 1000, {T})"
        )],
        20261207120004 => vec![format!(
            "UPDATE payment_exceptions SET paid_at = {T}, payment_intent_id = 'pi_mc4' WHERE id = 'mc-x1'"
        )],
        // A cheque confirmed by hand.
        20261208000001 => vec![
            donation("mc-d9", "LBC-A2B3C4", "paid", 100_000, "one_off", "offline", "own_name", None, true),
            format!(
                "INSERT INTO payments (id, donation_id, source_id, amount_minor, currency, \
                 paid_at, method, cheque_number, confirmed_at) VALUES ('mc-p9', 'mc-d9', \
                 'offline:cheque:mc-p9', 100000, 'HKD', {T}, 'cheque', '000123', {T})"
            ),
        ],
        20261209000001 => vec![format!(
            "INSERT INTO donor_sign_ins (id, email_key, code_hash, link_hash, created_at, \
             expires_at, wrong_tries) VALUES ('mc-si2', 'chan@example.org', 'code-hash-2', \
             'link-hash-2', {T}, {}, 2)",
            T + 900_000
        )],
        20261210000001 => vec![format!(
            "INSERT INTO staff_recovery_codes (code_hash, staff_id, created_at) VALUES \
             ('recovery-hash-1', 'mc-s1', {T})"
        )],
        20261212000001 => vec![outbox(
            "mc-o7",
            "payment_details",
            "NULL",
            "NULL",
            "'mc-d1'",
            "NULL, NULL",
        )],
        20261213000001 => vec![format!(
            "INSERT INTO backups (id, taken_at, file, bytes, rows_copied) VALUES ('mc-b1', {T}, \
             'sharecare-2026-11-20_030000_000.db', 123456, 42)"
        )],
        _ => Vec::new(),
    }
}

async fn every_earlier_database_migrates_with_its_rows(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    sqlx::any::install_default_drivers();
    if backend == Backend::Sqlite {
        let file = database
            .url
            .trim_start_matches("sqlite://")
            .split('?')
            .next()
            .unwrap()
            .to_string();
        std::fs::create_dir_all(Path::new(&file).parent().unwrap()).unwrap();
    }
    let pool = AnyPool::connect(&database.url).await.unwrap();
    let files = migrations();
    let mut written = 0;
    for (applied, file) in files.iter().enumerate() {
        // The release that shipped this migration: its migrations and no later ones.
        let release = tempfile::tempdir().unwrap();
        for earlier in &files[..=applied] {
            std::fs::copy(earlier, release.path().join(earlier.file_name().unwrap())).unwrap();
        }
        Migrator::new(release.path())
            .await
            .unwrap()
            .run(&pool)
            .await
            .unwrap_or_else(|error| panic!("{} on the rows before it: {error}", file.display()));
        for statement in rows_written_at(version_of(file)) {
            pool.execute(statement.as_str())
                .await
                .unwrap_or_else(|error| panic!("after {}: {statement}: {error}", file.display()));
            written += 1;
        }
    }
    assert!(written > 40, "rows at most steps ({written} statements)");
    pool.close().await;

    // Today's code, on the database an earlier release left.
    let db = Database::connect(&database.url)
        .await
        .expect("today's release starts on it");
    assert!(db.is_ready().await);
    let gift = |id: &'static str| {
        let db = db.clone();
        async move {
            db.donation_by_id(id)
                .await
                .unwrap_or_else(|error| panic!("{id}: {error}"))
                .unwrap_or_else(|| panic!("{id} is still there"))
        }
    };
    let first = gift("mc-d1").await;
    assert_eq!(first.status, DonationStatus::Pending);
    assert_eq!(first.receipt, Receipt::InDonorName);
    assert_eq!(first.fee.minor, 0, "a gift from before fees covers none");
    let monthly = gift("mc-d2").await;
    assert_eq!(monthly.frequency, Frequency::Monthly);
    assert_eq!(
        monthly.receipt,
        Receipt::InOtherName(PersonName::parse("陳美").unwrap())
    );
    assert_eq!(gift("mc-d3").await.receipt, Receipt::NoReceipt);
    let card = gift("mc-d4").await;
    assert_eq!(card.payment_method, PaymentMethod::Card);
    assert_eq!(
        card.checkout.expect("its checkout").session_id,
        "cs_test_mc4"
    );
    let subscription = gift("mc-d5").await;
    assert_eq!(subscription.subscription_id.as_deref(), Some("sub_mc5"));
    assert!(subscription.paused_until.is_some());
    assert_eq!(
        gift("mc-d6")
            .await
            .referral
            .map(|code| code.as_str().to_string()),
        Some("mc-ref1".to_string())
    );
    let company = gift("mc-d7").await;
    assert_eq!(
        company.receipt,
        Receipt::InCompanyName {
            company: PersonName::parse("Harbour Trading Limited").unwrap(),
            registration: BusinessRegistration::parse_optional("12345678").unwrap(),
        }
    );
    assert!(company.tribute.is_some(), "the tribute reads back");
    assert_eq!(gift("mc-d8").await.fee.minor, 1_300);
    gift("mc-d9").await;

    // Payments, with what the data migrations filled in.
    let payments = db.payments_for_donation("mc-d2").await.unwrap();
    assert_eq!(
        payments.len(),
        1,
        "a paid transfer got its payment in the payments migration"
    );
    assert_eq!(payments[0].source_id, "offline:LBC-33C3D3");
    assert_eq!(payments[0].amount_minor, 50_000);
    let transfer = db.offline_payments("mc-d2").await.unwrap();
    assert_eq!(
        transfer[0].method.as_deref(),
        Some("transfer"),
        "marked a transfer later"
    );
    let cheque = db.offline_payments("mc-d9").await.unwrap();
    assert_eq!(cheque[0].cheque_number.as_deref(), Some("000123"));
    let refunded = db.payments_for_donation("mc-d4").await.unwrap();
    assert_eq!(refunded[0].refunded_minor, 5_000);
    assert_eq!(db.payments_for_donation("mc-d5").await.unwrap().len(), 1);

    // Tax receipts: the company's was recognised as a company's by the tax-rules migration.
    let receipts = db.receipts_of_donation("mc-d7").await.unwrap();
    assert_eq!(receipts.len(), 1);
    assert_eq!(receipts[0].holder_kind, HolderKind::Company);
    assert_eq!(
        db.receipts_of_donation("mc-d2").await.unwrap()[0].holder_kind,
        HolderKind::Person
    );
    assert_eq!(db.receipts_of_donation("mc-d4").await.unwrap().len(), 1);

    // Every unsent message of every kind becomes a job today's worker can send.
    let now = Timestamp::from_millis(FAR_SECONDS * 1_000);
    let mut kinds = Vec::new();
    while let Some(message) = db
        .claim_due_message(
            "migration-chain",
            now,
            now.plus(std::time::Duration::from_secs(60)),
            false,
        )
        .await
        .unwrap()
    {
        kinds.push(match message.job {
            OutboxJob::Receipt(_) => "receipt",
            OutboxJob::GiftChange { .. } => "gift_change",
            OutboxJob::YearlySummary { .. } => "yearly_summary",
            OutboxJob::TributeNotice { .. } => "tribute_notice",
            OutboxJob::PaymentDetails { .. } => "payment_details",
        });
        db.mark_message_delivered(&message.id, "migration-chain", Delivered::Sent, now)
            .await
            .unwrap();
    }
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        [
            "gift_change",
            "payment_details",
            "receipt",
            "receipt",
            "tribute_notice",
            "yearly_summary"
        ]
    );

    // Staff, their sessions and records; donors' sessions, consent and messages.
    let staffer = db
        .staff_user_by_email("ops@example.org")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(staffer.role, Role::Finance);
    for (table, id) in [
        (SessionTable::Staff, "mc-ss1"),
        (SessionTable::Donor, "mc-ds1"),
    ] {
        let session = db.load_session(table, id, FAR_SECONDS - 1).await.unwrap();
        let data = session
            .unwrap_or_else(|| panic!("{id} is still a session"))
            .data;
        assert!(serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&data).is_ok());
    }
    assert_eq!(db.audit_for_donation("mc-d2").await.unwrap().len(), 1);
    assert!(db.statement_import("mc-i1").await.unwrap().is_some());
    assert_eq!(db.statement_lines("mc-i1").await.unwrap().len(), 1);
    assert!(db.payment_exception("mc-x1").await.unwrap().is_some());
    assert_eq!(db.gift_changes("mc-d5").await.unwrap().len(), 1);
    assert_eq!(
        db.consent_history("chan@example.org").await.unwrap().len(),
        1
    );
    assert_eq!(
        db.donor_messages("chan@example.org").await.unwrap().len(),
        1
    );
    assert!(db.newest_backup_at().await.unwrap().is_some());
    // And nothing was lost on the way: every table holds at least the rows put in it.
    let counts = db.row_counts().await.unwrap();
    for (table, at_least) in [
        ("donations", 9),
        ("payments", 6),
        ("tax_receipts", 3),
        ("outbox", 7),
        ("staff_sessions", 1),
        ("donor_sessions", 1),
        ("donor_sign_ins", 2),
        ("staff_recovery_codes", 1),
        ("failed_refunds", 1),
        ("refund_requests", 1),
        ("referral_codes", 1),
    ] {
        assert!(
            counts.rows_in(table) >= at_least,
            "{table}: {}",
            counts.rows_in(table)
        );
    }
    db.close().await;
}

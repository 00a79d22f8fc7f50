//! A donor's erasure leaves none of their details in any table, and their download shows
//! every one of them, both from one list of personal columns (`sharecare_db::PERSONAL_DATA`)
//! that the schema cannot outgrow; bank statements lose their text after the privacy notice's
//! period (issue 23, finding 4). Runs on SQLite and PostgreSQL.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::Value as Json;
use sharecare_db::{
    Actor, AuditEntry, Data, Export, NewStatementLine, StatementImport, Value, PERSONAL_DATA,
    REMOVED,
};
use sharecare_domain::admin::QueueKind;
use sharecare_domain::identifiers::Reference;
use sharecare_domain::staff::Role;
use sharecare_domain::time::{Timestamp, ONE_DAY};

use crate::admin::{staff, upload_from, Staffer, ACCOUNT};
use crate::donors::{hidden, sign_in, until_donation};
use crate::fake_stripe::{FakeStripe, Session};
use crate::helpers::{spawn_app_on, Backend, TestApp};
use crate::payments::{donation_of, eventually, location, stripe_app, token};
use crate::smtp_sink::SmtpSink;

on_both_databases!(
    every_text_column_is_in_the_personal_data_list,
    the_export_shows_every_personal_field_and_erasure_leaves_none_in_any_text_column,
    statements_lose_their_text_after_the_notices_period_and_newer_ones_keep_it,
);

const EMAIL: &str = "lam.siu.ling@example.org";
const NAME: &str = "Lam Siu Ling";
const HONOREE: &str = "Grandma Lam Yuk Chu";
const TRIBUTE_MESSAGE: &str = "For every story she read to us";
const NOTIFY_NAME: &str = "Cheung Ka Wai";
const NOTIFY_EMAIL: &str = "ka.wai.cheung@example.org";
const COMPANY: &str = "Lantern Bay Trading Ltd";
const BR: &str = "87654321";
const REASON: &str = "Moving to Penang next spring";
/// The payer as the donor's bank writes it on the charity's statement (not the name she gave).
const PAYER: &str = "LAM S L";
const MESSAGE: &str = "Please post the receipts to my office";

/// Everything the donor told the site, or her bank told it, that points at her.
const HERS: [&str; 11] = [
    EMAIL,
    NAME,
    HONOREE,
    TRIBUTE_MESSAGE,
    NOTIFY_NAME,
    NOTIFY_EMAIL,
    COMPANY,
    BR,
    REASON,
    PAYER,
    MESSAGE,
];

const OTHER_EMAIL: &str = "wong.tai.sin@example.org";
const OTHER_NAME: &str = "Wong Tai Sin";

/// A migration that adds a text column must say what it holds of a donor's, or this fails:
/// every text column of every table is in the list, and everything listed is in the schema.
async fn every_text_column_is_in_the_personal_data_list(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let schema = app.db.schema_columns().await.unwrap();
    let listed: BTreeSet<(&str, &str)> = PERSONAL_DATA
        .iter()
        .flat_map(|table| table.columns.iter().map(move |c| (table.name, c.name)))
        .collect();
    let unlisted: Vec<String> = schema
        .iter()
        .filter(|c| c.text && !listed.contains(&(c.table.as_str(), c.column.as_str())))
        .map(|c| format!("{}.{}", c.table, c.column))
        .collect();
    assert_eq!(
        unlisted,
        Vec::<String>::new(),
        "text columns that sharecare_db::PERSONAL_DATA does not list"
    );
    let in_schema: BTreeSet<(&str, &str)> = schema
        .iter()
        .map(|c| (c.table.as_str(), c.column.as_str()))
        .collect();
    let stale: Vec<&(&str, &str)> = listed
        .iter()
        .filter(|column| !in_schema.contains(column))
        .collect();
    assert!(stale.is_empty(), "listed but not in the schema: {stale:?}");
    // The enumeration sees every kind of table (not an empty or partial schema).
    assert!(schema.iter().filter(|c| c.text).count() > 100);
    assert!(schema
        .iter()
        .any(|c| c.table == "donations" && c.column == "honoree_name" && c.text));
    assert!(schema
        .iter()
        .any(|c| c.table == "donations" && c.column == "fee_minor" && !c.text));
}

/// `value` as an address's query carries it.
fn urlencoded(value: &str) -> String {
    serde_urlencoded::to_string([("q", value)]).unwrap()[2..].to_string()
}

/// Where any of `needles` is found, in any case and as a query string has it, in any text
/// column of any table the schema has: (table, column, needle).
async fn found(app: &TestApp, needles: &[&str]) -> BTreeSet<(String, String, String)> {
    let mut hits = BTreeSet::new();
    for column in app.db.schema_columns().await.unwrap() {
        if !column.text {
            continue;
        }
        for value in app
            .db
            .text_values(&column.table, &column.column)
            .await
            .unwrap()
        {
            let value = value.to_lowercase();
            for needle in needles {
                let forms = [needle.to_lowercase(), urlencoded(needle).to_lowercase()];
                if forms.iter().any(|form| value.contains(form.as_str())) {
                    hits.insert((
                        column.table.clone(),
                        column.column.clone(),
                        needle.to_string(),
                    ));
                }
            }
        }
    }
    hits
}

/// Every value at `path` of the export (`gifts[].receipts[].issued_to`), as text; and whether
/// every object on the way has the last key.
fn at_path(json: &Json, path: &str) -> (Vec<String>, bool) {
    let mut nodes = vec![json];
    let mut every_has_key = true;
    let parts: Vec<&str> = path.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let (key, list) = match part.strip_suffix("[]") {
            Some(key) => (key, true),
            None => (*part, false),
        };
        let mut next = Vec::new();
        for node in nodes {
            match node.get(key) {
                Some(Json::Array(items)) if list => next.extend(items.iter()),
                Some(found) if !list => next.push(found),
                _ => {
                    if i == parts.len() - 1 {
                        every_has_key = false;
                    }
                }
            }
        }
        nodes = next;
    }
    let values = nodes
        .into_iter()
        .filter_map(|node| match node {
            Json::String(text) => Some(text.clone()),
            Json::Null => None,
            other => Some(other.to_string()),
        })
        .collect();
    (values, every_has_key)
}

/// The donation form's fields for a gift from the donor, with `more` added or replacing.
fn gift_fields<'a>(
    email: &'a str,
    name: &'a str,
    frequency: &'a str,
    method: &'a str,
    token: &'a str,
    more: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("frequency", frequency),
        ("amount", "other"),
        ("custom_amount", "300"),
        ("currency", "HKD"),
        ("email", email),
        ("name", name),
        ("receipt", "own_name"),
        ("payment_method", method),
        ("token", token),
    ];
    for (field, value) in more {
        fields.retain(|(name, _)| name != field);
        fields.push((field, value));
    }
    fields
}

/// Gives by card with `fields` and pays on the fake's page (its webhooks delivered).
async fn paid_by_card(app: &TestApp, fake: &FakeStripe, fields: &[(&str, &str)]) -> Session {
    let target = location(&app.post_form("/en/donate", fields).await);
    let id = target.rsplit('/').next().unwrap();
    let session = fake
        .sessions()
        .into_iter()
        .find(|session| session.id == id)
        .expect("a checkout session");
    fake.pay(&session).await;
    let reference = session.param("client_reference_id").unwrap().to_string();
    let app_db = app.db.clone();
    eventually("the gift is paid", || {
        let (db, reference) = (app_db.clone(), reference.clone());
        async move {
            db.donation_by_reference(&Reference::parse(&reference).unwrap())
                .await
                .unwrap()
                .is_some_and(|d| d.status.as_str() == "paid")
        }
    })
    .await;
    session
}

/// Uploads a one-line statement of `ACCOUNT` and maps its columns if the layout is new;
/// the import's id.
async fn statement(app: &TestApp, who: &Staffer, text: &str, amount: &str) -> String {
    let today = Timestamp::now().hong_kong_iso_date();
    let csv = format!("Date,Details,Deposit\n{today},{text},{amount}\n");
    let uploaded = upload_from(app, who, ACCOUNT, "statement.csv", &csv).await;
    let location = location(&uploaded);
    let import = location.rsplit('/').next().unwrap().to_string();
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

/// A share link's code for a story.
async fn share_code(app: &TestApp) -> String {
    let response = app.post_form("/en/stories/lele/share-link", &[]).await;
    location(&response)
        .strip_prefix("/en/referrals/")
        .expect("the link's page")
        .to_string()
}

async fn the_export_shows_every_personal_field_and_erasure_leaves_none_in_any_text_column(
    backend: Backend,
) {
    let sink = SmtpSink::start().await;
    let (app, fake) = stripe_app(backend, Some(&sink)).await;
    let finance = staff(&app, "finance@example.org", Role::Finance).await;

    // A card gift in honour of someone, with someone to tell, the fee covered, from a share
    // link and a partner's newsletter.
    let code = share_code(&app).await;
    let token_a = token();
    let tribute = paid_by_card(
        &app,
        &fake,
        &gift_fields(
            EMAIL,
            NAME,
            "one_off",
            "card",
            &token_a,
            &[
                ("cover_fee", "yes"),
                ("tribute", "honour"),
                ("honoree_name", HONOREE),
                ("tribute_message", TRIBUTE_MESSAGE),
                ("notify", "yes"),
                ("notify_name", NOTIFY_NAME),
                ("notify_email", NOTIFY_EMAIL),
                ("notify_amount", "shown"),
                ("referral", code.as_str()),
                ("story", "lele"),
                ("partner", "harbour-school"),
                ("utm_source", "newsletter"),
                ("utm_medium", "email"),
                ("utm_campaign", "winter-reading"),
            ],
        ),
    )
    .await;
    let tribute = donation_of(&app, &tribute).await;

    // A monthly card gift she stopped, giving a reason.
    let token_b = token();
    let monthly = paid_by_card(
        &app,
        &fake,
        &gift_fields(EMAIL, NAME, "monthly", "card", &token_b, &[]),
    )
    .await;
    let monthly = donation_of(&app, &monthly).await;
    let donor = sign_in(&app, &sink, EMAIL).await;
    let (stopped, _) = donor
        .change(
            &app,
            monthly.reference.as_str(),
            &[("action", "cancel"), ("reason", REASON), ("confirm", "yes")],
        )
        .await;
    assert_eq!(stopped.status(), StatusCode::SEE_OTHER);
    until_donation(&app, &monthly.id, "the stop is confirmed", |d| {
        d.ended_at.is_some()
    })
    .await;

    // A company's gift by bank transfer, on the statement under her bank's name for her.
    let token_c = token();
    let answer = app
        .post_form(
            "/en/donate",
            &gift_fields(
                EMAIL,
                NAME,
                "one_off",
                "offline",
                &token_c,
                &[
                    ("receipt", "company"),
                    ("company_name", COMPANY),
                    ("company_registration", BR),
                ],
            ),
        )
        .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let company = app
        .db
        .donations_of_donor(EMAIL)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.payment_method.as_str() == "offline")
        .expect("the company's pledge");
    let import = statement(
        &app,
        &finance,
        &format!("FPS {PAYER} {}", company.reference.as_str()),
        "300.00",
    )
    .await;
    let confirmed = finance
        .post(&app, &format!("/admin/statements/{import}/confirm"), &[])
        .await;
    assert!(
        location(&confirmed).ends_with("confirmed=1"),
        "the line pays the pledge"
    );

    // Someone else's gift, which must come through untouched.
    let token_d = token();
    paid_by_card(
        &app,
        &fake,
        &gift_fields(OTHER_EMAIL, OTHER_NAME, "one_off", "card", &token_d, &[]),
    )
    .await;

    // She writes to the charity; staff note the call back in her name.
    app.db
        .insert_donor_message(&company.id, EMAIL, MESSAGE, Timestamp::now())
        .await
        .unwrap();
    let item = app
        .state
        .records
        .queue()
        .await
        .unwrap()
        .into_iter()
        .find(|item| item.kind == QueueKind::DonorMessage)
        .expect("her message is in the queue");
    let staffer = Actor {
        id: None,
        email: "finance@example.org".into(),
    };
    assert!(app
        .state
        .records
        .resolve(
            QueueKind::DonorMessage,
            &item.id,
            &format!("Rang {NAME} of {COMPANY} back"),
            &staffer,
        )
        .await
        .unwrap());
    // A yearly summary queued for her (its key holds her email).
    let receipt = app.db.receipts_of_donation(&tribute.id).await.unwrap()[0].clone();
    assert!(app
        .db
        .queue_yearly_summary(EMAIL, 2025, &receipt.id, Timestamp::now())
        .await
        .unwrap());
    // Staff search for her: the export is audited, with the search only as its hash.
    let search = finance
        .get(
            &app,
            &format!("/admin/donations.csv?q={}", urlencoded(EMAIL)),
        )
        .await;
    assert_eq!(search.status(), StatusCode::OK);
    assert!(search.text().await.unwrap().contains(NAME));
    let audit = app.db.audit_page(None, 100).await.unwrap();
    let export = audit
        .iter()
        .find(|entry| entry.action == "export")
        .expect("the export is audited");
    let subject = export.subject.clone().unwrap_or_default();
    assert!(subject.starts_with("q=sha256-"), "{subject}");
    assert!(
        !subject.to_lowercase().contains("lam.siu.ling"),
        "the search is not kept in clear: {subject}"
    );
    // An entry written before searches were hashed holds the address as the query had it.
    app.db
        .write_audit(
            &AuditEntry::new(&Actor::command_line(), "export")
                .subject(format!("q={}", urlencoded(EMAIL))),
        )
        .await
        .unwrap();
    // She says yes to news by email (a consent, with its history).
    let page = donor.page(&app).await;
    let csrf = hidden(&page, "csrf");
    let consented = donor
        .post(
            &app,
            "/en/my-gifts/consent",
            &[("csrf", csrf.as_str()), ("consent", "yes")],
        )
        .await;
    assert_eq!(consented.headers()["location"], "/en/my-gifts?done=consent");
    // A second device where she is signed in.
    let other_device = sign_in(&app, &sink, EMAIL).await;

    // Before: each of her details is stored somewhere (so the scan below can see them).
    let before = found(&app, &HERS).await;
    for needle in HERS {
        assert!(
            before.iter().any(|(_, _, found)| found == needle),
            "{needle} is stored: {before:?}"
        );
    }
    for (table, column) in [("donor_sessions", "data"), ("outbox", "dedupe_key")] {
        assert!(
            before
                .iter()
                .any(|(t, c, n)| t == table && c == column && n == EMAIL),
            "{table}.{column} holds her email before"
        );
    }

    // Her download shows each of her details, and every field the list calls personal.
    let json = donor.get(&app, "/en/my-gifts/data/my-data.json").await;
    assert_eq!(json.status(), StatusCode::OK);
    let data: Json = json.json().await.unwrap();
    let text = data.to_string();
    for needle in HERS {
        assert!(text.contains(needle), "the download shows {needle}");
    }
    let mut checked = 0;
    for table in PERSONAL_DATA {
        for column in table.columns {
            let Data::Personal {
                value,
                export: Export::At(path),
                ..
            } = column.data
            else {
                continue;
            };
            let stored = app
                .db
                .personal_values(EMAIL, table.name, column.name)
                .await
                .unwrap();
            if table.name == "donations" {
                assert!(
                    !stored.is_empty(),
                    "the test gives every personal field of a gift: donations.{}",
                    column.name
                );
            }
            let (shown, every_has_key) = at_path(&data, path);
            if stored.is_empty() {
                continue;
            }
            checked += 1;
            assert!(every_has_key, "{}.{} → {path}", table.name, column.name);
            match value {
                // Codes and numbers may be worded (a boolean, an amount in dollars).
                Value::Code => assert!(
                    !shown.is_empty(),
                    "{}.{} is shown at {path}",
                    table.name,
                    column.name
                ),
                Value::Identifying | Value::Detail => {
                    for value in &stored {
                        assert!(
                            shown.contains(value),
                            "{}.{} = {value:?} is shown at {path}: {shown:?}",
                            table.name,
                            column.name
                        );
                    }
                }
            }
        }
    }
    assert!(checked >= 35, "{checked} personal columns checked");
    // The CSV has every field of a gift the JSON has, under the same name.
    let csv = donor
        .get(&app, "/en/my-gifts/data/my-data.csv")
        .await
        .text()
        .await
        .unwrap();
    let header = csv.trim_start_matches('\u{feff}').lines().next().unwrap();
    let headers: Vec<&str> = header.split(',').collect();
    for table in PERSONAL_DATA {
        for column in table.columns {
            if let Data::Personal {
                export: Export::At(path),
                ..
            } = column.data
            {
                if let Some(field) = path.strip_prefix("gifts[].") {
                    if !field.contains('.') {
                        assert!(headers.contains(&field), "the CSV has {field}");
                    }
                }
            }
        }
    }
    assert!(csv.contains(HONOREE) && csv.contains(NOTIFY_EMAIL) && csv.contains(BR));
    assert!(!text.contains(OTHER_EMAIL) && !text.contains(OTHER_NAME));

    // Erase.
    let page = donor.page(&app).await;
    let csrf = hidden(&page, "csrf");
    let erased = donor
        .post(
            &app,
            "/en/my-gifts/erase",
            &[("csrf", csrf.as_str()), ("confirm", "yes")],
        )
        .await;
    assert_eq!(erased.headers()["location"], "/en/my-gifts?done=erased");

    // After: none of her details in any text column of any table, but the name on her
    // receipts, which the tax law keeps for its period (the list says so: `Keep`).
    let after = found(&app, &HERS).await;
    let beyond_the_law: Vec<_> = after
        .iter()
        .filter(|(table, column, needle)| {
            !(table == "tax_receipts"
                && column == "issued_to"
                && [NAME, COMPANY, BR].contains(&needle.as_str()))
        })
        .collect();
    assert!(
        beyond_the_law.is_empty(),
        "left after erasure: {beyond_the_law:?}"
    );
    assert!(
        after.iter().any(|(_, _, needle)| needle == NAME),
        "the receipts keep their names until the tax law's period ends"
    );
    // Someone else's gift is untouched.
    let theirs = found(&app, &[OTHER_EMAIL, OTHER_NAME]).await;
    assert!(theirs.contains(&("donations".into(), "email".into(), OTHER_EMAIL.into())));
    assert!(theirs.contains(&("donations".into(), "donor_name".into(), OTHER_NAME.into())));
    // Her other session ended with her data; nothing of hers waits to be mailed.
    assert!(other_device.page(&app).await.contains("name=\"email\""));
    assert!(app.db.donations_of_donor(EMAIL).await.unwrap().is_empty());

    // Past the tax law's period, the retention job clears the receipts' names too: nothing
    // of hers is left at all.
    let years = u64::from(app.state.content.privacy.tax_records_kept_years);
    let later = Timestamp::now().plus(ONE_DAY * (366 * (years as u32 + 2)));
    app.state.donors.forget_old(later).await.unwrap();
    let last = found(&app, &HERS).await;
    assert!(last.is_empty(), "{last:?}");
}

/// An import of one line, uploaded at `uploaded_at`: its id.
async fn old_statement(app: &TestApp, uploaded_at: Timestamp, payer: &str) -> String {
    let id = sharecare_domain::secrets::random_hex::<16>();
    let booked_on = uploaded_at.hong_kong_iso_date();
    let raw = format!("Date,Details,Deposit\n{booked_on},FPS {payer},300.00\n");
    let import = StatementImport {
        id: id.clone(),
        file_name: "statement.csv".into(),
        signature: "date|details|deposit".into(),
        raw,
        uploaded_by: "finance@example.org".into(),
        uploaded_at,
        lines_read: 0,
        lines_known: 0,
        read_at: None,
        account: ACCOUNT.into(),
        lines_open: 0,
    };
    app.db
        .insert_statement_import(
            &import,
            &AuditEntry::new(&Actor::command_line(), "statement_imported"),
        )
        .await
        .unwrap();
    let line = NewStatementLine {
        id: sharecare_domain::secrets::random_hex::<16>(),
        position: 0,
        fingerprint: sharecare_domain::secrets::random_hex::<32>(),
        booked_on,
        amount_minor: 30_000,
        currency: "HKD".into(),
        description: format!("FPS {payer}"),
    };
    app.db
        .store_statement_lines(&id, &[line], uploaded_at)
        .await
        .unwrap();
    id
}

async fn statements_lose_their_text_after_the_notices_period_and_newer_ones_keep_it(
    backend: Backend,
) {
    let app = spawn_app_on(backend).await;
    let days = app.state.content.privacy.statements_kept_days;
    // Swept three days from now (the app's own job, sweeping at the real time, finds neither):
    // one file a day past the period then, one two days short of it.
    let now = Timestamp::now().plus(ONE_DAY * 3);
    let old = old_statement(&app, now.minus(ONE_DAY * (days + 1)), "CHAN T M").await;
    let recent = old_statement(&app, now.minus(ONE_DAY * (days - 2)), "HO K Y").await;

    let report = crate::retention::retention(&app).sweep(now).await;
    assert_eq!(report.failed, Vec::<&str>::new(), "every step ran");
    assert_eq!((report.statement_files, report.statement_lines), (1, 1));
    let file = |id: String| {
        let db = app.db.clone();
        async move { db.statement_import(&id).await.unwrap().unwrap() }
    };
    let lines = |id: String| {
        let db = app.db.clone();
        async move { db.statement_lines(&id).await.unwrap() }
    };
    assert_eq!(file(old.clone()).await.raw, "", "the old file is emptied");
    let old_lines = lines(old.clone()).await;
    assert_eq!(old_lines[0].description, REMOVED);
    // What the line was stays, for the books.
    assert_eq!(old_lines[0].amount_minor, 30_000);
    assert!(file(recent.clone()).await.raw.contains("FPS HO K Y"));
    assert_eq!(lines(recent.clone()).await[0].description, "FPS HO K Y");
    assert!(found(&app, &["CHAN T M"]).await.is_empty());

    // A second sweep has nothing more to do.
    let again = crate::retention::retention(&app).sweep(now).await;
    assert_eq!((again.statement_files, again.statement_lines), (0, 0));
    assert!(file(recent).await.raw.contains("FPS HO K Y"));
}

//! Staff sessions that end when they should and a second factor that cannot be guessed (issue
//! 23, findings 5 and 6, and the bound on password hashing of finding 1): a new password,
//! disabling, a new role and turning a second factor on each end an account's open sessions; a
//! role's second-factor rule applies to open sessions at once; a session signed out during a
//! request is not written back; five wrong codes lock the second factor and mail its holder
//! once; recovery codes are stored hashed and each works once; a flood of sign-ins is queued,
//! then turned away, in bounded memory.

use reqwest::StatusCode;
use sharecare_db::{Actor, SessionRecord, SessionTable};
use sharecare_domain::staff::Role;
use sharecare_services::staff::totp;

use crate::admin::{enrolling_key, in_fours, post_sign_in, staff, Staffer, PASSWORD};
use crate::helpers::{cookies_from, spawn_app_on, spawn_app_with, Backend, TestApp};
use crate::smtp_sink::SmtpSink;

on_both_databases!(
    a_new_password_ends_an_open_session,
    a_session_ended_by_disabling_stays_ended_when_the_account_is_enabled_again,
    a_new_role_ends_an_open_session,
    turning_a_second_factor_on_ends_the_other_sessions_and_keeps_this_one,
    a_second_factor_rule_applies_to_open_sessions_at_their_next_request,
    a_session_signed_out_during_a_request_is_not_written_back,
    five_wrong_codes_lock_the_second_factor_and_mail_its_holder_once,
    a_recovery_code_signs_in_once_and_only_its_hash_is_kept,
    six_hundred_sign_ins_at_once_are_queued_then_refused_in_bounded_memory,
);

const OPS: &str = "ops@example.org";

fn now_seconds() -> u64 {
    u64::try_from(sharecare_domain::time::Timestamp::now().seconds()).unwrap()
}

/// Whether a session still opens the admin (the dashboard, not a redirect to sign in), and
/// whether its forms are still taken.
async fn still_open(app: &TestApp, staffer: &Staffer) -> bool {
    let page = staffer.get(app, "/admin").await;
    let form = staffer
        .post(app, "/admin/account", &[("action", "nothing")])
        .await;
    match (page.status(), form.status()) {
        (StatusCode::OK, StatusCode::SEE_OTHER) => true,
        (StatusCode::SEE_OTHER, StatusCode::UNAUTHORIZED) => {
            assert_eq!(page.headers()["location"], "/admin/sign-in");
            false
        }
        other => panic!("a session is either open or over, not {other:?}"),
    }
}

async fn a_new_password_ends_an_open_session(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let ops = staff(&app, OPS, Role::Finance).await;
    let other_device = crate::admin::sign_in_as(&app, OPS).await;
    assert!(still_open(&app, &ops).await);
    app.state
        .staff
        .reset_password(OPS, "another long password".into(), &Actor::command_line())
        .await
        .unwrap();
    assert!(!still_open(&app, &ops).await, "the session is over");
    assert!(!still_open(&app, &other_device).await, "every session is");
    let old = post_sign_in(&app, OPS, PASSWORD, "", None).await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    let new = post_sign_in(&app, OPS, "another long password", "", None).await;
    assert_eq!(
        new.status(),
        StatusCode::SEE_OTHER,
        "the new password works"
    );
}

async fn a_session_ended_by_disabling_stays_ended_when_the_account_is_enabled_again(
    backend: Backend,
) {
    let app = spawn_app_on(backend).await;
    let ops = staff(&app, OPS, Role::Finance).await;
    let actor = Actor::command_line();
    app.state.staff.disable(OPS, &actor).await.unwrap();
    app.state.staff.enable(OPS, &actor).await.unwrap();
    assert!(
        !still_open(&app, &ops).await,
        "enabling again does not bring the old session back"
    );
    let again = crate::admin::sign_in_as(&app, OPS).await;
    assert!(still_open(&app, &again).await, "a new sign-in works");
}

async fn a_new_role_ends_an_open_session(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let ops = staff(&app, OPS, Role::Admin).await;
    assert_eq!(ops.get(&app, "/admin/users").await.status(), StatusCode::OK);
    app.state
        .staff
        .set_role(OPS, Role::Viewer, &Actor::command_line())
        .await
        .unwrap();
    assert!(!still_open(&app, &ops).await);
    let viewer = crate::admin::sign_in_as(&app, OPS).await;
    assert_eq!(
        viewer.get(&app, "/admin/users").await.status(),
        StatusCode::FORBIDDEN,
        "the new session is under the new role"
    );
    let role = app.db.staff_user_by_email(OPS).await.unwrap().unwrap().role;
    assert_eq!(role, Role::Viewer);
}

/// Begins enrolment and turns the second factor on with the app's code; the secret, the page
/// that answered (with the recovery codes) and the session's cookie after it (a new id).
async fn enrol(app: &TestApp, staffer: &Staffer) -> (String, String, String) {
    staffer
        .post(app, "/admin/account", &[("action", "begin")])
        .await;
    let secret = enrolling_key(app, OPS).await;
    let code = totp::code_at(&secret, now_seconds()).unwrap();
    let answer = staffer
        .post(
            app,
            "/admin/account",
            &[("action", "confirm"), ("code", &code)],
        )
        .await;
    assert_eq!(
        answer.status(),
        StatusCode::OK,
        "the codes are shown at once"
    );
    let cookie = cookies_from(&answer);
    (secret, answer.text().await.unwrap(), cookie)
}

/// The recovery codes a page shows.
fn recovery_codes(page: &str) -> Vec<String> {
    let list = &page[page
        .find("class=\"recovery-codes\"")
        .expect("the codes are listed")..];
    let list = &list[..list.find("</ol>").unwrap()];
    list.split("<code>")
        .skip(1)
        .map(|rest| rest[..rest.find("</code>").unwrap()].to_string())
        .collect()
}

async fn turning_a_second_factor_on_ends_the_other_sessions_and_keeps_this_one(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let ops = staff(&app, OPS, Role::Finance).await;
    let other_device = crate::admin::sign_in_as(&app, OPS).await;
    let (_, page, cookie) = enrol(&app, &ops).await;
    assert!(cookie.contains("sharecare_staff="), "a new id: {cookie}");
    let this_one = Staffer {
        cookie,
        csrf: ops.csrf.clone(),
    };
    assert!(still_open(&app, &this_one).await, "the one that did it");
    assert!(!still_open(&app, &ops).await, "under its old id it is gone");
    assert!(
        !still_open(&app, &other_device).await,
        "a session that never gave the code is over"
    );
    assert_eq!(recovery_codes(&page).len(), 10);
}

async fn a_second_factor_rule_applies_to_open_sessions_at_their_next_request(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let admin = staff(&app, "admin@example.org", Role::Admin).await;
    let viewer = staff(&app, "viewer@example.org", Role::Viewer).await;
    assert_eq!(
        viewer.get(&app, "/admin/donations").await.status(),
        StatusCode::OK
    );
    let set = admin
        .post(
            &app,
            "/admin/users",
            &[("role", "viewer"), ("required", "yes")],
        )
        .await;
    assert_eq!(set.status(), StatusCode::SEE_OTHER);
    let next = viewer.get(&app, "/admin/donations").await;
    assert_eq!(next.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        next.headers()["location"],
        "/admin/account",
        "the open session must set up the second factor first"
    );
}

async fn a_session_signed_out_during_a_request_is_not_written_back(backend: Backend) {
    use tower_sessions::session::{Id, Record};
    use tower_sessions::SessionStore;
    let app = spawn_app_on(backend).await;
    let store = app.state.staff.session_store();
    let mut record = Record {
        id: Id::default(),
        data: Default::default(),
        expiry_date: time::OffsetDateTime::now_utc() + time::Duration::minutes(30),
    };
    store.create(&mut record).await.unwrap();
    assert!(store.load(&record.id).await.unwrap().is_some());
    // A request loaded the session; sign-out deleted it; the request ends and saves.
    store.delete(&record.id).await.unwrap();
    record
        .data
        .insert("staff".into(), serde_json::json!({"user_id": "x"}));
    store.save(&record).await.unwrap();
    assert!(
        store.load(&record.id).await.unwrap().is_none(),
        "the signed-out session stays signed out"
    );
    // An existing session is still saved.
    let id = "kept";
    let first = SessionRecord {
        data: "{}".into(),
        expires_at: now_seconds() as i64 + 600,
    };
    assert!(app
        .db
        .create_session(SessionTable::Staff, id, &first)
        .await
        .unwrap());
    let changed = SessionRecord {
        data: "{\"a\":1}".into(),
        ..first
    };
    assert!(app
        .db
        .save_session(SessionTable::Staff, id, &changed)
        .await
        .unwrap());
    assert_eq!(
        app.db
            .load_session(SessionTable::Staff, id, now_seconds() as i64)
            .await
            .unwrap()
            .unwrap()
            .data,
        "{\"a\":1}"
    );
}

/// Sign-in limits far above the test's tries, so only the second factor's lock refuses.
fn many_sign_ins() -> (&'static str, String) {
    ("SIGN_INS_PER_MINUTE", "1000".to_string())
}

async fn five_wrong_codes_lock_the_second_factor_and_mail_its_holder_once(backend: Backend) {
    let sink = SmtpSink::start().await;
    let app = spawn_app_with(backend, &[many_sign_ins(), ("SMTP_URL", sink.url())]).await;
    let ops = staff(&app, OPS, Role::Finance).await;
    let (secret, _, _) = enrol(&app, &ops).await;
    // Wrong passwords do not count: someone without the password cannot lock anyone out.
    for _ in 0..6 {
        let refused = post_sign_in(&app, OPS, "not the password!", "000000", None).await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    }
    let right = || totp::code_at(&secret, now_seconds() + 30).unwrap();
    let wrong = || {
        let right = right();
        // A six-digit code that is none of the three accepted around now.
        (0..1_000_000u32)
            .map(|n| format!("{n:06}"))
            .find(|code| totp::check(&secret, code, now_seconds()).is_none() && *code != right)
            .unwrap()
    };
    for attempt in 1..=5 {
        let refused = post_sign_in(&app, OPS, PASSWORD, &wrong(), None).await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED, "try {attempt}");
    }
    let locked = post_sign_in(&app, OPS, PASSWORD, &right(), None).await;
    assert_eq!(
        locked.status(),
        StatusCode::UNAUTHORIZED,
        "locked: even the right code is refused"
    );
    assert!(!cookies_from(&locked).contains("sharecare_staff="));
    // More wrong codes while locked send no more mail.
    post_sign_in(&app, OPS, PASSWORD, &wrong(), None).await;
    let to_ops = || {
        sink.received()
            .into_iter()
            .filter(|mail| mail.to == vec![format!("<{OPS}>")])
            .collect::<Vec<_>>()
    };
    crate::payments::eventually("the lock is mailed", || async { !to_ops().is_empty() }).await;
    // Give a second mail the time the first one took, then count (a wait before checking
    // that something did not happen, which a slow machine cannot fail).
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let mails = to_ops();
    assert_eq!(mails.len(), 1, "one mail for one lock");
    let (subject, text) = mails[0].parsed();
    assert!(subject.contains("15"), "{subject}");
    assert!(text.contains("five") && text.contains("五次"), "{text}");
    drop(mails);
    let lead = staff(&app, "lead@example.org", Role::Admin).await;
    let audit = lead.get(&app, "/admin/audit").await.text().await.unwrap();
    assert!(
        audit.contains("second_factor_locked"),
        "the lock is audited"
    );
    // Fifteen minutes on (the lock's end moved into the past), the right code works again.
    lift_lock(&app).await;
    let after = post_sign_in(&app, OPS, PASSWORD, &right(), None).await;
    assert_eq!(after.status(), StatusCode::SEE_OTHER);
}

async fn lift_lock(app: &TestApp) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut connection = sqlx::AnyConnection::connect(&app._database.url)
        .await
        .unwrap();
    sqlx::query("UPDATE staff_users SET second_factor_locked_until = 1 WHERE email = $1")
        .bind(OPS)
        .execute(&mut connection)
        .await
        .unwrap();
}

async fn a_recovery_code_signs_in_once_and_only_its_hash_is_kept(backend: Backend) {
    let app = spawn_app_with(backend, &[many_sign_ins()]).await;
    let ops = staff(&app, OPS, Role::Finance).await;
    ops.post(&app, "/admin/account", &[("action", "begin")])
        .await;
    let enrolling = ops.get(&app, "/admin/account").await.text().await.unwrap();
    let secret = enrolling_key(&app, OPS).await;
    assert!(
        enrolling.contains(&in_fours(&secret)),
        "the key is shown in groups of four"
    );
    let (_, page, _) = enrol(&app, &ops).await;
    let codes = recovery_codes(&page);
    assert_eq!(codes.len(), 10);
    assert!(codes.iter().all(|code| code.len() == 19), "{codes:?}");
    let stored = stored_recovery_hashes(&app).await;
    assert_eq!(stored.len(), 10);
    for code in &codes {
        let digits: String = code.chars().filter(char::is_ascii_digit).collect();
        assert!(
            stored
                .iter()
                .all(|hash| !hash.contains(&digits) && !hash.contains(code.as_str())),
            "only hashes are kept"
        );
    }
    let page_again = ops.get(&app, "/admin/account").await.text().await.unwrap();
    assert!(
        !codes.iter().any(|code| page_again.contains(code.as_str())),
        "the codes are shown once"
    );

    let first = post_sign_in(&app, OPS, PASSWORD, &codes[0], None).await;
    assert_eq!(
        first.status(),
        StatusCode::SEE_OTHER,
        "a recovery code signs in"
    );
    let again = post_sign_in(&app, OPS, PASSWORD, &codes[0], None).await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED, "and only once");
    let dashed = codes[1].replace(' ', "-");
    let second = post_sign_in(&app, OPS, PASSWORD, &dashed, None).await;
    assert_eq!(second.status(), StatusCode::SEE_OTHER, "typed with dashes");
    let signed = Staffer {
        cookie: cookies_from(&second),
        csrf: String::new(),
    };
    let account = signed
        .get(&app, "/admin/account")
        .await
        .text()
        .await
        .unwrap();
    assert!(account.contains(": 8."), "eight are left");
    let csrf = crate::admin::field_value(&account, "csrf").unwrap();
    let signed = Staffer { csrf, ..signed };
    let renewed = signed
        .post(
            &app,
            "/admin/account",
            &[("action", "renew_recovery_codes")],
        )
        .await;
    assert_eq!(renewed.status(), StatusCode::OK);
    let new_codes = recovery_codes(&renewed.text().await.unwrap());
    assert_eq!(new_codes.len(), 10);
    let old = post_sign_in(&app, OPS, PASSWORD, &codes[2], None).await;
    assert_eq!(
        old.status(),
        StatusCode::UNAUTHORIZED,
        "a new set ends the old"
    );
    let new = post_sign_in(&app, OPS, PASSWORD, &new_codes[0], None).await;
    assert_eq!(new.status(), StatusCode::SEE_OTHER);
}

async fn stored_recovery_hashes(app: &TestApp) -> Vec<String> {
    use sqlx::{Connection, Row};
    sqlx::any::install_default_drivers();
    let mut connection = sqlx::AnyConnection::connect(&app._database.url)
        .await
        .unwrap();
    sqlx::query("SELECT code_hash FROM staff_recovery_codes")
        .fetch_all(&mut connection)
        .await
        .unwrap()
        .iter()
        .map(|row| row.get::<String, _>(0))
        .collect()
}

/// 600 sign-ins at once against the real binary, each of which would run a 19 MiB Argon2id
/// check: two run at a time, the rest wait up to a second and are then told to come back
/// (503 with `Retry-After`). The server's peak resident memory (VmHWM) stays within a few
/// hashes' worth; unbounded, 512 checks on the blocking pool would take about 10 GiB.
async fn six_hundred_sign_ins_at_once_are_queued_then_refused_in_bounded_memory(backend: Backend) {
    use crate::processes::{free_port, ServerProcess};
    const SIGN_INS: usize = 600;
    const AT_ONCE: usize = 2;
    let database = crate::helpers::TestDatabase::new(backend).await;
    let metrics = format!("127.0.0.1:{}", free_port());
    let server = ServerProcess::start_site(
        &database.url,
        &[
            ("PASSWORD_CHECKS_AT_ONCE", AT_ONCE.to_string()),
            ("PASSWORD_QUEUE_SECONDS", "1".to_string()),
            ("SIGN_INS_PER_MINUTE", "100000".to_string()),
            // Every one of them reaches the password check (none is shed before it).
            ("MAX_CONCURRENT_REQUESTS", "1000".to_string()),
            ("METRICS_ADDR", metrics.clone()),
        ],
    );
    let before_kb = memory_kb(server.pid(), "VmRSS:");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let token = crate::helpers::signed_token();
    let url = server.url("/admin/sign-in");
    let answers = futures_util::future::join_all((0..SIGN_INS).map(|n| {
        let client = client.clone();
        let url = url.clone();
        let token = token.clone();
        async move {
            let response = client
                .post(&url)
                .form(&[
                    ("email", format!("someone{n}@example.org")),
                    ("password", "a guess at a password".to_string()),
                    ("code", String::new()),
                    ("token", token),
                ])
                .send()
                .await
                .unwrap();
            (
                response.status(),
                response.headers().contains_key("retry-after"),
            )
        }
    }))
    .await;
    let peak_kb = memory_kb(server.pid(), "VmHWM:");
    let refused = answers
        .iter()
        .filter(|(status, _)| *status == StatusCode::UNAUTHORIZED)
        .count();
    let busy = answers
        .iter()
        .filter(|(status, _)| *status == StatusCode::SERVICE_UNAVAILABLE)
        .count();
    println!(
        "{SIGN_INS} sign-ins at once: {refused} checked and refused, {busy} told to come back; \
         server resident memory {before_kb} kB before, peak {peak_kb} kB"
    );
    assert_eq!(refused + busy, SIGN_INS, "every answer is 401 or 503");
    assert!(refused >= AT_ONCE, "some were checked: {refused}");
    assert!(busy > 0, "the excess is turned away");
    assert!(
        answers
            .iter()
            .filter(|(status, _)| *status == StatusCode::SERVICE_UNAVAILABLE)
            .all(|(_, retry_after)| *retry_after),
        "a 503 says when to come back"
    );
    let metrics_text = reqwest::get(format!("http://{metrics}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let highest: f64 = metrics_text
        .lines()
        .find_map(|line| line.strip_prefix("sharecare_password_checks_peak "))
        .expect("the gate reports its peak")
        .trim()
        .parse()
        .unwrap();
    assert!(
        highest >= 1.0 && highest <= AT_ONCE as f64,
        "at most {AT_ONCE} checks ran at once: {highest}"
    );
    // Two checks' working memory (19 MiB each, kept and reused) and 600 requests in flight.
    // Unbounded it would be gigabytes; with a fresh buffer per check (glibc keeping the freed
    // ones) it was over 560 MiB.
    let grown_mib = peak_kb.saturating_sub(before_kb) / 1024;
    assert!(
        grown_mib < 256,
        "peak memory grew {grown_mib} MiB ({before_kb} kB to {peak_kb} kB)"
    );
    drop(server);
}

/// A line of `/proc/PID/status` in kB (`VmRSS:` now, `VmHWM:` the peak).
fn memory_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("the server's memory can be read")
}

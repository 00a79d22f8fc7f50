//! The staff admin: who may get in (every route, walked from the route list), sessions and
//! their cookie, sign-in throttling and the second factor, CSRF tokens, and what finance does
//! (confirm a transfer, import a bank statement, refund a card payment, export CSV).

use reqwest::StatusCode;
use sharecare_content::paths::{Access, Endpoint};
use sharecare_db::{Actor, DonationMessage};
use sharecare_domain::identifiers::Reference;
use sharecare_domain::staff::Role;

use crate::fake_stripe::FakeStripe;
use crate::helpers::{cookies_from, signed_token, spawn_app_on, spawn_app_with, Backend, TestApp};
use crate::payments::{eventually, give_by_card, stripe_settings, Gift};

on_both_databases!(
    every_admin_route_checks_the_session_and_the_role,
    the_session_cookie_is_host_only_secure_and_strict,
    signing_in_makes_a_new_session_and_signing_out_ends_it,
    the_sixth_wrong_password_in_a_minute_is_refused,
    a_second_factor_once_set_up_is_asked_for_and_used_once,
    a_role_can_be_made_to_set_up_a_second_factor_first,
    admin_forms_need_the_sessions_token,
    confirming_a_transfer_moves_the_total_once,
    a_different_amount_needs_an_explicit_confirmation,
    a_statement_is_matched_and_each_line_applied_once,
    a_refund_reaches_stripe_once_and_lowers_the_total,
    the_export_keeps_names_as_text,
);

pub const PASSWORD: &str = "a long enough password";

/// The second-factor key kept for `email` while they enrol, as their authenticator app gets it.
pub async fn enrolling_key(app: &TestApp, email: &str) -> String {
    app.db
        .staff_user_by_email(email)
        .await
        .unwrap()
        .expect("a staff account")
        .totp_secret
        .expect("a key while enrolling")
}

/// A key as the account page shows it for typing in: groups of four with a space between,
/// worked out here rather than by the app's own helper.
pub fn in_fours(key: &str) -> String {
    key.as_bytes()
        .chunks(4)
        .map(|group| std::str::from_utf8(group).unwrap())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A signed-in member of staff: their session cookie and their forms' token.
pub struct Staffer {
    pub cookie: String,
    pub csrf: String,
}

impl Staffer {
    pub async fn get(&self, app: &TestApp, path: &str) -> reqwest::Response {
        app.client
            .get(app.url(path))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap()
    }

    /// Posts a form with the session's token added.
    pub async fn post(
        &self,
        app: &TestApp,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut fields = fields.to_vec();
        fields.push(("csrf", &self.csrf));
        app.client
            .post(app.url(path))
            .header("cookie", &self.cookie)
            .form(&fields)
            .send()
            .await
            .unwrap()
    }
}

/// The value of the first `<input name="{name}" value="...">` in a page.
pub fn field_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    Some(html[start..start + html[start..].find('"')?].to_string())
}

pub async fn add_staff(app: &TestApp, email: &str, role: Role) {
    app.state
        .staff
        .add_user(email, role, PASSWORD.to_string(), &Actor::command_line())
        .await
        .expect("the account is added");
}

/// Posts the sign-in form (with a fresh form token), with a cookie if given.
pub async fn post_sign_in(
    app: &TestApp,
    email: &str,
    password: &str,
    code: &str,
    cookie: Option<&str>,
) -> reqwest::Response {
    let page = app.get("/admin/sign-in").await.text().await.unwrap();
    let token = field_value(&page, "token").expect("the sign-in form has a token");
    let mut request = app.client.post(app.url("/admin/sign-in")).form(&[
        ("email", email),
        ("password", password),
        ("code", code),
        ("token", token.as_str()),
    ]);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    request.send().await.unwrap()
}

/// Signs in an existing account and reads its forms' token.
pub async fn sign_in_as(app: &TestApp, email: &str) -> Staffer {
    let response = post_sign_in(app, email, PASSWORD, "", None).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "signed in");
    let cookie = cookies_from(&response);
    assert!(cookie.contains("sharecare_staff="), "{cookie}");
    let page = app
        .client
        .get(app.url("/admin/account"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = field_value(&page, "csrf").expect("admin pages carry the token");
    Staffer { cookie, csrf }
}

/// A new account with `role`, signed in.
pub async fn staff(app: &TestApp, email: &str, role: Role) -> Staffer {
    add_staff(app, email, role).await;
    sign_in_as(app, email).await
}

/// An FPS or bank-transfer pledge made through the public form; its reference.
pub async fn pledge(app: &TestApp, amount: &str, name: &str, frequency: &str) -> Reference {
    let token = signed_token();
    let response = app
        .post_form(
            "/en/donate",
            &[
                ("frequency", frequency),
                ("amount", "other"),
                ("custom_amount", amount),
                ("currency", "HKD"),
                ("email", "chan.tai.man@example.org"),
                ("name", name),
                ("receipt", "own_name"),
                ("payment_method", "offline"),
                ("token", token.as_str()),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap();
    Reference::parse(
        location
            .split('/')
            .nth(3)
            .unwrap()
            .split('?')
            .next()
            .unwrap(),
    )
    .unwrap()
}

pub async fn raised(app: &TestApp) -> u64 {
    app.db.paid_totals().await.unwrap().raised_minor
}

async fn every_admin_route_checks_the_session_and_the_role(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let secret_donor = pledge(&app, "300", "Secret Donor", "one_off").await;
    let viewer = staff(&app, "viewer@example.org", Role::Viewer).await;
    let finance = staff(&app, "finance@example.org", Role::Finance).await;
    let staff_routes: Vec<(Endpoint, Role)> = Endpoint::ALL
        .into_iter()
        .filter_map(|endpoint| match endpoint.access() {
            Access::Staff(role) => Some((endpoint, role)),
            Access::Public | Access::Donor => None,
        })
        .collect();
    assert!(staff_routes.len() >= 15, "{staff_routes:?}");
    for (endpoint, needed) in staff_routes {
        let path = endpoint
            .example()
            .replace("LBC-7K3Q9X", secret_donor.as_str());
        let methods = endpoint.methods();
        // No session: sent to sign in (a page) or refused (a form), and nothing of a donor's.
        if methods.get() {
            let response = app.get(&path).await;
            assert_eq!(response.status(), StatusCode::SEE_OTHER, "GET {path}");
            assert_eq!(response.headers()["location"], "/admin/sign-in");
        }
        if methods.post() {
            let response = app.post_form(&path, &[("csrf", "x")]).await;
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "POST {path}");
            assert!(!response.text().await.unwrap().contains("Secret Donor"));
        }
        // A role too low: 403, before any handler runs.
        for (who, role) in [(&viewer, Role::Viewer), (&finance, Role::Finance)] {
            if role.allows(needed) {
                continue;
            }
            if methods.get() {
                let response = who.get(&app, &path).await;
                assert_eq!(
                    response.status(),
                    StatusCode::FORBIDDEN,
                    "{role:?} GET {path}"
                );
                assert!(!response.text().await.unwrap().contains("Secret Donor"));
            }
            if methods.post() {
                let response = who.post(&app, &path, &[]).await;
                assert_eq!(
                    response.status(),
                    StatusCode::FORBIDDEN,
                    "{role:?} POST {path}"
                );
            }
        }
    }
    // And with the role, the pages open.
    let page = viewer
        .get(&app, &format!("/admin/donations/{}", secret_donor.as_str()))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert!(page.headers()["x-robots-tag"]
        .to_str()
        .unwrap()
        .contains("noindex"));
    assert!(page.text().await.unwrap().contains("Secret Donor"));
}

async fn the_session_cookie_is_host_only_secure_and_strict(backend: Backend) {
    let app = spawn_app_on(backend).await;
    add_staff(&app, "ops@example.org", Role::Viewer).await;
    let response = post_sign_in(&app, "ops@example.org", PASSWORD, "", None).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        set_cookie.starts_with("__Host-sharecare_staff="),
        "{set_cookie}"
    );
    for attribute in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{attribute}: {set_cookie}");
    }
    assert!(
        !set_cookie.to_lowercase().contains("domain="),
        "{set_cookie}"
    );
    // 30 minutes without a request ends it.
    assert!(set_cookie.contains("Max-Age=1800"), "{set_cookie}");
}

async fn signing_in_makes_a_new_session_and_signing_out_ends_it(backend: Backend) {
    let app = spawn_app_on(backend).await;
    add_staff(&app, "ops@example.org", Role::Viewer).await;
    let first = sign_in_as(&app, "ops@example.org").await;
    // Signing in again with the session one already has (or one planted by someone else):
    // the session gets a new id, and the old one opens nothing.
    let again = post_sign_in(&app, "ops@example.org", PASSWORD, "", Some(&first.cookie)).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    let second = cookies_from(&again);
    assert_ne!(second, first.cookie, "a new id at sign-in");
    assert_eq!(
        first.get(&app, "/admin").await.status(),
        StatusCode::SEE_OTHER
    );
    let page = app
        .client
        .get(app.url("/admin/account"))
        .header("cookie", &second)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let staffer = Staffer {
        csrf: field_value(&page, "csrf").unwrap(),
        cookie: second,
    };
    assert_eq!(staffer.get(&app, "/admin").await.status(), StatusCode::OK);
    let out = staffer.post(&app, "/admin/sign-out", &[]).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    // The old cookie after sign-out: refused.
    assert_eq!(
        staffer.get(&app, "/admin").await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        staffer
            .post(&app, "/admin/account", &[("action", "begin")])
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn the_sixth_wrong_password_in_a_minute_is_refused(backend: Backend) {
    let app = spawn_app_on(backend).await;
    add_staff(&app, "ops@example.org", Role::Admin).await;
    let stored = app
        .db
        .staff_user_by_email("ops@example.org")
        .await
        .unwrap()
        .unwrap();
    assert!(
        stored.password_hash.starts_with("$argon2id$"),
        "{}",
        stored.password_hash
    );
    // Unknown account and wrong password read the same.
    let unknown = post_sign_in(&app, "nobody@example.org", PASSWORD, "", None).await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let unknown = unknown.text().await.unwrap();
    for _ in 0..4 {
        let wrong = post_sign_in(&app, "ops@example.org", "wrong password!", "", None).await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        let text = wrong.text().await.unwrap();
        assert!(text.contains("The email, password or code is not right."));
        assert!(unknown.contains("The email, password or code is not right."));
    }
    // The address has tried five times in the minute: the sixth is refused, right password or
    // not.
    let sixth = post_sign_in(&app, "ops@example.org", PASSWORD, "", None).await;
    assert_eq!(sixth.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(sixth.headers().contains_key("retry-after"));
    assert!(!cookies_from(&sixth).contains("sharecare_staff="));
}

async fn a_second_factor_once_set_up_is_asked_for_and_used_once(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let ops = staff(&app, "ops@example.org", Role::Finance).await;
    assert_eq!(
        ops.post(&app, "/admin/account", &[("action", "begin")])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let page = ops.get(&app, "/admin/account").await.text().await.unwrap();
    assert!(page.contains("<svg"), "the QR code is drawn");
    let secret = enrolling_key(&app, "ops@example.org").await;
    assert!(page.contains(&in_fours(&secret)), "and can be typed in");
    let now = || sharecare_domain::time::Timestamp::now().seconds() as u64;
    let wrong = ops
        .post(
            &app,
            "/admin/account",
            &[("action", "confirm"), ("code", "000000")],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let code = sharecare_services::staff::totp::code_at(&secret, now()).unwrap();
    let enabled = ops
        .post(
            &app,
            "/admin/account",
            &[("action", "confirm"), ("code", &code)],
        )
        .await;
    assert_eq!(
        enabled.status(),
        StatusCode::OK,
        "the recovery codes are shown"
    );
    let ops = Staffer {
        cookie: cookies_from(&enabled),
        ..ops
    };
    assert_eq!(
        ops.post(&app, "/admin/sign-out", &[]).await.status(),
        StatusCode::SEE_OTHER
    );

    let without = post_sign_in(&app, "ops@example.org", PASSWORD, "", None).await;
    assert_eq!(
        without.status(),
        StatusCode::UNAUTHORIZED,
        "the code is asked for"
    );
    // The next step's code (the one used to enrol cannot be used again).
    let next = sharecare_services::staff::totp::code_at(&secret, now() + 30).unwrap();
    let with = post_sign_in(&app, "ops@example.org", PASSWORD, &next, None).await;
    assert_eq!(with.status(), StatusCode::SEE_OTHER);
    let replayed = post_sign_in(&app, "ops@example.org", PASSWORD, &next, None).await;
    assert_eq!(
        replayed.status(),
        StatusCode::UNAUTHORIZED,
        "a code works once"
    );
}

async fn a_role_can_be_made_to_set_up_a_second_factor_first(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let admin = staff(&app, "admin@example.org", Role::Admin).await;
    let set = admin
        .post(
            &app,
            "/admin/users",
            &[("role", "viewer"), ("required", "yes")],
        )
        .await;
    assert_eq!(set.status(), StatusCode::SEE_OTHER);
    add_staff(&app, "viewer@example.org", Role::Viewer).await;
    let signed = post_sign_in(&app, "viewer@example.org", PASSWORD, "", None).await;
    assert_eq!(signed.headers()["location"], "/admin/account");
    let cookie = cookies_from(&signed);
    let elsewhere = app
        .client
        .get(app.url("/admin/donations"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), StatusCode::SEE_OTHER);
    assert_eq!(elsewhere.headers()["location"], "/admin/account");
    let audit = admin.get(&app, "/admin/audit").await.text().await.unwrap();
    assert!(audit.contains("totp_policy"), "the change is audited");
}

async fn admin_forms_need_the_sessions_token(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let reference = pledge(&app, "300", "Chan Tai Man", "one_off").await;
    let finance = staff(&app, "finance@example.org", Role::Finance).await;
    let path = format!("/admin/donations/{}/confirm", reference.as_str());
    let fields = [("amount", "300"), ("received_on", "2026-11-30")];
    for csrf in [None, Some("0123456789abcdef0123456789abcdef")] {
        let mut form = fields.to_vec();
        if let Some(csrf) = csrf {
            form.push(("csrf", csrf));
        }
        let response = app
            .client
            .post(app.url(&path))
            .header("cookie", &finance.cookie)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{csrf:?}");
    }
    assert_eq!(raised(&app).await, 0, "nothing was confirmed");
    // A form from another site is refused before that.
    let foreign = app
        .client
        .post(app.url(&path))
        .header("cookie", &finance.cookie)
        .header("origin", "https://evil.test")
        .form(&[
            ("amount", "300"),
            ("received_on", "2026-11-30"),
            ("csrf", finance.csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    assert_eq!(raised(&app).await, 0);
}

async fn confirming_a_transfer_moves_the_total_once(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let reference = pledge(&app, "300", "Chan Tai Man", "one_off").await;
    let finance = staff(&app, "finance@example.org", Role::Finance).await;
    let before = app.state.donations.progress().raised_minor;
    let path = format!("/admin/donations/{}/confirm", reference.as_str());
    let fields = [("amount", "300.00"), ("received_on", "2026-11-30")];
    let first = finance.post(&app, &path, &fields).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    assert!(first.headers()["location"]
        .to_str()
        .unwrap()
        .ends_with("done=confirmed"));
    let second = finance.post(&app, &path, &fields).await;
    assert!(second.headers()["location"]
        .to_str()
        .unwrap()
        .ends_with("done=unchanged"));

    let donation = app
        .db
        .donation_by_reference(&reference)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(donation.status.as_str(), "paid");
    assert_eq!(
        app.db
            .payments_for_donation(&donation.id)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        app.db
            .count_messages_for_donation(&donation.id, DonationMessage::Receipt)
            .await
            .unwrap(),
        1,
        "one receipt"
    );
    let audit = app.db.audit_for_donation(&donation.id).await.unwrap();
    assert_eq!(audit.len(), 1, "one audit row: {audit:?}");
    assert_eq!(audit[0].action, "confirm_transfer");
    assert_eq!(audit[0].actor_email, "finance@example.org");
    assert_eq!(raised(&app).await, 30_000);
    assert_eq!(
        app.state.donations.progress().raised_minor,
        before + 30_000,
        "the live total moved"
    );
    // The donation's page shows it.
    let page = finance
        .get(&app, &format!("/admin/donations/{}", reference.as_str()))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("confirm_transfer"));
    assert!(page.contains("offline:"));
}

async fn a_different_amount_needs_an_explicit_confirmation(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let reference = pledge(&app, "300", "Chan Tai Man", "one_off").await;
    let finance = staff(&app, "finance@example.org", Role::Finance).await;
    let path = format!("/admin/donations/{}/confirm", reference.as_str());
    let unconfirmed = finance
        .post(
            &app,
            &path,
            &[("amount", "250"), ("received_on", "2026-11-29")],
        )
        .await;
    assert_eq!(unconfirmed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = unconfirmed.text().await.unwrap();
    assert!(
        text.contains("HK$250 arrived, the pledge was HK$300"),
        "{text}"
    );
    assert_eq!(raised(&app).await, 0);
    let confirmed = finance
        .post(
            &app,
            &path,
            &[
                ("amount", "250"),
                ("received_on", "2026-11-29"),
                ("accept_difference", "yes"),
            ],
        )
        .await;
    assert_eq!(confirmed.status(), StatusCode::SEE_OTHER);
    assert_eq!(raised(&app).await, 25_000, "recorded as received");
    let donation = app
        .db
        .donation_by_reference(&reference)
        .await
        .unwrap()
        .unwrap();
    let payment = &app.db.payments_for_donation(&donation.id).await.unwrap()[0];
    assert_eq!(
        Some(payment.paid_at),
        sharecare_domain::time::hong_kong_midnight(2026, 11, 29),
        "paid on the day staff said it arrived"
    );
}

/// The account the tests' statements come from.
pub const ACCOUNT: &str = "HSBC 004-111111-001";

/// Uploads a statement of `ACCOUNT` as a browser does (multipart, the token as one of its
/// fields).
pub async fn upload(app: &TestApp, who: &Staffer, name: &str, csv: &str) -> reqwest::Response {
    upload_from(app, who, ACCOUNT, name, csv).await
}

/// Uploads a statement of `account`.
pub async fn upload_from(
    app: &TestApp,
    who: &Staffer,
    account: &str,
    name: &str,
    csv: &str,
) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .text("csrf", who.csrf.clone())
        .text("account", account.to_string())
        .part(
            "statement",
            reqwest::multipart::Part::bytes(csv.as_bytes().to_vec())
                .file_name(name.to_string())
                .mime_str("text/csv")
                .unwrap(),
        );
    app.client
        .post(app.url("/admin/statements"))
        .header("cookie", &who.cookie)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn a_statement_is_matched_and_each_line_applied_once(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let finance = staff(&app, "finance@example.org", Role::Finance).await;
    let exact = pledge(&app, "300", "Chan Tai Man", "one_off").await;
    let sloppy = pledge(&app, "500", "Lee Siu Ling", "one_off").await;
    let monthly = pledge(&app, "200", "Wong Ka Yan", "monthly").await;
    let differs = pledge(&app, "800", "Ho Wing Sze", "one_off").await;
    // A pledge whose reference has a character people misread as one the alphabet leaves
    // out (Q or D as 0, J, T or 7 as I).
    let close = loop {
        let reference = pledge(&app, "420", "Ng Chi Ming", "one_off").await;
        if reference.as_str()[4..].contains(['Q', 'D', 'J', 'T', '7']) {
            break reference;
        }
    };
    let amount_only = pledge(&app, "137.50", "Lam Mei", "one_off").await;
    let code = &close.as_str()[4..];
    let at = code.find(['Q', 'D', 'J', 'T', '7']).unwrap();
    let misread = if matches!(&code[at..=at], "Q" | "D") {
        "0"
    } else {
        "I"
    };
    let confusable = format!("{}{misread}{}", &code[..at], &code[at + 1..]);
    let today = sharecare_domain::time::Timestamp::now().hong_kong_iso_date();
    let sloppy_text = sloppy.as_str()[4..].to_lowercase();
    let csv = format!(
        "Transaction Date,Details,Deposit\n\
         {today},FPS {exact} CHAN TAI MAN,300.00\n\
         {today},fps lbc {} {} lee,500.00\n\
         {today},STANDING ORDER {monthly},200.00\n\
         {today},TRANSFER {differs},700.00\n\
         {today},FPS LBC-{confusable},420.00\n\
         {today},FPS TRANSFER NG,137.50\n\
         {today},SOMEONE UNKNOWN,999.00\n\
         {today},BANK CHARGE,(15.00)\n",
        &sloppy_text[..3],
        &sloppy_text[3..],
        exact = exact.as_str(),
        monthly = monthly.as_str(),
        differs = differs.as_str(),
    );
    // A new bank's layout: its columns are mapped first.
    let uploaded = upload(&app, &finance, "november.csv", &csv).await;
    assert_eq!(uploaded.status(), StatusCode::SEE_OTHER);
    let statement = uploaded.headers()["location"].to_str().unwrap().to_string();
    let import = statement.rsplit('/').next().unwrap().to_string();
    let mapping = finance.get(&app, &statement).await.text().await.unwrap();
    assert!(mapping.contains("Transaction Date") && mapping.contains("date_column"));
    let mapped = finance
        .post(
            &app,
            &format!("{statement}/columns"),
            &[
                ("date_column", "0"),
                ("date_format", "ymd"),
                ("amount_column", "2"),
                ("text_column", "1"),
            ],
        )
        .await;
    assert_eq!(mapped.status(), StatusCode::SEE_OTHER);

    let review = app
        .state
        .donations
        .review_statement(&import)
        .await
        .unwrap()
        .unwrap();
    use sharecare_services::statements::{Doubt, Proposal};
    let proposals: Vec<String> = review
        .lines
        .iter()
        .map(|(_, proposal)| match proposal {
            Proposal::Clear(donation) => format!("clear {}", donation.reference.as_str()),
            Proposal::Check(donation, doubt) => {
                format!("check {} {doubt:?}", donation.reference.as_str())
            }
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        proposals,
        vec![
            format!("clear {}", exact.as_str()),
            format!("clear {}", sloppy.as_str()),
            format!("clear {}", monthly.as_str()),
            format!("check {} {:?}", differs.as_str(), Doubt::AmountDiffers),
            format!("check {} {:?}", close.as_str(), Doubt::ResemblesReference),
            format!("check {} {:?}", amount_only.as_str(), Doubt::AmountAndDate),
            "Unmatched".to_string(),
            "NotAGift".to_string(),
        ]
    );
    let page = finance.get(&app, &statement).await.text().await.unwrap();
    assert!(
        page.contains("Confirm all 3 clear matches"),
        "the page offers them"
    );

    // The clear ones at once; running it again records nothing more.
    let confirmed = finance
        .post(&app, &format!("{statement}/confirm"), &[])
        .await;
    assert!(confirmed.headers()["location"]
        .to_str()
        .unwrap()
        .ends_with("confirmed=3"));
    let again = finance
        .post(&app, &format!("{statement}/confirm"), &[])
        .await;
    assert!(again.headers()["location"]
        .to_str()
        .unwrap()
        .ends_with("confirmed=0"));
    assert_eq!(raised(&app).await, 30_000 + 50_000 + 20_000);

    // One needing a look, confirmed one by one: its line carries no reference, so staff
    // tick that they checked it.
    let amount_line = &review.lines[5].0.id;
    let unticked = finance
        .post(
            &app,
            &format!("/admin/statement-lines/{amount_line}"),
            &[
                ("import", import.as_str()),
                ("action", "confirm"),
                ("reference", amount_only.as_str()),
            ],
        )
        .await;
    assert!(unticked.headers()["location"]
        .to_str()
        .unwrap()
        .ends_with("problem=unchecked"));
    let one = finance
        .post(
            &app,
            &format!("/admin/statement-lines/{amount_line}"),
            &[
                ("import", import.as_str()),
                ("action", "confirm"),
                ("reference", amount_only.as_str()),
                ("checked", "yes"),
            ],
        )
        .await;
    assert!(one.headers()["location"]
        .to_str()
        .unwrap()
        .ends_with("confirmed=1"));
    let twice = finance
        .post(
            &app,
            &format!("/admin/statement-lines/{amount_line}"),
            &[
                ("import", import.as_str()),
                ("action", "confirm"),
                ("reference", amount_only.as_str()),
                ("checked", "yes"),
            ],
        )
        .await;
    assert!(twice.headers()["location"]
        .to_str()
        .unwrap()
        .ends_with("confirmed=0"));
    // The bank charge is set aside.
    let charge = &review.lines[7].0.id;
    finance
        .post(
            &app,
            &format!("/admin/statement-lines/{charge}"),
            &[("import", import.as_str()), ("action", "set_aside")],
        )
        .await;
    let total = 30_000 + 50_000 + 20_000 + 13_750;
    assert_eq!(raised(&app).await, total);
    for reference in [&exact, &sloppy, &monthly, &amount_only] {
        let donation = app
            .db
            .donation_by_reference(reference)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            app.db
                .payments_for_donation(&donation.id)
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            app.db
                .count_messages_for_donation(&donation.id, DonationMessage::Receipt)
                .await
                .unwrap(),
            1,
            "a receipt each"
        );
    }

    // The same file again: its layout is known, every line is known, nothing is applied.
    let reimported = upload(&app, &finance, "november-again.csv", &csv).await;
    let second = reimported.headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    let second_import = second.rsplit('/').next().unwrap().to_string();
    assert_ne!(second_import, import);
    let review = app
        .state
        .donations
        .review_statement(&second_import)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (review.import.lines_read, review.import.lines_known),
        (8, 8)
    );
    assert!(review.lines.is_empty());
    let none = finance.post(&app, &format!("{second}/confirm"), &[]).await;
    assert!(none.headers()["location"]
        .to_str()
        .unwrap()
        .ends_with("confirmed=0"));
    assert_eq!(raised(&app).await, total);
}

async fn a_refund_reaches_stripe_once_and_lowers_the_total(backend: Backend) {
    let fake = FakeStripe::start().await;
    let app = spawn_app_with(backend, &stripe_settings(&fake, None)).await;
    fake.send_webhooks_to(&app.url("/webhooks/stripe"));
    let session = give_by_card(&app, &fake, &Gift::card("300")).await;
    fake.deliver(&fake.completed_event(&session)).await;
    assert_eq!(raised(&app).await, 30_000);
    let reference = Reference::parse(session.param("client_reference_id").unwrap()).unwrap();
    let finance = staff(&app, "finance@example.org", Role::Finance).await;
    let page = finance
        .get(&app, &format!("/admin/donations/{}", reference.as_str()))
        .await
        .text()
        .await
        .unwrap();
    let payment_id = field_value(&page, "payment_id").expect("a refund form");
    let request_id = field_value(&page, "request_id").unwrap();
    let path = format!("/admin/donations/{}/refund", reference.as_str());
    let fields = [
        ("payment_id", payment_id.as_str()),
        ("amount", "100"),
        ("request_id", request_id.as_str()),
    ];
    // A double click: the same form twice.
    let (first, second) = tokio::join!(
        finance.post(&app, &path, &fields),
        finance.post(&app, &path, &fields)
    );
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    assert_eq!(second.status(), StatusCode::SEE_OTHER);
    let refunds = fake.refunds();
    assert_eq!(refunds.len(), 1, "one refund at Stripe: {refunds:?}");
    assert_eq!(refunds[0].0, format!("sharecare-refund-{request_id}"));
    assert_eq!(refunds[0].2, 10_000);
    let db = app.db.clone();
    eventually("the refund's webhook lowers the total", || {
        let db = db.clone();
        async move { db.paid_totals().await.unwrap().raised_minor == 20_000 }
    })
    .await;
    // More than is left is refused with what can be.
    let page = finance
        .get(&app, &format!("/admin/donations/{}", reference.as_str()))
        .await
        .text()
        .await
        .unwrap();
    let too_much = finance
        .post(
            &app,
            &path,
            &[
                ("payment_id", payment_id.as_str()),
                ("amount", "250"),
                (
                    "request_id",
                    field_value(&page, "request_id").unwrap().as_str(),
                ),
            ],
        )
        .await;
    assert_eq!(too_much.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_much
        .text()
        .await
        .unwrap()
        .contains("At most HK$200 can be refunded."));
    assert_eq!(fake.refunds().len(), 1);
    let donation = app
        .db
        .donation_by_reference(&reference)
        .await
        .unwrap()
        .unwrap();
    let audit = app.db.audit_for_donation(&donation.id).await.unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|entry| entry.action == "refund_requested")
            .count(),
        1
    );
}

async fn the_export_keeps_names_as_text(backend: Backend) {
    let app = spawn_app_on(backend).await;
    pledge(&app, "300", "=HYPERLINK(\"http://x\")", "one_off").await;
    pledge(&app, "500", "陳大文", "monthly").await;
    let finance = staff(&app, "finance@example.org", Role::Finance).await;
    let response = finance.get(&app, "/admin/donations.csv").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let bytes = response.bytes().await.unwrap();
    assert!(
        bytes.starts_with("\u{feff}".as_bytes()),
        "a byte-order mark for Excel"
    );
    let text = std::str::from_utf8(&bytes).unwrap();
    assert!(text.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{text}");
    assert!(!text.contains(",=HYPERLINK"), "{text}");
    assert!(text.contains(",陳大文,"), "{text}");
    assert!(text.lines().count() >= 3);
    assert!(text.contains("\r\n"), "RFC 4180 line ends");
    // Filtered: the monthly gift alone.
    let monthly = finance
        .get(&app, "/admin/donations.csv?frequency=monthly")
        .await
        .text()
        .await
        .unwrap();
    assert!(monthly.contains("陳大文") && !monthly.contains("HYPERLINK"));
    let audit = finance
        .get(&app, "/admin/audit")
        .await
        .text()
        .await
        .unwrap();
    assert!(audit.contains("export") && audit.contains("frequency=monthly"));
}

/// Stores `count` donations straight into the database (a year of a busy campaign), for the
/// export's memory test.
async fn fill_donations(url: &str, count: usize) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut connection = sqlx::AnyConnection::connect(url).await.unwrap();
    let alphabet = Reference::ALPHABET;
    let mut tx = connection.begin().await.unwrap();
    for chunk in (0..count).collect::<Vec<_>>().chunks(500) {
        let mut sql = String::from(
            "INSERT INTO donations (id, reference, idempotency_key, access_key, status, \
             amount_minor, currency, frequency, payment_method, email, email_key, donor_name, \
             receipt, marketing_consent, consent_recorded_at, locale, created_at) VALUES ",
        );
        let mut values = Vec::new();
        for row in 0..chunk.len() {
            let p = row * 5;
            values.push(format!(
                "(${}, ${}, ${}, 'k', 'pending', 30000, 'HKD', 'one_off', 'offline', ${}, ${}, \
                 ${}, 'own_name', 'declined', 0, 'en', 1795881600000)",
                p + 1,
                p + 2,
                p + 3,
                p + 4,
                p + 4,
                p + 5
            ));
        }
        sql.push_str(&values.join(", "));
        let mut query = sqlx::query(&sql);
        for n in chunk {
            let mut code = String::new();
            let mut rest = *n;
            for _ in 0..Reference::CODE_LENGTH {
                code.push(char::from(alphabet[rest % alphabet.len()]));
                rest /= alphabet.len();
            }
            query = query
                .bind(format!("bulk-{n}"))
                .bind(format!("LBC-{code}"))
                .bind(format!("bulk-token-{n}"))
                .bind(format!("donor{n}@example.org"))
                .bind(format!("捐款人 {n} \"quoted\", with a comma"));
        }
        query.execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// The resident memory of a process, in KB.
fn resident_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// 100,000 rows leave as CSV while the server's memory stays flat: the rows stream from the
/// database through a small channel into the response. (Measured on the real binary: its
/// resident memory, sampled while the file downloads, against before.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_thousand_row_export_streams_in_flat_memory() {
    use crate::processes::ServerProcess;
    const ROWS: usize = 100_000;
    let database = crate::helpers::TestDatabase::new(Backend::Sqlite).await;
    let db = sharecare_db::Database::connect(&database.url)
        .await
        .unwrap();
    fill_donations(&database.url, ROWS).await;
    let content = sharecare_content::load(&crate::helpers::content_dir()).unwrap();
    let limits = std::sync::Arc::new(sharecare_services::limits::Limits::new(
        &db,
        sharecare_services::config::Settings::from_pairs::<&str>(&[])
            .unwrap()
            .protection
            .limits,
        sharecare_services::config::Settings::from_pairs::<&str>(&[])
            .unwrap()
            .protection
            .breaker,
    ));
    let staff_service = sharecare_services::staff::Staff::new(
        db.clone(),
        limits,
        std::sync::Arc::new(sharecare_services::staff::PasswordGate::new(
            1,
            std::time::Duration::from_secs(60),
        )),
        std::sync::Arc::new(sharecare_services::mailer::Mailer::new(&content, None, None).unwrap()),
        content.organisation.name.get(sharecare_domain::Locale::En),
    );
    staff_service
        .add_user(
            "finance@example.org",
            Role::Finance,
            PASSWORD.into(),
            &Actor::command_line(),
        )
        .await
        .unwrap();
    db.close().await;
    let url = database.url.clone();
    let server = tokio::task::spawn_blocking(move || ServerProcess::start_site(&url, &[]))
        .await
        .unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = client
        .get(server.url("/admin/sign-in"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = field_value(&page, "token").unwrap();
    let signed = client
        .post(server.url("/admin/sign-in"))
        .form(&[
            ("email", "finance@example.org"),
            ("password", PASSWORD),
            ("token", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    let cookie = cookies_from(&signed);
    // Warm up (the code paths, the allocator), then measure from here.
    client
        .get(server.url("/admin/donations.csv?q=nobody"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let pid = server.pid();
    let before = resident_kb(pid);
    let mut response = client
        .get(server.url("/admin/donations.csv"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (mut bytes, mut lines, mut peak) = (0usize, 0usize, before);
    while let Some(chunk) = response.chunk().await.unwrap() {
        bytes += chunk.len();
        lines += chunk.iter().filter(|b| **b == b'\n').count();
        peak = peak.max(resident_kb(pid));
        // Read slowly enough for the server to be the one holding rows if it buffered them.
        if lines % 10_000 < 100 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }
    assert_eq!(lines, ROWS + 1, "a header and every row");
    let grown_kb = peak.saturating_sub(before);
    eprintln!(
        "export of {ROWS} rows: {bytes} bytes; server resident memory {before} kB before, \
         {peak} kB at most while streaming (+{grown_kb} kB)"
    );
    assert!(bytes > 10_000_000, "{bytes}");
    assert!(
        grown_kb < 8 * 1024,
        "memory grew {grown_kb} kB while {bytes} bytes streamed out"
    );
    drop(server);
}

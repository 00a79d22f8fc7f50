//! Signing in, and one's own account (the second factor).

use leptos::prelude::*;

use super::{done_message, AdminLayout, Csrf, Notice, StaffView};
use sharecare_content::i18n::{admin_t, fill, AdminLocale};
use sharecare_content::paths::{self, Endpoint};

/// Why the sign-in form came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInProblem {
    /// Any of: no such account, wrong password, wrong or missing code, account disabled.
    Refused,
    TooMany {
        minutes: u64,
    },
    Unavailable,
    /// Too many sign-ins at once: this one waited for its password check and gave up.
    Busy,
    /// The form was too old or not ours: a fresh one.
    Expired,
}

#[component]
pub fn SignInPage(
    locale: AdminLocale,
    /// The form's signed token (sign-in has no session yet to hold one).
    token: String,
    email: String,
    problem: Option<SignInProblem>,
) -> impl IntoView {
    let m = admin_t(locale);
    let problem = problem.map(|problem| {
        let text = match problem {
            SignInProblem::Refused => m.sign_in_refused.to_string(),
            SignInProblem::TooMany { minutes } => {
                fill(m.sign_in_too_many, &[("minutes", &minutes.to_string())])
            }
            SignInProblem::Unavailable => m.sign_in_unavailable.to_string(),
            SignInProblem::Busy => m.sign_in_busy.to_string(),
            SignInProblem::Expired => m.admin_form_expired.to_string(),
        };
        view! { <Notice text problem=true/> }
    });
    view! {
        <AdminLayout locale staff=None title=m.sign_in_title current=Endpoint::AdminSignIn>
            {problem}
            <form method="post" action=paths::admin::sign_in() class="admin-form narrow">
                <input type="hidden" name="token" value=token/>
                <label for="email">{m.field_email}</label>
                <input id="email" name="email" type="email" required autocomplete="username" value=email/>
                <label for="password">{m.field_password}</label>
                <input id="password" name="password" type="password" required autocomplete="current-password"/>
                <label for="code">{m.field_sign_in_code}</label>
                <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="24" aria-describedby="code-hint"/>
                <p id="code-hint" class="hint">{m.field_code_hint}</p>
                <button type="submit" class="button">{m.sign_in}</button>
            </form>
        </AdminLayout>
    }
}

/// The second factor on one's own account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecondFactor {
    On {
        /// Recovery codes not used yet.
        recovery_codes_left: i64,
    },
    Off {
        /// The role requires it: nothing else works until it is set up.
        required: bool,
    },
    /// Set-up begun: the secret to scan (QR code, SVG markup the server drew) or type in (the
    /// key in groups of four).
    Enrolling {
        key: String,
        qr_svg: String,
        wrong_code: bool,
    },
    /// Just turned on, or renewed: the recovery codes, shown this once.
    NewRecoveryCodes { codes: Vec<String> },
}

#[component]
pub fn AccountPage(staff: StaffView, factor: SecondFactor, done: Option<String>) -> impl IntoView {
    let locale = staff.locale;
    let m = admin_t(locale);
    let done = done
        .as_deref()
        .and_then(|done| done_message(m, done))
        .map(|text| view! { <Notice text/> });
    let csrf = staff.csrf.clone();
    let body = match factor {
        SecondFactor::On {
            recovery_codes_left,
        } => view! {
            <p>{m.totp_on}</p>
            <h3>{m.recovery_heading}</h3>
            <p>{fill(m.recovery_left, &[("count", &recovery_codes_left.to_string())])}</p>
            <form method="post" action=paths::admin::account()>
                <Csrf token=csrf.clone()/>
                <input type="hidden" name="action" value="renew_recovery_codes"/>
                <p id="renew-hint" class="hint">{m.recovery_renew_hint}</p>
                <button type="submit" class="button secondary" aria-describedby="renew-hint">{m.recovery_renew}</button>
            </form>
        }
        .into_any(),
        SecondFactor::NewRecoveryCodes { codes } => view! {
            <p>{m.totp_on}</p>
            <h3>{m.recovery_heading}</h3>
            <p>{m.recovery_intro}</p>
            <ol class="recovery-codes">
                {codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
            </ol>
            <p>{m.recovery_shown_once}</p>
            <p><a class="button" href=paths::admin::dashboard()>{m.recovery_saved}</a></p>
        }
        .into_any(),
        SecondFactor::Off { required } => view! {
            {required.then(|| view! { <Notice text=m.totp_required_notice problem=true/> })}
            <p>{m.totp_off}</p>
            <form method="post" action=paths::admin::account()>
                <Csrf token=csrf.clone()/>
                <input type="hidden" name="action" value="begin"/>
                <button type="submit" class="button">{m.totp_begin}</button>
            </form>
        }
        .into_any(),
        SecondFactor::Enrolling {
            key,
            qr_svg,
            wrong_code,
        } => view! {
            {wrong_code.then(|| view! { <Notice text=m.totp_wrong_code problem=true/> })}
            <p>{m.totp_scan}</p>
            <div class="qr" role="img" aria-label=m.totp_qr_label inner_html=qr_svg></div>
            <p>{m.totp_or_type} " " <code class="secret">{key}</code></p>
            <form method="post" action=paths::admin::account() class="admin-form narrow">
                <Csrf token=csrf.clone()/>
                <input type="hidden" name="action" value="confirm"/>
                <label for="code">{m.field_code}</label>
                <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required/>
                <button type="submit" class="button">{m.totp_confirm}</button>
            </form>
        }
        .into_any(),
    };
    view! {
        <AdminLayout locale staff=Some(staff.clone()) title=m.account_title current=Endpoint::AdminAccount>
            {done}
            <h2>{m.totp_heading}</h2>
            {body}
        </AdminLayout>
    }
}

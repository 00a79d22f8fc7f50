//! The staff admin's pages: server-rendered, working without JavaScript, in English or
//! Traditional Chinese. Each page takes what it shows as typed props; handlers in
//! `http::admin` gather it and check who may see it.

pub mod account;
pub mod dashboard;
pub mod donation;
pub mod donations;
pub mod queue;
pub mod statements;

use leptos::prelude::*;
use leptos_meta::{Html, Meta, Title};

use sharecare_content::i18n::{admin_t, AdminLocale, AdminMessages};
use sharecare_content::paths::{self, Endpoint};
use sharecare_domain::money::{Currency, Money};
use sharecare_domain::staff::Role;
use sharecare_domain::time::Timestamp;

/// The signed-in member of staff, as pages show them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffView {
    pub email: String,
    pub role: Role,
    /// Every form carries it.
    pub csrf: String,
    pub locale: AdminLocale,
}

impl StaffView {
    pub fn may(&self, role: Role) -> bool {
        self.role.allows(role)
    }
}

/// A role's name in the admin's language.
pub fn role_name(role: Role, locale: AdminLocale) -> &'static str {
    let m = admin_t(locale);
    match role {
        Role::Viewer => m.role_viewer,
        Role::Finance => m.role_finance,
        Role::Admin => m.role_admin,
    }
}

/// A Hong Kong date and time, `YYYY-MM-DD HH:MM`.
pub fn date_time(at: Timestamp) -> String {
    at.hong_kong_date_time()
}

/// Minor units shown as money, e.g. "HK$1,234.50"; negative amounts with a minus.
pub fn money(minor: i64, currency: Currency) -> String {
    let shown = Money::new(minor.unsigned_abs(), currency).to_string();
    if minor < 0 {
        format!("−{shown}")
    } else {
        shown
    }
}

/// The hidden field every admin form carries.
#[component]
pub fn Csrf(token: String) -> impl IntoView {
    view! { <input type="hidden" name="csrf" value=token/> }
}

/// A message after an action (`?done=...`), from a closed list.
pub fn done_message(m: &'static AdminMessages, done: &str) -> Option<&'static str> {
    Some(match done {
        "confirmed" => m.done_confirmed,
        "unchanged" => m.done_unchanged,
        "refund_requested" => m.done_refund_requested,
        "resolved" => m.done_resolved,
        "accepted" => m.done_accepted,
        "retried" => m.done_retried,
        "set_aside" => m.done_set_aside,
        "policy" => m.done_policy,
        "totp_enabled" => m.done_totp_enabled,
        "recovery_codes_renewed" => m.done_recovery_codes_renewed,
        "undone" => m.done_undone,
        "bounced" => m.done_bounced,
        "bank_refunded" => m.done_bank_refunded,
        "gift_recorded" => m.done_gift_recorded,
        _ => return None,
    })
}

/// The frame of every admin page: language, title, navigation by role, sign-out.
#[component]
pub fn AdminLayout(
    locale: AdminLocale,
    /// `None` on the sign-in page.
    staff: Option<StaffView>,
    #[prop(into)] title: String,
    current: Endpoint,
    children: Children,
) -> impl IntoView {
    let m = admin_t(locale);
    let nav = staff.clone().map(|staff| {
        let links = [
            (Endpoint::AdminDashboard, m.nav_dashboard, Role::Viewer),
            (Endpoint::AdminDonations, m.nav_donations, Role::Viewer),
            (Endpoint::AdminStatements, m.nav_statements, Role::Finance),
            (Endpoint::AdminNewGift, m.nav_new_gift, Role::Finance),
            (Endpoint::AdminExceptions, m.nav_exceptions, Role::Viewer),
            (Endpoint::AdminAudit, m.nav_audit, Role::Finance),
            (Endpoint::AdminUsers, m.nav_users, Role::Admin),
            (Endpoint::AdminAccount, m.nav_account, Role::Viewer),
        ]
        .into_iter()
        .filter(|(_, _, role)| staff.may(*role))
        .map(|(endpoint, label, _)| {
            let here = (endpoint == current).then_some("page");
            view! { <li><a href=endpoint.pattern() aria-current=here>{label}</a></li> }
        })
        .collect_view();
        view! {
            <nav class="admin-nav" aria-label=m.nav_label>
                <ul>{links}</ul>
                <form method="post" action=paths::admin::sign_out() class="admin-sign-out">
                    <Csrf token=staff.csrf.clone()/>
                    <span class="admin-who">{staff.email.clone()} " · " {role_name(staff.role, locale)}</span>
                    <button type="submit" class="link-button">{m.sign_out}</button>
                </form>
            </nav>
        }
    });
    let other = AdminLocale::ALL
        .into_iter()
        .filter(|other| *other != locale)
        .map(|other| {
            view! {
                <form method="post" action=paths::admin::language() class="admin-language">
                    <input type="hidden" name="lang" value=other.code()/>
                    <input type="hidden" name="back" value=current.pattern()/>
                    <button type="submit" class="link-button" lang=other.html_lang()>{other.name()}</button>
                </form>
            }
        })
        .collect_view();
    view! {
        <Html {..} lang=locale.html_lang() dir="ltr"/>
        <Title text=format!("{title} · {}", m.admin_title)/>
        <Meta name="robots" content="noindex, nofollow"/>
        <a class="skip-link" href="#main">{m.skip_link}</a>
        <header class="admin-header">
            <div class="wrap admin-header-inner">
                <a class="brand" href=paths::admin::dashboard()>{m.admin_title}</a>
                {other}
            </div>
            {nav}
        </header>
        <main id="main" tabindex="-1" class="admin wrap">
            <h1>{title}</h1>
            {children()}
        </main>
    }
}

/// A notice at the top of a page: a success (`status`) or a problem (`alert`).
#[component]
pub fn Notice(#[prop(into)] text: String, #[prop(optional)] problem: bool) -> impl IntoView {
    if problem {
        view! { <p class="notice notice-problem" role="alert">{text}</p> }.into_any()
    } else {
        view! { <p class="notice" role="status">{text}</p> }.into_any()
    }
}

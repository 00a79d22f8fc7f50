//! What needs a person (the exceptions queue), what staff did (the audit log), and who staff
//! are (users and their sign-in rules).

use leptos::prelude::*;
use sharecare_domain::time::Timestamp;

use super::{date_time, done_message, money, role_name, AdminLayout, Csrf, Notice, StaffView};
use sharecare_content::i18n::{admin_t, AdminMessages};
use sharecare_content::paths::{self, Endpoint};
use sharecare_domain::admin::QueueKind;
use sharecare_domain::identifiers::Reference;
use sharecare_domain::money::Currency;
use sharecare_domain::staff::Role;
use sharecare_services::records::{AuditLine, QueueEntry};
use sharecare_services::staff::StaffAccount;

fn kind_name(kind: QueueKind, m: &'static AdminMessages) -> &'static str {
    match kind {
        QueueKind::Exception => m.queue_exception,
        QueueKind::Dispute => m.queue_dispute,
        QueueKind::Receipt => m.queue_receipt,
        QueueKind::WaitingEvent => m.queue_waiting,
        QueueKind::DonorMessage => m.queue_donor_message,
        QueueKind::StatementLine => m.queue_statement_line,
        QueueKind::SecondPayment => m.queue_second_payment,
    }
}

#[component]
pub fn ExceptionsPage(
    staff: StaffView,
    items: Vec<QueueEntry>,
    currency: Currency,
    done: Option<String>,
) -> impl IntoView {
    let locale = staff.locale;
    let m = admin_t(locale);
    let finance = staff.may(Role::Finance);
    let csrf = staff.csrf.clone();
    let rows = items
        .iter()
        .map(|item| {
            let donation = item
                .reference
                .as_deref()
                .and_then(Reference::parse)
                .map(|reference| {
                    view! { <a href=paths::admin::donation(&reference)>{reference.as_str().to_string()}</a> }.into_any()
                })
                .or_else(|| {
                    // A statement line: to the statement, where it is applied or set aside.
                    item.import_id.as_deref().map(|import| {
                        view! { <a href=paths::admin::statement(import)>{m.open_statement}</a> }.into_any()
                    })
                });
            let action = finance.then(|| {
                let field = format!("note-{}-{}", item.kind.as_str(), item.id);
                let retry = (item.kind == QueueKind::Receipt).then(|| view! {
                    <button type="submit" name="action" value="retry" class="link-button">{m.retry_receipt}</button>
                });
                // Money Stripe took that did not match: finance can record it as the payment it is.
                let accept = (item.kind == QueueKind::Exception).then(|| {
                    let reason = format!("reason-{}", item.id);
                    let reference = format!("reference-{}", item.id);
                    let needs_reference = item.reference.is_none();
                    view! {
                        <details class="accept-exception">
                            <summary>{m.accept_payment}</summary>
                            <form method="post" action=paths::admin::resolve(item.kind.as_str(), &item.id)>
                                <Csrf token=csrf.clone()/>
                                <p class="hint">{m.accept_hint}</p>
                                <label for=reason.clone()>{m.field_accept_reason}</label>
                                <textarea id=reason name="note" required maxlength="500" rows="2"></textarea>
                                {needs_reference.then(|| view! {
                                    <label for=reference.clone()>{m.field_accept_reference}</label>
                                    <input id=reference.clone() name="reference" required autocomplete="off" spellcheck="false"/>
                                })}
                                <button type="submit" name="action" value="accept" class="button">{m.accept_payment}</button>
                            </form>
                        </details>
                    }
                });
                view! {
                    <form method="post" action=paths::admin::resolve(item.kind.as_str(), &item.id) class="inline-form">
                        <Csrf token=csrf.clone()/>
                        <label for=field.clone() class="visually-hidden">{m.field_note}</label>
                        <input id=field name="note" placeholder=m.field_note maxlength="500"/>
                        <button type="submit" name="action" value="resolve" class="button secondary">{m.resolve}</button>
                        {retry}
                    </form>
                    {accept}
                }
            });
            view! {
                <tr>
                    <td>{date_time(item.at)}</td>
                    <td>{kind_name(item.kind, m)}</td>
                    <td>{donation}</td>
                    <td class="number">{item.amount_minor.map(|minor| money(minor, currency))}</td>
                    <td>{item.detail.clone()}</td>
                    <td>{action}</td>
                </tr>
            }
        })
        .collect_view();
    let empty = items.is_empty().then(|| view! { <p>{m.queue_empty}</p> });
    view! {
        <AdminLayout locale staff=Some(staff.clone()) title=m.exceptions_title current=Endpoint::AdminExceptions>
            {done.as_deref().and_then(|done| done_message(m, done)).map(|text| view! { <Notice text/> })}
            <p>{m.queue_intro}</p>
            {empty}
            <div class="table-scroll" tabindex="0" role="region" aria-label=m.table_region>
                <table class="admin-table">
                    <thead><tr>
                        <th scope="col">{m.column_date}</th><th scope="col">{m.column_kind}</th>
                        <th scope="col">{m.column_reference}</th><th scope="col">{m.column_amount}</th>
                        <th scope="col">{m.column_detail}</th><th scope="col"><span class="visually-hidden">{m.column_action}</span></th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </AdminLayout>
    }
}

#[component]
pub fn AuditPage(
    staff: StaffView,
    entries: Vec<AuditLine>,
    older: Option<Timestamp>,
) -> impl IntoView {
    let locale = staff.locale;
    let m = admin_t(locale);
    let rows = entries
        .iter()
        .map(|entry| {
            view! {
                <tr>
                    <td>{date_time(entry.at)}</td>
                    <td>{entry.actor_email.clone()}</td>
                    <td>{entry.action.clone()}</td>
                    <td>{entry.subject.clone()}</td>
                    <td>{entry.before_value.clone()}</td>
                    <td>{entry.after_value.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    let older = older.map(|before| {
        view! { <a href=format!("{}?before={}", paths::admin::audit(), before.as_millis()) rel="next">{m.page_older}</a> }
    });
    view! {
        <AdminLayout locale staff=Some(staff.clone()) title=m.audit_title current=Endpoint::AdminAudit>
            <div class="table-scroll" tabindex="0" role="region" aria-label=m.table_region>
                <table class="admin-table">
                    <thead><tr>
                        <th scope="col">{m.column_date}</th><th scope="col">{m.column_by}</th>
                        <th scope="col">{m.column_action}</th><th scope="col">{m.column_subject}</th>
                        <th scope="col">{m.column_before}</th><th scope="col">{m.column_after}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <nav class="pagination" aria-label=m.pagination>{older}</nav>
        </AdminLayout>
    }
}

#[component]
pub fn UsersPage(
    staff: StaffView,
    users: Vec<StaffAccount>,
    /// Whether each role must use a second factor.
    policies: Vec<(Role, bool)>,
    done: Option<String>,
) -> impl IntoView {
    let locale = staff.locale;
    let m = admin_t(locale);
    let csrf = staff.csrf.clone();
    let rows = users
        .iter()
        .map(|user| {
            view! {
                <tr>
                    <td>{user.email.clone()}</td>
                    <td>{role_name(user.role, locale)}</td>
                    <td>{if user.totp_enabled { m.yes } else { m.no }}</td>
                    <td>{if user.disabled { m.user_disabled } else { m.user_active }}</td>
                    <td>{date_time(user.created_at)}</td>
                </tr>
            }
        })
        .collect_view();
    let policies = policies
        .into_iter()
        .map(|(role, required)| {
            view! {
                <tr>
                    <td>{role_name(role, locale)}</td>
                    <td>{if required { m.yes } else { m.no }}</td>
                    <td>
                        <form method="post" action=paths::admin::users() class="inline-form">
                            <Csrf token=csrf.clone()/>
                            <input type="hidden" name="role" value=role.as_str()/>
                            <input type="hidden" name="required" value=if required { "no" } else { "yes" }/>
                            <button type="submit" class="button secondary">
                                {if required { m.totp_policy_off } else { m.totp_policy_on }}
                            </button>
                        </form>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <AdminLayout locale staff=Some(staff.clone()) title=m.users_title current=Endpoint::AdminUsers>
            {done.as_deref().and_then(|done| done_message(m, done)).map(|text| view! { <Notice text/> })}
            <p>{m.users_intro}</p>
            <div class="table-scroll" tabindex="0" role="region" aria-label=m.users_title>
                <table class="admin-table">
                    <thead><tr>
                        <th scope="col">{m.column_email}</th><th scope="col">{m.column_role}</th>
                        <th scope="col">{m.column_totp}</th><th scope="col">{m.column_status}</th>
                        <th scope="col">{m.column_date}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <h2>{m.policies_title}</h2>
            <div class="table-scroll" tabindex="0" role="region" aria-label=m.policies_title>
                <table class="admin-table">
                    <thead><tr>
                        <th scope="col">{m.column_role}</th><th scope="col">{m.column_totp_required}</th>
                        <th scope="col"><span class="visually-hidden">{m.column_action}</span></th>
                    </tr></thead>
                    <tbody>{policies}</tbody>
                </table>
            </div>
        </AdminLayout>
    }
}

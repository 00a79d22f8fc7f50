//! One donation's page: its whole history, and what finance may do to it (confirm a transfer,
//! refund a card payment).

use leptos::prelude::*;

use super::donations::{frequency_name, method_name, receipt_text, status_name};
use super::{date_time, done_message, money, AdminLayout, Csrf, Notice, StaffView};
use sharecare_content::i18n::{admin_t, fill, AdminMessages};
use sharecare_content::paths::{self, Endpoint};
use sharecare_domain::dispute::DisputeState;
use sharecare_domain::donation::{Donation, PaymentMethod};
use sharecare_domain::money::Money;
use sharecare_domain::staff::Role;
use sharecare_domain::status::DonationStatus;
use sharecare_services::records::History;

/// The link's campaign tags, as `source / medium / campaign` (`-` for one missing); empty
/// when the link had none.
fn campaign_tags(donation: &Donation) -> String {
    let a = &donation.attribution;
    let tags = [&a.source, &a.medium, &a.campaign];
    if tags.iter().all(|tag| tag.is_none()) {
        return String::new();
    }
    tags.map(|tag| tag.as_ref().map_or("-", |tag| tag.as_str()))
        .join(" / ")
}

/// What the donation page shows after an action, or why it failed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub done: Option<String>,
    pub problem: Option<String>,
}

#[component]
pub fn DonationPage(
    staff: StaffView,
    history: History,
    outcome: Outcome,
    /// A fresh id for the refund form (a double submit is one refund).
    refund_request_id: String,
    /// Today, Hong Kong, for the confirm form's date.
    today: String,
) -> impl IntoView {
    let locale = staff.locale;
    let m = admin_t(locale);
    let d = history.donation.clone();
    let currency = d.amount.currency;
    let finance = staff.may(Role::Finance);
    let csrf = staff.csrf.clone();
    let notices = view! {
        {outcome.done.as_deref().and_then(|done| done_message(m, done)).map(|text| view! { <Notice text/> })}
        {outcome.problem.clone().map(|text| view! { <Notice text problem=true/> })}
    };
    let facts = [
        (m.column_reference, d.reference.as_str().to_string()),
        (m.column_status, status_name(d.status, m).to_string()),
        (m.column_amount, money(d.amount.minor as i64, currency)),
        (
            m.column_frequency,
            frequency_name(d.frequency, m).to_string(),
        ),
        (
            m.column_method,
            method_name(d.payment_method, m).to_string(),
        ),
        (m.column_date, date_time(d.created_at)),
        (m.column_paid, d.paid_at.map(date_time).unwrap_or_default()),
        (m.column_email, d.email.as_str().to_string()),
        (
            m.column_name,
            d.donor_name
                .as_ref()
                .map(|n| n.as_str().to_string())
                .unwrap_or_default(),
        ),
        (m.column_receipt, receipt_text(&d, m)),
        (
            m.column_referral,
            d.referral
                .as_ref()
                .map(|c| c.as_str().to_string())
                .unwrap_or_default(),
        ),
        (
            m.column_story,
            d.attribution
                .story
                .as_ref()
                .map(|story| story.as_str().to_string())
                .or_else(|| history.story.clone())
                .unwrap_or_default(),
        ),
        (
            m.column_fee,
            if d.fee.minor > 0 {
                money(d.fee.minor as i64, currency)
            } else {
                String::new()
            },
        ),
        (
            m.column_tribute,
            d.tribute
                .as_ref()
                .map(|tribute| {
                    let notify = tribute
                        .notify
                        .as_ref()
                        .map(|notice| {
                            format!(" → {} <{}>", notice.name.as_str(), notice.email.as_str())
                        })
                        .unwrap_or_default();
                    format!(
                        "{}: {}{notify}",
                        tribute.kind.as_str(),
                        tribute.honoree.as_str()
                    )
                })
                .unwrap_or_default(),
        ),
        (
            m.column_partner,
            history.partner.clone().unwrap_or_default(),
        ),
        (m.column_campaign_tags, campaign_tags(&d)),
        (
            m.column_marketing,
            if d.marketing_consent { m.yes } else { m.no }.to_string(),
        ),
        (m.column_flag, d.flag.clone().unwrap_or_default()),
    ]
    .into_iter()
    .filter(|(_, value)| !value.is_empty())
    .map(|(label, value)| view! { <dt>{label}</dt><dd>{value}</dd> })
    .collect_view();
    let awaiting =
        d.status.awaits_payment() || (d.is_monthly() && d.status == DonationStatus::Paid);
    let confirm = (finance && d.payment_method == PaymentMethod::Offline && awaiting).then(|| {
        view! {
            <section aria-labelledby="confirm-title">
                <h2 id="confirm-title">{m.confirm_title}</h2>
                <form method="post" action=paths::admin::confirm(&d.reference) class="admin-form">
                    <Csrf token=csrf.clone()/>
                    <label for="amount">{m.field_amount_received}</label>
                    <input id="amount" name="amount" inputmode="decimal" required value=d.amount.plain_decimal()/>
                    <label for="received_on">{m.field_received_on}</label>
                    <input id="received_on" name="received_on" type="date" required value=today.clone()/>
                    <label class="check"><input type="checkbox" name="accept_difference" value="yes"/> " " {m.field_accept_difference}</label>
                    <button type="submit" class="button">{m.confirm_button}</button>
                </form>
            </section>
        }
    });
    let payments = history
        .payments
        .iter()
        .map(|payment| {
            let refundable = payment.refundable_minor();
            let refund = (finance && payment.by_card && refundable > 0).then(|| {
                let plain = Money::new(refundable, currency).plain_decimal();
                let field = format!("refund-{}", payment.id);
                view! {
                    <form method="post" action=paths::admin::refund(&d.reference) class="inline-form">
                        <Csrf token=csrf.clone()/>
                        <input type="hidden" name="payment_id" value=payment.id.clone()/>
                        <input type="hidden" name="request_id" value=refund_request_id.clone()/>
                        <label for=field.clone()>{m.field_refund_amount}</label>
                        <input id=field name="amount" inputmode="decimal" required value=plain/>
                        <button type="submit" class="button secondary">{m.refund_button}</button>
                    </form>
                }
            });
            view! {
                <tr>
                    <td>{date_time(payment.paid_at)}</td>
                    <td class="number">{money(payment.amount_minor as i64, currency)}</td>
                    <td class="number">{money(payment.refunded_minor as i64, currency)}</td>
                    <td class="number">
                        {money(payment.disputed_minor as i64, currency)}
                        {payment.dispute.map(|state| view! { <br/><small>{dispute_label(m, state)}</small> })}
                    </td>
                    <td><code>{payment.source_id.clone()}</code></td>
                    <td>{refund}</td>
                </tr>
            }
        })
        .collect_view();
    let events = history
        .events
        .iter()
        .map(|event| view! {
            <tr><td>{date_time(event.received_at)}</td><td>{event.provider.clone()}</td><td>{event.event_type.clone()}</td><td><code>{event.event_id.clone()}</code></td></tr>
        })
        .collect_view();
    let receipts = history
        .receipts
        .iter()
        .map(|receipt| {
            let state = if let Some(sent) = receipt.sent_at {
                fill(m.receipt_sent_at, &[("when", &date_time(sent))])
            } else if receipt.failed_at.is_some() {
                m.receipt_parked.to_string()
            } else if receipt.logged_at.is_some() {
                m.receipt_logged.to_string()
            } else {
                m.receipt_waiting.to_string()
            };
            view! {
                <tr><td>{date_time(receipt.created_at)}</td><td>{state}</td><td>{receipt.attempts}</td><td>{receipt.last_error.clone()}</td></tr>
            }
        })
        .collect_view();
    let refunds = history
        .refunds
        .iter()
        .map(|refund| {
            view! {
                <tr>
                    <td>{date_time(refund.requested_at)}</td>
                    <td class="number">{money(refund.amount_minor, currency)}</td>
                    <td>{refund.requested_by.clone()}</td>
                    <td>{refund.provider_refund_id.clone().or_else(|| refund.error.clone())}</td>
                </tr>
            }
        })
        .collect_view();
    let audit = history
        .audit
        .iter()
        .map(|entry| {
            view! {
                <tr>
                    <td>{date_time(entry.at)}</td>
                    <td>{entry.actor_email.clone()}</td>
                    <td>{entry.action.clone()}</td>
                    <td>{entry.before_value.clone()}</td>
                    <td>{entry.after_value.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    let exceptions = history
        .exceptions
        .iter()
        .map(|exception| {
            view! {
                <li>{exception.kind.clone()} ": " {exception.received_minor.map(|minor| money(minor, currency))}</li>
            }
        })
        .collect_view();
    view! {
        <AdminLayout locale staff=Some(staff.clone()) title=d.reference.as_str().to_string() current=Endpoint::AdminDonation>
            {notices}
            <dl class="facts">{facts}</dl>
            {(!history.exceptions.is_empty()).then(|| view! { <h2>{m.exceptions_title}</h2><ul>{exceptions}</ul> })}
            {confirm}
            <h2>{m.payments_title}</h2>
            <div class="table-scroll" tabindex="0" role="region" aria-label=m.payments_title>
                <table class="admin-table">
                    <thead><tr>
                        <th scope="col">{m.column_paid}</th><th scope="col">{m.column_amount}</th>
                        <th scope="col">{m.column_refunded}</th><th scope="col">{m.column_disputed}</th>
                        <th scope="col">{m.column_source}</th><th scope="col"><span class="visually-hidden">{m.refund_button}</span></th>
                    </tr></thead>
                    <tbody>{payments}</tbody>
                </table>
            </div>
            <h2>{m.events_title}</h2>
            <div class="table-scroll" tabindex="0" role="region" aria-label=m.events_title>
                <table class="admin-table">
                    <thead><tr><th scope="col">{m.column_date}</th><th scope="col">{m.column_provider}</th><th scope="col">{m.column_event}</th><th scope="col">{m.column_id}</th></tr></thead>
                    <tbody>{events}</tbody>
                </table>
            </div>
            <h2>{m.receipts_title}</h2>
            <div class="table-scroll" tabindex="0" role="region" aria-label=m.receipts_title>
                <table class="admin-table">
                    <thead><tr><th scope="col">{m.column_date}</th><th scope="col">{m.column_status}</th><th scope="col">{m.column_attempts}</th><th scope="col">{m.column_error}</th></tr></thead>
                    <tbody>{receipts}</tbody>
                </table>
            </div>
            <h2>{m.refunds_title}</h2>
            <div class="table-scroll" tabindex="0" role="region" aria-label=m.refunds_title>
                <table class="admin-table">
                    <thead><tr><th scope="col">{m.column_date}</th><th scope="col">{m.column_amount}</th><th scope="col">{m.column_by}</th><th scope="col">{m.column_result}</th></tr></thead>
                    <tbody>{refunds}</tbody>
                </table>
            </div>
            <h2>{m.audit_title}</h2>
            <div class="table-scroll" tabindex="0" role="region" aria-label=m.audit_title>
                <table class="admin-table">
                    <thead><tr><th scope="col">{m.column_date}</th><th scope="col">{m.column_by}</th><th scope="col">{m.column_action}</th><th scope="col">{m.column_before}</th><th scope="col">{m.column_after}</th></tr></thead>
                    <tbody>{audit}</tbody>
                </table>
            </div>
        </AdminLayout>
    }
}

/// What a dispute's stage means for the money, for staff.
fn dispute_label(m: &AdminMessages, state: DisputeState) -> &'static str {
    match state {
        DisputeState::Inquiry => m.dispute_inquiry,
        DisputeState::InquiryClosed => m.dispute_inquiry_closed,
        DisputeState::Open => m.dispute_open,
        DisputeState::Won => m.dispute_won,
        DisputeState::Lost => m.dispute_lost,
    }
}

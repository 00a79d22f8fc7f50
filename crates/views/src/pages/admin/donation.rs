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
use sharecare_domain::time::Timestamp;
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
    /// Now, Hong Kong, as a `datetime-local` value, for the confirm form's time.
    now_local: String,
    /// How long a confirmation by hand can be undone.
    undo_window: std::time::Duration,
) -> impl IntoView {
    let locale = staff.locale;
    let m = admin_t(locale);
    let d = history.donation.clone();
    let currency = d.amount.currency;
    let finance = staff.may(Role::Finance);
    let csrf = staff.csrf.clone();
    let now = Timestamp::now();
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
    let remaining = d.charged().minor.saturating_sub(history.received_minor);
    let awaiting =
        awaiting || (!d.is_monthly() && d.status == DonationStatus::Paid && remaining > 0);
    let confirm = (finance && d.payment_method == PaymentMethod::Offline && awaiting).then(|| {
        // A one-off pledge paid in part awaits the rest; a monthly gift, its month.
        let expected = if d.is_monthly() { d.charged().minor } else { remaining };
        let part_paid = !d.is_monthly() && history.received_minor > 0;
        view! {
            <section aria-labelledby="confirm-title">
                <h2 id="confirm-title">{m.confirm_title}</h2>
                {part_paid.then(|| view! {
                    <p id="pledge-remaining">{fill(m.pledge_remaining, &[
                        ("received", &money(history.received_minor as i64, currency)),
                        ("remaining", &money(remaining as i64, currency)),
                    ])}</p>
                })}
                <form method="post" action=paths::admin::confirm_review(&d.reference) class="admin-form">
                    <Csrf token=csrf.clone()/>
                    <label for="amount">{m.field_amount_received}</label>
                    <input id="amount" name="amount" inputmode="decimal" required value=Money::new(expected, currency).plain_decimal()/>
                    <label for="received_at">{m.field_received_at}</label>
                    <input id="received_at" name="received_at" type="datetime-local" required value=now_local.clone()/>
                    <label for="method">{m.field_method}</label>
                    <select id="method" name="method">
                        <option value="transfer">{m.method_transfer}</option>
                        <option value="cheque">{m.method_cheque}</option>
                        <option value="cash">{m.method_cash}</option>
                    </select>
                    <label for="cheque_number">{m.field_cheque_number}</label>
                    <input id="cheque_number" name="cheque_number" maxlength="40" autocomplete="off"/>
                    <label class="check"><input type="checkbox" name="accept_difference" value="yes"/> " " {m.field_accept_difference}</label>
                    <button type="submit" class="button">{m.review_button}</button>
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
            let offline = payment.offline.as_ref().map(|facts| {
                let action = paths::admin::payment(&d.reference, &payment.id);
                let how = match facts.method.as_str() {
                    "cheque" => fill(m.paid_by_cheque, &[("number", facts.cheque_number.as_deref().unwrap_or(""))]),
                    "cash" => m.method_cash.to_string(),
                    _ => m.method_transfer.to_string(),
                };
                let state = facts.voided_at.map(|at| {
                    fill(m.payment_voided, &[("when", &date_time(at)), ("why", facts.void_reason.as_deref().unwrap_or(""))])
                });
                let second = facts.second_in_month.then_some(m.second_in_month);
                let open = facts.voided_at.is_none() && finance;
                let undo_open = open && (facts.from_statement || facts.confirmed_at.is_some_and(|at| now.since(at) < undo_window));
                // A statement line applied to the wrong pledge is undone at any time; a hand
                // confirmation only in its first minutes.
                let undo_label = if facts.from_statement { m.undo_line } else { m.undo_confirmation };
                let undo = undo_open.then(|| view! {
                    <form method="post" action=action.clone() class="inline-form">
                        <Csrf token=csrf.clone()/>
                        <button type="submit" name="action" value="undo" class="button secondary">{undo_label}</button>
                    </form>
                });
                let bounced = (open && facts.method == "cheque").then(|| view! {
                    <form method="post" action=action.clone() class="inline-form">
                        <Csrf token=csrf.clone()/>
                        <button type="submit" name="action" value="bounced" class="button secondary">{m.cheque_bounced}</button>
                    </form>
                });
                let refundable = payment.refundable_minor();
                let bank_refund = (open && refundable > 0).then(|| {
                    let amount_field = format!("bank-refund-{}", payment.id);
                    let reason_field = format!("bank-reason-{}", payment.id);
                    view! {
                        <details class="bank-refund">
                            <summary>{m.record_bank_refund}</summary>
                            <form method="post" action=action.clone() class="admin-form">
                                <Csrf token=csrf.clone()/>
                                <label for=amount_field.clone()>{m.field_bank_refund_amount}</label>
                                <input id=amount_field name="amount" inputmode="decimal" required value=Money::new(refundable, currency).plain_decimal()/>
                                <label for=reason_field.clone()>{m.field_bank_refund_reason}</label>
                                <input id=reason_field name="reason" required maxlength="500"/>
                                <button type="submit" name="action" value="bank_refund" class="button secondary">{m.record_bank_refund}</button>
                            </form>
                        </details>
                    }
                });
                view! {
                    <br/><small>{how}</small>
                    {second.map(|text| view! { <br/><small class="flag">{text}</small> })}
                    {state.map(|text| view! { <br/><strong>{text}</strong> })}
                    {undo}{bounced}{bank_refund}
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
                    <td><code>{payment.source_id.clone()}</code>{offline}</td>
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

/// A confirmation as its review shows it, with the fields it is sent on with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmationReview {
    pub amount: Money,
    pub received_at: Timestamp,
    /// `transfer`, `cheque` or `cash`.
    pub method: String,
    pub cheque_number: String,
    pub accept_difference: bool,
    /// The confirm form's own id: submitting it twice records one payment.
    pub confirmation_id: String,
}

/// "Check before confirming": what will be recorded, and the receipt that will go out.
#[component]
pub fn ConfirmReviewPage(
    staff: StaffView,
    history: History,
    confirmation: ConfirmationReview,
    /// How long it can be undone afterwards.
    undo_window: std::time::Duration,
) -> impl IntoView {
    let locale = staff.locale;
    let m = admin_t(locale);
    let d = history.donation.clone();
    let currency = d.amount.currency;
    let c = confirmation;
    let expected = if d.is_monthly() {
        d.charged().minor
    } else {
        d.charged().minor.saturating_sub(history.received_minor)
    };
    let differs = c.amount.minor != expected;
    let receipt = if d.receipt.wanted() {
        fill(
            m.review_receipt,
            &[
                ("amount", &c.amount.to_string()),
                ("date", &c.received_at.hong_kong_iso_date()),
                ("email", d.email.as_str()),
                ("holder", &receipt_text(&d, m)),
            ],
        )
    } else {
        m.review_no_receipt.to_string()
    };
    let after = if d.is_monthly() {
        None
    } else if c.amount.minor >= expected {
        Some(m.review_completes.to_string())
    } else {
        Some(fill(
            m.review_leaves,
            &[(
                "remaining",
                &money((expected - c.amount.minor) as i64, currency),
            )],
        ))
    };
    let method = match c.method.as_str() {
        "cheque" => fill(m.paid_by_cheque, &[("number", &c.cheque_number)]),
        "cash" => m.method_cash.to_string(),
        _ => m.method_transfer.to_string(),
    };
    let rows = [
        (m.column_reference, d.reference.as_str().to_string()),
        (
            m.column_name,
            d.donor_name
                .as_ref()
                .map(|n| n.as_str().to_string())
                .unwrap_or_default(),
        ),
        (m.field_amount_received, c.amount.to_string()),
        (m.field_received_at, c.received_at.hong_kong_date_time()),
        (m.field_method, method),
    ]
    .into_iter()
    .map(|(label, value)| view! { <dt>{label}</dt><dd>{value}</dd> })
    .collect_view();
    view! {
        <AdminLayout locale staff=Some(staff.clone()) title=m.review_title.to_string() current=Endpoint::AdminDonation>
            <p>{m.review_intro}</p>
            <dl class="facts" id="confirm-review">{rows}</dl>
            {(differs && !c.accept_difference).then(|| view! {
                <Notice text=fill(m.problem_amount_differs, &[("received", &c.amount.to_string()), ("pledged", &Money::new(expected, currency).to_string())]) problem=true/>
            })}
            <p id="review-receipt">{receipt}</p>
            {after.map(|text| view! { <p id="review-after">{text}</p> })}
            <p>{fill(m.review_undo_hint, &[("minutes", &(undo_window.as_secs() / 60).to_string())])}</p>
            <form method="post" action=paths::admin::confirm(&d.reference) class="admin-form">
                <Csrf token=staff.csrf.clone()/>
                <input type="hidden" name="amount" value=c.amount.plain_decimal()/>
                <input type="hidden" name="received_at" value=c.received_at.hong_kong_date_time().replace(' ', "T")/>
                <input type="hidden" name="method" value=c.method.clone()/>
                <input type="hidden" name="cheque_number" value=c.cheque_number.clone()/>
                <input type="hidden" name="confirmation_id" value=c.confirmation_id.clone()/>
                {(c.accept_difference || !differs).then(|| view! { <input type="hidden" name="accept_difference" value="yes"/> })}
                <button type="submit" class="button" disabled=differs && !c.accept_difference>{m.confirm_as_paid}</button>
            </form>
            <p><a href=paths::admin::donation(&d.reference)>{m.review_change}</a></p>
        </AdminLayout>
    }
}

/// What the cheque-or-cash form shows (again, after a problem).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GiftFormValues {
    pub name: String,
    pub email: String,
    pub amount: String,
    pub received_at: String,
    pub method: String,
    pub cheque_number: String,
    pub receipt: String,
    pub company_name: String,
    pub company_registration: String,
    pub token: String,
}

/// "Record a cheque or cash gift".
#[component]
pub fn NewGiftPage(
    staff: StaffView,
    values: GiftFormValues,
    problems: Vec<String>,
) -> impl IntoView {
    let locale = staff.locale;
    let m = admin_t(locale);
    let v = values;
    let problems = problems
        .into_iter()
        .map(|text| view! { <Notice text problem=true/> })
        .collect_view();
    let current = v.receipt.clone();
    let receipt_choice = move |value: &'static str, label: &'static str| {
        let chosen = current == value || (current.is_empty() && value == "own_name");
        view! {
            <label class="check"><input type="radio" name="receipt" value=value checked=chosen/> " " {label}</label>
        }
    };
    view! {
        <AdminLayout locale staff=Some(staff.clone()) title=m.new_gift_title.to_string() current=Endpoint::AdminNewGift>
            {problems}
            <p>{m.new_gift_intro}</p>
            <form method="post" action=paths::admin::new_gift() class="admin-form">
                <Csrf token=staff.csrf.clone()/>
                <input type="hidden" name="token" value=v.token.clone()/>
                <label for="name">{m.column_name}</label>
                <input id="name" name="name" value=v.name.clone() maxlength="200" autocomplete="off"/>
                <label for="email">{m.column_email}</label>
                <input id="email" name="email" type="email" required value=v.email.clone() autocomplete="off"/>
                <label for="amount">{m.field_amount_received}</label>
                <input id="amount" name="amount" inputmode="decimal" required value=v.amount.clone()/>
                <label for="received_at">{m.field_received_at}</label>
                <input id="received_at" name="received_at" type="datetime-local" required value=v.received_at.clone()/>
                <label for="method">{m.field_method}</label>
                <select id="method" name="method">
                    <option value="cheque" selected=v.method != "cash">{m.method_cheque}</option>
                    <option value="cash" selected=v.method == "cash">{m.method_cash}</option>
                </select>
                <label for="cheque_number">{m.field_cheque_number}</label>
                <input id="cheque_number" name="cheque_number" value=v.cheque_number.clone() maxlength="40" autocomplete="off"/>
                <fieldset>
                    <legend>{m.column_receipt}</legend>
                    {receipt_choice("own_name", m.receipt_own_name)}
                    {receipt_choice("company", m.receipt_company)}
                    {receipt_choice("none", m.receipt_none)}
                </fieldset>
                <label for="company_name">{m.field_company_name}</label>
                <input id="company_name" name="company_name" value=v.company_name.clone() maxlength="200"/>
                <label for="company_registration">{m.field_company_registration}</label>
                <input id="company_registration" name="company_registration" value=v.company_registration.clone() maxlength="20"/>
                <button type="submit" class="button">{m.record_gift}</button>
            </form>
        </AdminLayout>
    }
}

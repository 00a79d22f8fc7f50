//! Donations: the filtered, sorted, paged table (with the filtered set's totals and its CSV),
//! and one donation's page with its whole history and what finance may do to it.

use leptos::prelude::*;
use serde::Deserialize;

use super::{date_time, done_message, money, AdminLayout, Csrf, Notice, StaffView};
use sharecare_content::i18n::{admin_t, fill, AdminMessages};
use sharecare_content::paths::{self, Endpoint};
use sharecare_db::{AdminDonation, DonationFilter, FilteredTotals, SortBy};
use sharecare_domain::calendar::hong_kong_midnight;
use sharecare_domain::donation::{Frequency, PaymentMethod};
use sharecare_domain::money::Currency;
use sharecare_domain::staff::Role;
use sharecare_domain::status::DonationStatus;
use sharecare_services::records::History;
use sharecare_services::statements::parse_date;

/// The table's query string: filters, sort and page, as typed (echoed back into the form).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub status: String,
    pub method: String,
    pub frequency: String,
    /// `YYYY-MM-DD`, Hong Kong days, both included.
    pub from: String,
    pub until: String,
    pub q: String,
    pub sort: String,
    pub dir: String,
    pub page: u32,
}

impl ListQuery {
    /// The filter this query asks for; values that do not parse are ignored.
    pub fn filter(&self) -> DonationFilter {
        let day =
            |text: &str| parse_date(text, "ymd").and_then(|(y, m, d)| hong_kong_midnight(y, m, d));
        DonationFilter {
            status: DonationStatus::parse(&self.status),
            method: PaymentMethod::parse(&self.method),
            frequency: Frequency::parse(&self.frequency),
            from: day(&self.from),
            until: day(&self.until).map(|midnight| midnight + 86_400_000),
            text: Some(self.q.trim().to_string()).filter(|q| !q.is_empty()),
        }
    }

    pub fn sort(&self) -> SortBy {
        SortBy::parse(&self.sort).unwrap_or_default()
    }

    /// Newest first unless asked otherwise.
    pub fn descending(&self) -> bool {
        self.dir != "asc"
    }

    /// The query string with some values changed (sorting, paging), filters kept.
    fn with(&self, sort: Option<SortBy>, descending: Option<bool>, page: Option<u32>) -> String {
        let sort = sort.unwrap_or_else(|| self.sort());
        let dir = if descending.unwrap_or_else(|| self.descending()) {
            "desc"
        } else {
            "asc"
        };
        let page = page.unwrap_or(self.page).to_string();
        let pairs: Vec<(&str, &str)> = [
            ("status", self.status.as_str()),
            ("method", self.method.as_str()),
            ("frequency", self.frequency.as_str()),
            ("from", self.from.as_str()),
            ("until", self.until.as_str()),
            ("q", self.q.as_str()),
            ("sort", sort.as_str()),
            ("dir", dir),
            ("page", page.as_str()),
        ]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .collect();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }

    /// The filters alone, for the export's link and the audit log.
    pub fn filters_only(&self) -> String {
        let pairs: Vec<(&str, &str)> = [
            ("status", self.status.as_str()),
            ("method", self.method.as_str()),
            ("frequency", self.frequency.as_str()),
            ("from", self.from.as_str()),
            ("until", self.until.as_str()),
            ("q", self.q.as_str()),
        ]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .collect();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

pub fn status_name(status: DonationStatus, m: &'static AdminMessages) -> &'static str {
    match status {
        DonationStatus::Pending => m.status_pending,
        DonationStatus::Paid => m.status_paid,
        DonationStatus::Failed => m.status_failed,
        DonationStatus::Expired => m.status_expired,
        DonationStatus::Cancelled => m.status_cancelled,
    }
}

pub fn method_name(method: PaymentMethod, m: &'static AdminMessages) -> &'static str {
    match method {
        PaymentMethod::Card => m.method_card,
        PaymentMethod::Offline => m.method_offline,
    }
}

pub fn frequency_name(frequency: Frequency, m: &'static AdminMessages) -> &'static str {
    match frequency {
        Frequency::OneOff => m.frequency_one_off,
        Frequency::Monthly => m.frequency_monthly,
    }
}

/// A `<select>` of a closed list, with "any" first.
fn choice(
    name: &'static str,
    label: &'static str,
    any: &'static str,
    options: Vec<(&'static str, &'static str)>,
    chosen: String,
) -> impl IntoView {
    let options = options
        .into_iter()
        .map(|(value, text)| {
            let selected = value == chosen;
            view! { <option value=value selected=selected>{text}</option> }
        })
        .collect_view();
    view! {
        <label for=name>{label}</label>
        <select id=name name=name>
            <option value="">{any}</option>
            {options}
        </select>
    }
}

#[component]
pub fn DonationsPage(
    staff: StaffView,
    query: ListQuery,
    rows: Vec<AdminDonation>,
    totals: FilteredTotals,
    per_page: u32,
    currency: Currency,
) -> impl IntoView {
    let locale = staff.locale;
    let m = admin_t(locale);
    let statuses = DonationStatus::ALL
        .into_iter()
        .map(|status| (status.as_str(), status_name(status, m)))
        .collect();
    let methods = PaymentMethod::ALL
        .into_iter()
        .map(|method| (method.as_str(), method_name(method, m)))
        .collect();
    let frequencies = Frequency::ALL
        .into_iter()
        .map(|frequency| (frequency.as_str(), frequency_name(frequency, m)))
        .collect();
    let sort = query.sort();
    let descending = query.descending();
    let header = |column: SortBy, label: &'static str| -> AnyView {
        let next_descending = if column == sort { !descending } else { true };
        let href = format!(
            "{}?{}",
            paths::admin::donations(),
            query.with(Some(column), Some(next_descending), Some(0))
        );
        let sorted = (column == sort).then_some(if descending {
            "descending"
        } else {
            "ascending"
        });
        view! { <th scope="col" aria-sort=sorted><a href=href>{label}</a></th> }.into_any()
    };
    let sortable = [
        header(SortBy::Date, m.column_date),
        header(SortBy::Reference, m.column_reference),
        header(SortBy::Amount, m.column_amount),
        header(SortBy::Status, m.column_status),
        header(SortBy::Email, m.column_email),
    ];
    let [by_date, by_reference, by_amount, by_status, by_email] = sortable;
    let body = rows
        .iter()
        .map(|row| {
            let d = &row.donation;
            view! {
                <tr>
                    <td>{date_time(d.created_at)}</td>
                    <td><a href=paths::admin::donation(&d.reference)>{d.reference.as_str().to_string()}</a></td>
                    <td class="number">{money(d.amount.minor as i64, d.amount.currency)}</td>
                    <td>{frequency_name(d.frequency, m)}</td>
                    <td>{method_name(d.payment_method, m)}</td>
                    <td>{status_name(d.status, m)}</td>
                    <td>{d.email.as_str().to_string()}</td>
                    <td>{d.donor_name.as_ref().map(|name| name.as_str().to_string())}</td>
                    <td>{receipt_text(d, m)}</td>
                    <td>{d.referral.as_ref().map(|code| code.as_str().to_string())}</td>
                    <td>{row.story.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    let pages = totals.count.div_ceil(u64::from(per_page.max(1))).max(1);
    let page = u64::from(query.page);
    let previous = (page > 0).then(|| {
        let href = format!(
            "{}?{}",
            paths::admin::donations(),
            query.with(None, None, Some(query.page - 1))
        );
        view! { <a href=href rel="prev">{m.page_previous}</a> }
    });
    let next = (page + 1 < pages).then(|| {
        let href = format!(
            "{}?{}",
            paths::admin::donations(),
            query.with(None, None, Some(query.page + 1))
        );
        view! { <a href=href rel="next">{m.page_next}</a> }
    });
    let export = staff.may(Role::Finance).then(|| {
        let href = format!("{}?{}", paths::admin::export(), query.filters_only());
        view! { <a class="button secondary" href=href download="donations.csv">{m.export_csv}</a> }
    });
    let summary = fill(
        m.filtered_totals,
        &[
            ("count", &totals.count.to_string()),
            ("pledged", &money(totals.pledged_minor as i64, currency)),
            ("received", &money(totals.received_minor as i64, currency)),
        ],
    );
    view! {
        <AdminLayout locale staff=Some(staff.clone()) title=m.donations_title current=Endpoint::AdminDonations>
            <form method="get" action=paths::admin::donations() class="filters" role="search">
                {choice("status", m.field_status, m.any, statuses, query.status.clone())}
                {choice("method", m.field_method, m.any, methods, query.method.clone())}
                {choice("frequency", m.field_frequency, m.any, frequencies, query.frequency.clone())}
                <label for="from">{m.field_from}</label>
                <input id="from" name="from" type="date" value=query.from.clone()/>
                <label for="until">{m.field_until}</label>
                <input id="until" name="until" type="date" value=query.until.clone()/>
                <label for="q">{m.field_search}</label>
                <input id="q" name="q" type="search" value=query.q.clone()/>
                <button type="submit" class="button">{m.filter}</button>
                <a href=paths::admin::donations()>{m.filter_clear}</a>
            </form>
            <p class="totals" id="totals">{summary} " " {export}</p>
            <div class="table-scroll" tabindex="0" role="region" aria-label=m.table_region>
                <table class="admin-table">
                    <thead>
                        <tr>
                            {by_date}
                            {by_reference}
                            {by_amount}
                            <th scope="col">{m.column_frequency}</th>
                            <th scope="col">{m.column_method}</th>
                            {by_status}
                            {by_email}
                            <th scope="col">{m.column_name}</th>
                            <th scope="col">{m.column_receipt}</th>
                            <th scope="col">{m.column_referral}</th>
                            <th scope="col">{m.column_story}</th>
                        </tr>
                    </thead>
                    <tbody>{body}</tbody>
                </table>
            </div>
            <nav class="pagination" aria-label=m.pagination>
                {previous}
                <span>{fill(m.page_of, &[("page", &(page + 1).to_string()), ("pages", &pages.to_string())])}</span>
                {next}
            </nav>
        </AdminLayout>
    }
}

/// The link's campaign tags, as `source / medium / campaign` (`-` for one missing); empty
/// when the link had none.
fn campaign_tags(donation: &sharecare_domain::donation::Donation) -> String {
    let a = &donation.attribution;
    let tags = [&a.source, &a.medium, &a.campaign];
    if tags.iter().all(|tag| tag.is_none()) {
        return String::new();
    }
    tags.map(|tag| tag.as_ref().map_or("-", |tag| tag.as_str()))
        .join(" / ")
}

fn receipt_text(
    donation: &sharecare_domain::donation::Donation,
    m: &'static AdminMessages,
) -> String {
    match donation.receipt.code() {
        "none" => m.receipt_none.to_string(),
        "company" => fill(
            m.receipt_other_name,
            &[(
                "name",
                &donation.receipt.issued_to_line(None).unwrap_or_default(),
            )],
        ),
        "other_name" => fill(
            m.receipt_other_name,
            &[(
                "name",
                donation
                    .receipt_name()
                    .map(|name| name.as_str())
                    .unwrap_or(""),
            )],
        ),
        _ => m.receipt_own_name.to_string(),
    }
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
            let refundable = payment
                .amount_minor
                .saturating_sub(payment.refunded_minor)
                .saturating_sub(payment.disputed_minor);
            let refund = (finance && payment.payment_intent_id.is_some() && refundable > 0).then(|| {
                let plain = sharecare_domain::money::Money::new(refundable, currency).plain_decimal();
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
                    <td class="number">{money(payment.disputed_minor as i64, currency)}</td>
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
        .map(|(kind, received)| {
            view! {
                <li>{kind.clone()} ": " {received.map(|minor| money(minor, currency))}</li>
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

//! Donations: the filtered, sorted, paged table, with the filtered set's totals and a link to
//! its CSV; and the names of a donation's status, method and frequency in the admin's language.

use leptos::prelude::*;

use super::{date_time, money, AdminLayout, StaffView};
use sharecare_content::i18n::{admin_t, fill, AdminMessages};
use sharecare_content::paths::{self, Endpoint};
use sharecare_domain::admin::SortBy;
use sharecare_domain::donation::{Donation, Frequency, PaymentMethod};
use sharecare_domain::money::Currency;
use sharecare_domain::staff::Role;
use sharecare_domain::status::DonationStatus;
use sharecare_services::records::{DonationListing, ListingQuery};

/// The table's address for `query` with some values changed (sorting, paging), filters kept.
fn link(
    query: &ListingQuery,
    sort: Option<SortBy>,
    descending: Option<bool>,
    page: Option<u32>,
) -> String {
    let sort = sort.unwrap_or_else(|| query.sort());
    let dir = if descending.unwrap_or_else(|| query.descending()) {
        "desc"
    } else {
        "asc"
    };
    let page = page.unwrap_or(query.page).to_string();
    let pairs: Vec<(&str, &str)> = [
        ("status", query.status.as_str()),
        ("method", query.method.as_str()),
        ("frequency", query.frequency.as_str()),
        ("from", query.from.as_str()),
        ("until", query.until.as_str()),
        ("q", query.q.as_str()),
        ("sort", sort.as_str()),
        ("dir", dir),
        ("page", page.as_str()),
    ]
    .into_iter()
    .filter(|(_, value)| !value.is_empty())
    .collect();
    format!(
        "{}?{}",
        paths::admin::donations(),
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    )
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
    listing: DonationListing,
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
    let pages = listing.pages();
    let DonationListing {
        query,
        rows,
        totals,
        ..
    } = listing;
    let sort = query.sort();
    let descending = query.descending();
    let header = |column: SortBy, label: &'static str| -> AnyView {
        let next_descending = if column == sort { !descending } else { true };
        let href = link(&query, Some(column), Some(next_descending), Some(0));
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
    let page = u64::from(query.page);
    let previous = (page > 0).then(|| {
        let href = link(&query, None, None, Some(query.page - 1));
        view! { <a href=href rel="prev">{m.page_previous}</a> }
    });
    let next = (page + 1 < pages).then(|| {
        let href = link(&query, None, None, Some(query.page + 1));
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

pub fn receipt_text(donation: &Donation, m: &'static AdminMessages) -> String {
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

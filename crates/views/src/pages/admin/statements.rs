//! Bank statements: upload, map a new bank's columns once, then see each line with the pledge
//! it seems to pay; confirm the clear ones together and the rest one by one.

use leptos::prelude::*;

use super::donations::frequency_name;
use super::{date_time, money, AdminLayout, Csrf, Notice, StaffView};
use sharecare_content::i18n::{admin_t, fill, AdminMessages};
use sharecare_content::paths::{self, Endpoint};
use sharecare_domain::money::Currency;
use sharecare_domain::time::Timestamp;
use sharecare_services::donations::Review;
use sharecare_services::statements::{Doubt, ImportSummary, Mapping, Proposal, DATE_FORMATS};

#[component]
pub fn StatementsPage(
    staff: StaffView,
    imports: Vec<ImportSummary>,
    problem: Option<String>,
) -> impl IntoView {
    let locale = staff.locale;
    let m = admin_t(locale);
    let rows = imports
        .iter()
        .map(|import| {
            view! {
                <tr>
                    <td>{date_time(import.uploaded_at)}</td>
                    <td><a href=paths::admin::statement(&import.id)>{import.file_name.clone()}</a></td>
                    <td>{import.uploaded_by.clone()}</td>
                    <td>{import.account.clone()}</td>
                    <td class="number">{import.lines_read}</td>
                    <td class="number">{import.lines_known}</td>
                    <td class="number">{import.lines_open}</td>
                </tr>
            }
        })
        .collect_view();
    // Money in that no one has dealt with, on any statement: said first, not buried.
    let open: i64 = imports.iter().map(|import| import.lines_open).sum();
    let open_notice = (open > 0).then(|| {
        view! {
            <p id="statements-open" class="notice notice-problem">
                {fill(m.statements_open, &[("count", &open.to_string())])} " "
                <a href=paths::admin::exceptions()>{m.nav_exceptions}</a>
            </p>
        }
    });
    view! {
        <AdminLayout locale staff=Some(staff.clone()) title=m.statements_title current=Endpoint::AdminStatements>
            {problem.map(|text| view! { <Notice text problem=true/> })}
            {open_notice}
            <p>{m.statements_intro}</p>
            <form method="post" action=paths::admin::statements() enctype="multipart/form-data" class="admin-form">
                <Csrf token=staff.csrf.clone()/>
                <label for="account">{m.field_account}</label>
                <input id="account" name="account" required maxlength="100" autocomplete="off" aria-describedby="account-hint"/>
                <p id="account-hint" class="hint">{m.account_hint}</p>
                <label for="statement">{m.field_statement}</label>
                <input id="statement" name="statement" type="file" accept=".csv,text/csv" required/>
                <button type="submit" class="button">{m.upload}</button>
            </form>
            <h2>{m.imports_title}</h2>
            <div class="table-scroll" tabindex="0" role="region" aria-label=m.table_region>
                <table class="admin-table">
                    <thead><tr>
                        <th scope="col">{m.column_date}</th><th scope="col">{m.column_file}</th>
                        <th scope="col">{m.column_by}</th><th scope="col">{m.column_account}</th>
                        <th scope="col">{m.column_lines}</th>
                        <th scope="col">{m.column_known}</th><th scope="col">{m.column_open}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </AdminLayout>
    }
}

#[component]
pub fn MappingPage(staff: StaffView, mapping: Mapping) -> impl IntoView {
    let locale = staff.locale;
    let m = admin_t(locale);
    let select = |name: &'static str, label: &'static str, chosen: usize| -> AnyView {
        let options = mapping
            .headers
            .iter()
            .enumerate()
            .map(|(index, header)| {
                view! { <option value=index.to_string() selected=index == chosen>{header.clone()}</option> }
            })
            .collect_view();
        view! {
            <label for=name>{label}</label>
            <select id=name name=name>{options}</select>
        }
        .into_any()
    };
    let date_select = select(
        "date_column",
        m.field_date_column,
        mapping.proposed.date_column,
    );
    let amount_select = select(
        "amount_column",
        m.field_amount_column,
        mapping.proposed.amount_column,
    );
    let text_select = select(
        "text_column",
        m.field_text_column,
        mapping.proposed.text_column,
    );
    let formats = DATE_FORMATS
        .iter()
        .map(|format| {
            let label = match *format {
                "ymd" => m.date_format_ymd,
                "mdy" => m.date_format_mdy,
                _ => m.date_format_dmy,
            };
            view! { <option value=*format selected=*format == mapping.proposed.date_format>{label}</option> }
        })
        .collect_view();
    let headers = mapping
        .headers
        .iter()
        .map(|header| view! { <th scope="col">{header.clone()}</th> })
        .collect_view();
    let sample = mapping
        .sample
        .iter()
        .map(|row| {
            let cells = row
                .iter()
                .map(|cell| view! { <td>{cell.clone()}</td> })
                .collect_view();
            view! { <tr>{cells}</tr> }
        })
        .collect_view();
    let problems = (!mapping.problems.is_empty()).then(|| {
        let rows = mapping
            .problems
            .iter()
            .map(|problem| problem.row.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        view! { <Notice text=fill(m.mapping_problems, &[("rows", &rows)]) problem=true/> }
    });
    view! {
        <AdminLayout locale staff=Some(staff.clone()) title=mapping.import.file_name.clone() current=Endpoint::AdminStatement>
            {problems}
            <p>{m.mapping_intro}</p>
            <div class="table-scroll" tabindex="0" role="region" aria-label=m.table_region>
                <table class="admin-table"><thead><tr>{headers}</tr></thead><tbody>{sample}</tbody></table>
            </div>
            <form method="post" action=paths::admin::statement_columns(&mapping.import.id) class="admin-form">
                <Csrf token=staff.csrf.clone()/>
                {date_select}
                <label for="date_format">{m.field_date_format}</label>
                <select id="date_format" name="date_format">{formats}</select>
                {amount_select}
                {text_select}
                <button type="submit" class="button">{m.mapping_save}</button>
            </form>
        </AdminLayout>
    }
}

fn doubt_text(doubt: Doubt, m: &'static AdminMessages) -> &'static str {
    match doubt {
        Doubt::AmountDiffers => m.doubt_amount,
        Doubt::ResemblesReference => m.doubt_resembles,
        Doubt::AmountAndDate => m.doubt_amount_date,
    }
}

#[component]
pub fn ReviewPage(
    staff: StaffView,
    review: Review,
    currency: Currency,
    /// How many matches were just confirmed (`?confirmed=N`, N > 0).
    confirmed: Option<u32>,
    /// A line was just linked to a payment recorded by hand.
    linked: bool,
    /// A line's payment was just undone.
    undone: bool,
    problem: Option<String>,
) -> impl IntoView {
    let locale = staff.locale;
    let m = admin_t(locale);
    let csrf = staff.csrf.clone();
    let clear = review
        .lines
        .iter()
        .filter(|(_, proposal)| matches!(proposal, Proposal::Clear(_)))
        .count();
    let open = review
        .lines
        .iter()
        .filter(|(line, proposal)| {
            line.amount_minor > 0 && !matches!(proposal, Proposal::Done | Proposal::NotAGift)
        })
        .count();
    let import_id = review.import.id.clone();
    let rows = review
        .lines
        .iter()
        .map(|(line, proposal)| {
            let hidden_import = || view! { <input type="hidden" name="import" value=import_id.clone()/> };
            let line_form = |reference: String, needs_difference: bool, needs_check: bool| {
                let field = format!("reference-{}", line.id);
                let check = format!("checked-{}", line.id);
                view! {
                    <form method="post" action=paths::admin::statement_line(&line.id) class="inline-form">
                        <Csrf token=csrf.clone()/>
                        {hidden_import()}
                        <label for=field.clone() class="visually-hidden">{m.column_reference}</label>
                        <input id=field name="reference" value=reference size="11"/>
                        {needs_difference.then(|| view! {
                            <label class="check"><input type="checkbox" name="accept_difference" value="yes"/> " " {m.field_accept_difference}</label>
                        })}
                        {needs_check.then(|| view! {
                            <label class="check" for=check.clone()><input id=check.clone() type="checkbox" name="checked" value="yes"/> " " {m.field_line_checked}</label>
                        })}
                        <button type="submit" name="action" value="confirm" class="button secondary">{m.confirm_line}</button>
                        <button type="submit" name="action" value="set_aside" class="link-button">{m.set_aside}</button>
                    </form>
                }
            };
            let (state, class, action): (String, &str, Option<AnyView>) = match proposal {
                Proposal::Clear(donation) => (
                    fill(m.proposal_clear, &[
                        ("reference", donation.reference.as_str()),
                        ("frequency", frequency_name(donation.frequency, m)),
                    ]),
                    "proposal-clear",
                    None,
                ),
                Proposal::Check(donation, doubt) => {
                    let weak = proposal.is_weak();
                    let mut text = fill(m.proposal_check, &[
                        ("reference", donation.reference.as_str()),
                        ("pledged", &money(donation.amount.minor as i64, donation.amount.currency)),
                        ("doubt", doubt_text(*doubt, m)),
                    ]);
                    if weak {
                        // How old the pledge is, and whose: set beside the payer on the line.
                        let days = Timestamp::now().since(donation.created_at).as_secs() / 86_400;
                        text = fill(m.proposal_weak, &[
                            ("check", &text),
                            ("days", &days.to_string()),
                            ("name", donation.donor_name.as_ref().map(|n| n.as_str()).unwrap_or("—")),
                        ]);
                    }
                    (
                        text,
                        if weak { "proposal-weak" } else { "proposal-check" },
                        Some(line_form(donation.reference.as_str().to_string(), *doubt == Doubt::AmountDiffers, weak).into_any()),
                    )
                }
                Proposal::AlreadyRecorded(donation, payment) => {
                    let text = match payment {
                        Some(payment) => fill(m.proposal_recorded, &[
                            ("reference", donation.reference.as_str()),
                            ("when", &date_time(payment.paid_at)),
                        ]),
                        None => fill(m.proposal_paid_in_full, &[("reference", donation.reference.as_str())]),
                    };
                    let action = match payment {
                        Some(payment) => view! {
                            <form method="post" action=paths::admin::statement_line(&line.id) class="inline-form">
                                <Csrf token=csrf.clone()/>
                                {hidden_import()}
                                <input type="hidden" name="payment" value=payment.payment_id.clone()/>
                                <button type="submit" name="action" value="link" class="button secondary">{m.link_payment}</button>
                                <button type="submit" name="action" value="set_aside" class="link-button">{m.set_aside}</button>
                            </form>
                        }.into_any(),
                        None => line_form(String::new(), true, true).into_any(),
                    };
                    (text, "proposal-recorded", Some(action))
                }
                Proposal::Held => (
                    fill(m.proposal_held, &[("date", &line.booked_on)]),
                    "proposal-held",
                    Some(view! {
                        <form method="post" action=paths::admin::statement_line(&line.id) class="inline-form">
                            <Csrf token=csrf.clone()/>
                            {hidden_import()}
                            <button type="submit" name="action" value="set_aside" class="link-button">{m.set_aside}</button>
                        </form>
                    }.into_any()),
                ),
                Proposal::Unmatched => (
                    m.proposal_unmatched.to_string(),
                    "proposal-unmatched",
                    Some(line_form(String::new(), true, true).into_any()),
                ),
                Proposal::NotAGift => (m.proposal_not_gift.to_string(), "proposal-none", None),
                Proposal::Done => {
                    let text = match (&line.reference, line.set_aside) {
                        (Some(reference), _) => fill(m.proposal_done, &[("reference", reference)]),
                        (None, true) => m.proposal_set_aside.to_string(),
                        _ => m.proposal_done_elsewhere.to_string(),
                    };
                    let undo = line.payment_id.clone().map(|payment| view! {
                        <form method="post" action=paths::admin::statement_line(&line.id) class="inline-form">
                            <Csrf token=csrf.clone()/>
                            {hidden_import()}
                            <input type="hidden" name="payment" value=payment/>
                            <button type="submit" name="action" value="undo" class="link-button">{m.undo_line}</button>
                        </form>
                    }.into_any());
                    (text, "proposal-done", undo)
                }
            };
            view! {
                <tr class=class>
                    <td>{line.booked_on.clone()}</td>
                    <td class="number">{money(line.amount_minor, currency)}</td>
                    <td>{line.description.clone()}</td>
                    <td>{state}</td>
                    <td>{action}</td>
                </tr>
            }
        })
        .collect_view();
    let summary = fill(
        m.review_summary,
        &[
            ("read", &review.import.lines_read.to_string()),
            ("known", &review.import.lines_known.to_string()),
            ("clear", &clear.to_string()),
        ],
    );
    let open_notice = (open > 0).then(|| {
        view! { <p id="review-open" class="notice notice-problem">{fill(m.review_open, &[("count", &open.to_string())])}</p> }
    });
    view! {
        <AdminLayout locale staff=Some(staff.clone()) title=review.import.file_name.clone() current=Endpoint::AdminStatement>
            {confirmed.map(|count| view! { <Notice text=fill(m.review_confirmed, &[("count", &count.to_string())])/> })}
            {linked.then(|| view! { <Notice text=m.done_linked/> })}
            {undone.then(|| view! { <Notice text=m.done_line_undone/> })}
            {problem.map(|text| view! { <Notice text problem=true/> })}
            <p id="review-summary">{summary}</p>
            <p>{fill(m.review_account, &[("account", &review.import.account)])}</p>
            {open_notice}
            {(clear > 0).then(|| view! {
                <form method="post" action=paths::admin::statement_confirm(&review.import.id)>
                    <Csrf token=csrf.clone()/>
                    <button type="submit" class="button" id="confirm-clear">{fill(m.confirm_clear, &[("count", &clear.to_string())])}</button>
                </form>
            })}
            <div class="table-scroll" tabindex="0" role="region" aria-label=m.table_region>
                <table class="admin-table statement">
                    <thead><tr>
                        <th scope="col">{m.column_date}</th><th scope="col">{m.column_amount}</th>
                        <th scope="col">{m.column_description}</th><th scope="col">{m.column_match}</th>
                        <th scope="col"><span class="visually-hidden">{m.column_action}</span></th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </AdminLayout>
    }
}

//! `/{locale}/my-gifts`: a donor's own gifts, without a password. Signed out: the email form,
//! then the code form (and the emailed link's page with its button). Signed in: each gift with
//! its payments and receipts, what can be changed on it, news by email, the yearly summaries,
//! and the donor's data to download or delete. Every form works without JavaScript.

use leptos::prelude::*;

use crate::components::layout::Layout;
use sharecare_content::i18n::{fill, t, Messages};
use sharecare_content::paths::{self, Page};
use sharecare_domain::donation::{Frequency, PaymentMethod};
use sharecare_domain::donor::Receipt;
use sharecare_domain::form::inputs;
use sharecare_domain::status::DonationStatus;
use sharecare_domain::time::Timestamp;
use sharecare_domain::Locale;
use sharecare_services::donors::{ConsentView, GiftView, SummaryView};
use sharecare_services::receipts::documents::local_date;

/// Where the signing-in stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInStage {
    /// Asking for the email.
    Email,
    /// Asking for the code (the email kept).
    Code { email: String },
}

/// Why the sign-in form came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInTrouble {
    /// Any of: wrong, used or expired code or link (one message for all).
    Wrong,
    TooMany {
        minutes: u64,
    },
    Unavailable,
    /// The form was too old or not ours.
    Expired,
}

fn trouble_text(trouble: SignInTrouble, m: &'static Messages) -> String {
    match trouble {
        SignInTrouble::Wrong => m.my_sign_in_wrong.to_string(),
        SignInTrouble::TooMany { minutes } => {
            fill(m.my_sign_in_too_many, &[("minutes", &minutes.to_string())])
        }
        SignInTrouble::Unavailable => m.my_unavailable.to_string(),
        SignInTrouble::Expired => m.my_form_expired.to_string(),
    }
}

#[component]
pub fn MyGiftsSignInPage(
    locale: Locale,
    /// The form's signed token (no session yet).
    token: String,
    stage: SignInStage,
    trouble: Option<SignInTrouble>,
    /// A message after an action that signed the donor out (their data deleted).
    notice: Option<&'static str>,
) -> impl IntoView {
    let m = t(locale);
    let notice = notice.map(|text| view! { <p class="notice" role="status">{text}</p> });
    let trouble = trouble.map(|trouble| {
        view! { <p class="form-problem" role="alert">{trouble_text(trouble, m)}</p> }
    });
    let form = match stage {
        SignInStage::Email => view! {
            <p>{m.my_sign_in_intro}</p>
            <form method="post" action=paths::my_gifts(locale) class="my-form">
                <input type="hidden" name="token" value=token.clone()/>
                <label for="email">{m.my_email_label}</label>
                <input id="email" name="email" type="email" autocomplete="email" required/>
                <button type="submit" class="button">{m.my_send_code}</button>
            </form>
        }
        .into_any(),
        SignInStage::Code { email } => view! {
            <p role="status">{fill(m.my_code_sent, &[("email", &email)])}</p>
            <form method="post" action=paths::my_gifts_code(locale) class="my-form">
                <input type="hidden" name="token" value=token.clone()/>
                <input type="hidden" name="email" value=email.clone()/>
                <label for="code">{m.my_code_label}</label>
                <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code"
                    pattern="[0-9 ]*" maxlength="8" required/>
                <button type="submit" class="button">{m.my_open_gifts}</button>
            </form>
            // No code came (a typo'd address shows above; mail can be slow): another, under
            // the same limits as the first.
            <form method="post" action=paths::my_gifts(locale) class="send-again">
                <input type="hidden" name="token" value=token.clone()/>
                <input type="hidden" name="email" value=email.clone()/>
                <button type="submit" class="button secondary">{m.my_send_again}</button>
            </form>
            <p class="hint"><a href=paths::my_gifts(locale)>{m.my_other_email}</a></p>
        }
        .into_any(),
    };
    view! {
        <Layout locale page=Page::MyGifts title=m.my_title description=m.my_sign_in_intro noindex=true>
            <section class="my-gifts"><div class="wrap">
                <h1>{m.my_title}</h1>
                {notice}
                {trouble}
                {form}
            </div></section>
        </Layout>
    }
}

/// The emailed link's page: a button, so mail scanners that open links do not use it up.
#[component]
pub fn MyGiftsLinkPage(
    locale: Locale,
    link_token: String,
    trouble: Option<SignInTrouble>,
) -> impl IntoView {
    let m = t(locale);
    view! {
        <Layout locale page=Page::MyGifts title=m.my_title description=m.my_link_intro noindex=true>
            <section class="my-gifts"><div class="wrap">
                <h1>{m.my_title}</h1>
                {trouble.map(|trouble| view! { <p class="form-problem" role="alert">{trouble_text(trouble, m)}</p> })}
                <p>{m.my_link_intro}</p>
                <form method="post" action=format!("{}/link", paths::my_gifts(locale))>
                    <input type="hidden" name="link" value=link_token/>
                    <button type="submit" class="button">{m.my_open_gifts}</button>
                </form>
            </div></section>
        </Layout>
    }
}

/// What the signed-in page shows.
#[derive(Debug, Clone)]
pub struct MyGiftsData {
    pub email: String,
    pub csrf: String,
    pub gifts: Vec<GiftView>,
    pub consent: bool,
    pub consent_history: Vec<ConsentView>,
    /// The yearly summaries (one per tax year and receipt holder), newest year first.
    pub summaries: Vec<SummaryView>,
    /// A fresh id for this page's change forms (a double submit is one request).
    pub request_id: String,
    /// After an action (`?done=`), or a problem.
    pub done: Option<String>,
    pub problem: Option<String>,
}

fn status_text(status: DonationStatus, m: &'static Messages) -> &'static str {
    match status {
        DonationStatus::Pending => m.my_status_pending,
        DonationStatus::Paid => m.my_status_paid,
        DonationStatus::Failed | DonationStatus::Cancelled => m.my_status_closed,
        DonationStatus::Expired => m.my_status_expired,
    }
}

fn done_text(done: &str, m: &'static Messages) -> Option<&'static str> {
    Some(match done {
        "requested" => m.my_done_requested,
        "receipt" => m.my_done_receipt,
        "consent" => m.my_done_consent,
        "told" => m.my_done_told,
        "card" => m.my_done_card,
        _ => return None,
    })
}

fn problem_text(problem: &str, m: &'static Messages) -> Option<&'static str> {
    Some(match problem {
        "invalid" => m.my_problem_invalid,
        "provider" => m.my_problem_provider,
        "monthly_running" => m.my_problem_monthly_running,
        "confirm" => m.my_problem_confirm,
        "unavailable" => m.my_unavailable,
        _ => return None,
    })
}

/// One form on a gift: hidden fields for the session's token, the request id and the action.
fn gift_form(
    locale: Locale,
    gift: &GiftView,
    csrf: &str,
    request_id: &str,
    action: &'static str,
    fields: AnyView,
    button: &'static str,
) -> AnyView {
    view! {
        <form method="post" action=paths::my_gift(locale, &gift.donation.reference) class="my-form inline">
            <input type="hidden" name="csrf" value=csrf.to_string()/>
            <input type="hidden" name="request_id" value=request_id.to_string()/>
            <input type="hidden" name="action" value=action/>
            {fields}
            <button type="submit" class="button secondary">{button}</button>
        </form>
    }
    .into_any()
}

#[component]
pub fn MyGiftsPage(locale: Locale, data: MyGiftsData) -> impl IntoView {
    let m = t(locale);
    let csrf = data.csrf.clone();
    let request_id = data.request_id.clone();
    let notices = view! {
        {data.done.as_deref().and_then(|done| done_text(done, m)).map(|text| view! { <p class="notice" role="status">{text}</p> })}
        {data.problem.as_deref().and_then(|problem| problem_text(problem, m)).map(|text| view! { <p class="form-problem" role="alert">{text}</p> })}
    };
    let gifts = data
        .gifts
        .iter()
        .map(|gift| {
            let d = &gift.donation;
            let kind = if d.frequency == Frequency::Monthly {
                fill(m.my_gift_monthly, &[("amount", &d.amount.to_string())])
            } else {
                fill(m.my_gift_one_off, &[("amount", &d.amount.to_string())])
            };
            let heading_id = format!("gift-{}", d.reference.as_str());
            // A transfer still to pay: what to pay with, for as long as it is unpaid.
            let to_pay = (d.status == DonationStatus::Pending
                && d.payment_method == PaymentMethod::Offline
                && d.flag.is_none())
            .then(|| pay_details(locale, d));
            let mut state_lines: Vec<String> = vec![status_text(d.status, m).to_string()];
            if let Some(until) = d.paused_until {
                if until < Timestamp::MAX {
                    state_lines.push(fill(m.my_paused_until, &[("date", &local_date(until, locale))]));
                }
            }
            if let (Some(next), None, true) = (d.next_charge_at, d.paused_until, gift.manageable()) {
                state_lines.push(fill(m.my_next_charge, &[("date", &local_date(next, locale))]));
            }
            if d.ended_at.is_some() {
                state_lines.push(m.my_ended.to_string());
            }
            for change in gift.pending() {
                state_lines.push(fill(m.my_pending, &[("what", change_name(&change.kind, m))]));
            }
            let states = state_lines
                .into_iter()
                .map(|line| view! { <li>{line}</li> })
                .collect_view();
            let payments = gift
                .payments
                .iter()
                .map(|payment| {
                    let refunded = (payment.refunded.minor > 0)
                        .then(|| fill(m.my_refunded, &[("amount", &payment.refunded.to_string())]));
                    view! {
                        <li>
                            {local_date(payment.paid_at, locale)} ": "
                            {payment.amount.to_string()}
                            {refunded.map(|text| format!(" ({text})"))}
                        </li>
                    }
                })
                .collect_view();
            let receipts = gift
                .receipts
                .iter()
                .map(|receipt| {
                    let label = fill(
                        m.my_receipt_link,
                        &[("number", &receipt.number), ("amount", &receipt.amount.to_string())],
                    );
                    if receipt.valid {
                        view! { <li><a href=paths::my_receipt(locale, &receipt.id) download="">{label}</a></li> }.into_any()
                    } else {
                        view! { <li><del>{label}</del> " " {m.my_receipt_void}</li> }.into_any()
                    }
                })
                .collect_view();
            let manage = gift.manageable().then(|| {
                let months = (1..=3)
                    .map(|n| view! { <option value=n.to_string()>{fill(m.my_months, &[("count", &n.to_string())])}</option> })
                    .collect_view();
                let days = (1..=28)
                    .map(|day| view! { <option value=day.to_string()>{day.to_string()}</option> })
                    .collect_view();
                let pause_or_resume = if d.paused_until.is_some() {
                    gift_form(locale, gift, &csrf, &request_id, "resume", ().into_any(), m.my_resume)
                } else {
                    let id = format!("months-{}", d.reference.as_str());
                    gift_form(
                        locale,
                        gift,
                        &csrf,
                        &request_id,
                        "pause",
                        view! { <label for=id.clone()>{m.my_pause_for}</label><select id=id name="months">{months}</select> }.into_any(),
                        m.my_pause,
                    )
                };
                let amount_id = format!("amount-{}", d.reference.as_str());
                let day_id = format!("day-{}", d.reference.as_str());
                let reason_id = format!("reason-{}", d.reference.as_str());
                view! {
                    <h3>{m.my_change_heading}</h3>
                    {pause_or_resume}
                    {gift_form(locale, gift, &csrf, &request_id, "amount",
                        view! { <label for=amount_id.clone()>{m.my_new_amount}</label>
                            <input id=amount_id name="amount" inputmode="decimal" required value=d.amount.plain_decimal()/> }.into_any(),
                        m.my_change_amount)}
                    {gift_form(locale, gift, &csrf, &request_id, "day",
                        view! { <label for=day_id.clone()>{m.my_new_day}</label><select id=day_id name="day">{days}</select> }.into_any(),
                        m.my_change_day)}
                    {gift_form(locale, gift, &csrf, &request_id, "card", ().into_any(), m.my_update_card)}
                    {gift_form(locale, gift, &csrf, &request_id, "cancel",
                        view! { <label for=reason_id.clone()>{m.my_cancel_reason}</label>
                            <input id=reason_id name="reason" maxlength="500"/>
                            <label class="check"><input type="checkbox" name="confirm" value="yes" required/> " " {m.my_cancel_confirm}</label> }.into_any(),
                        m.my_cancel)}
                }
            });
            let standing_order = (d.frequency == Frequency::Monthly
                && d.payment_method == PaymentMethod::Offline
                && d.status != DonationStatus::Cancelled)
                .then(|| {
                    let message_id = format!("message-{}", d.reference.as_str());
                    view! {
                        <h3>{m.my_standing_order_heading}</h3>
                        <p>{fill(m.my_standing_order, &[("reference", d.reference.as_str())])}</p>
                        {gift_form(locale, gift, &csrf, &request_id, "tell",
                            view! { <label for=message_id.clone()>{m.my_tell_label}</label>
                                <textarea id=message_id name="message" maxlength="2000" rows="3" required></textarea> }.into_any(),
                            m.my_tell)}
                    }
                });
            let receipt_choice = d.receipt.code();
            let other_name = match &d.receipt {
                Receipt::InOtherName(name) => name.as_str().to_string(),
                _ => String::new(),
            };
            let (company, registration) = match &d.receipt {
                Receipt::InCompanyName {
                    company,
                    registration,
                } => (
                    company.as_str().to_string(),
                    registration
                        .as_ref()
                        .map(|number| number.as_str().to_string())
                        .unwrap_or_default(),
                ),
                _ => (String::new(), String::new()),
            };
            let radio = |value: &'static str, label: &'static str| {
                let id = format!("receipt-{value}-{}", d.reference.as_str());
                view! {
                    <label class="check" for=id.clone()>
                        <input type="radio" id=id.clone() name="receipt" value=value checked=receipt_choice == value/>
                        " " {label}
                    </label>
                }
            };
            let other_id = format!("receipt-name-{}", d.reference.as_str());
            let company_id = format!("receipt-company-name-{}", d.reference.as_str());
            let registration_id = format!("receipt-company-registration-{}", d.reference.as_str());
            let receipt_form = gift_form(
                locale,
                gift,
                &csrf,
                &request_id,
                "receipt",
                view! {
                    <fieldset>
                        <legend>{m.my_receipt_heading}</legend>
                        {radio("own_name", m.my_receipt_own)}
                        {radio("other_name", m.my_receipt_other)}
                        {radio("company", m.my_receipt_company)}
                        {radio("none", m.my_receipt_none)}
                        // Under the choices, not between them: each belongs to its choice.
                        <div class="receipt-name-field">
                            <label for=other_id.clone()>{m.my_receipt_other_name}</label>
                            <input id=other_id name="receipt_name" value=other_name maxlength="100"/>
                        </div>
                        <div class="receipt-company-field">
                            <label for=company_id.clone()>{m.form_company_name_label}</label>
                            <input id=company_id name=inputs::COMPANY_NAME.name value=company
                                maxlength=inputs::COMPANY_NAME.max_length autocomplete="organization"/>
                            <label for=registration_id.clone()>{m.form_company_registration_label}</label>
                            <input id=registration_id name=inputs::COMPANY_REGISTRATION.name value=registration
                                maxlength=inputs::COMPANY_REGISTRATION.max_length/>
                        </div>
                    </fieldset>
                }
                .into_any(),
                m.my_save,
            );
            view! {
                <article class="my-gift" aria-labelledby=heading_id.clone()>
                    <h2 id=heading_id.clone()>{kind} " · " {d.reference.as_str().to_string()}</h2>
                    <p class="my-gift-date">{fill(m.my_gift_started, &[("date", &local_date(d.created_at, locale))])}</p>
                    <ul class="my-state">{states}</ul>
                    {to_pay}
                    {(!gift.payments.is_empty()).then(|| view! { <h3>{m.my_payments}</h3><ul>{payments}</ul> })}
                    {(!gift.receipts.is_empty()).then(|| view! { <h3>{m.my_receipts}</h3><ul>{receipts}</ul> })}
                    {manage}
                    {standing_order}
                    {receipt_form}
                </article>
            }
        })
        .collect_view();
    let history = data
        .consent_history
        .iter()
        .map(|event| {
            let text = if event.given {
                m.my_consent_given
            } else {
                m.my_consent_withdrawn
            };
            view! { <li>{fill(text, &[("date", &local_date(event.at, locale))])}</li> }
        })
        .collect_view();
    let summaries = data
        .summaries
        .iter()
        .map(|summary| {
            let year = summary.year_start;
            let label = fill(
                m.my_summary_link,
                &[
                    ("year", &format!("{year}-{:02}", (year + 1) % 100)),
                    ("name", &summary.issued_to),
                ],
            );
            let href = paths::my_summary_of(locale, year, &summary.holder_receipt_id);
            view! { <li><a href=href download="">{label}</a></li> }
        })
        .collect_view();
    let empty = data
        .gifts
        .is_empty()
        .then(|| view! { <p>{m.my_no_gifts}</p> });
    view! {
        <Layout locale page=Page::MyGifts title=m.my_title description=m.my_title noindex=true>
            <section class="my-gifts"><div class="wrap">
                <h1>{m.my_title}</h1>
                <p>{fill(m.my_signed_in_as, &[("email", &data.email)])}</p>
                <form method="post" action=paths::my_gifts_sign_out(locale)>
                    <input type="hidden" name="csrf" value=csrf.clone()/>
                    <button type="submit" class="link-button">{m.my_sign_out}</button>
                </form>
                {notices}
                {empty}
                {gifts}
                <section class="my-section" aria-labelledby="news-heading">
                    <h2 id="news-heading">{m.my_news_heading}</h2>
                    <form method="post" action=paths::my_consent(locale) class="my-form">
                        <input type="hidden" name="csrf" value=csrf.clone()/>
                        <label class="check"><input type="checkbox" name="consent" value="yes" checked=data.consent/>
                            " " {m.my_news_label}</label>
                        <button type="submit" class="button secondary">{m.my_save}</button>
                    </form>
                    {(!data.consent_history.is_empty()).then(|| view! { <ul class="hint">{history}</ul> })}
                </section>
                {(!data.summaries.is_empty()).then(|| view! {
                    <section class="my-section" aria-labelledby="summaries-heading">
                        <h2 id="summaries-heading">{m.my_summaries_heading}</h2>
                        <ul>{summaries}</ul>
                    </section>
                })}
                <section class="my-section" aria-labelledby="data-heading">
                    <h2 id="data-heading">{m.my_data_heading}</h2>
                    <p>{m.my_data_intro}</p>
                    <ul>
                        <li><a href=paths::my_data(locale, "my-data.json") download="">{m.my_data_json}</a></li>
                        <li><a href=paths::my_data(locale, "my-data.csv") download="">{m.my_data_csv}</a></li>
                    </ul>
                    <form method="post" action=paths::my_erase(locale) class="my-form">
                        <input type="hidden" name="csrf" value=csrf.clone()/>
                        <p>{m.my_erase_intro}</p>
                        <label class="check"><input type="checkbox" name="confirm" value="yes" required/> " " {m.my_erase_confirm}</label>
                        <button type="submit" class="button secondary">{m.my_erase}</button>
                    </form>
                </section>
            </div></section>
        </Layout>
    }
}

/// What a pending request is, in words.
fn change_name(kind: &str, m: &'static Messages) -> &'static str {
    match kind {
        "pause" => m.my_pause,
        "resume" => m.my_resume,
        "amount" => m.my_change_amount,
        "day" => m.my_change_day,
        "cancel" => m.my_cancel,
        _ => m.my_update_card,
    }
}

/// `/receipts/verify`: anyone checks a receipt by its number and code.
#[component]
pub fn VerifyReceiptPage(
    locale: Locale,
    number: String,
    code: String,
    /// `None` before a check; `Some(None)` when no receipt matches.
    result: Option<Option<(String, String, bool)>>,
) -> impl IntoView {
    let m = t(locale);
    let outcome = result.map(|found| match found {
        Some((amount, date, true)) => view! {
            <p class="notice" role="status">{fill(m.verify_valid, &[("number", &number), ("amount", &amount), ("date", &date)])}</p>
        }
        .into_any(),
        Some((_, _, false)) => view! {
            <p class="form-problem" role="alert">{fill(m.verify_void, &[("number", &number)])}</p>
        }
        .into_any(),
        None => view! { <p class="form-problem" role="alert">{m.verify_not_found}</p> }.into_any(),
    });
    view! {
        <Layout locale page=Page::VerifyReceipt title=m.verify_title description=m.verify_intro noindex=true>
            <section class="my-gifts"><div class="wrap">
                <h1>{m.verify_title}</h1>
                <p>{m.verify_intro}</p>
                {outcome}
                <form method="get" action=paths::verify_receipt() class="my-form">
                    <input type="hidden" name="lang" value=locale.code()/>
                    <label for="number">{m.verify_number}</label>
                    <input id="number" name="number" value=number.clone() required/>
                    <label for="code">{m.verify_code}</label>
                    <input id="code" name="code" value=code.clone() required/>
                    <button type="submit" class="button">{m.verify_check}</button>
                </form>
            </div></section>
        </Layout>
    }
}

/// How to pay a pledge: the FPS ID, the bank account, the amount and the reference, and its own
/// page (with the QR code).
fn pay_details(locale: Locale, d: &sharecare_domain::donation::Donation) -> impl IntoView {
    let state = expect_context::<sharecare_services::state::AppState>();
    let org = &state.content.organisation;
    let m = t(locale);
    let amount = d.charged().plain_decimal();
    let reference = d.reference.as_str().to_string();
    view! {
        <div class="my-pay">
            <h3>{m.thanks_pay_heading}</h3>
            <p>{fill(m.thanks_pay_intro, &[("reference", &reference)])}</p>
            <dl class="pay-details">
                <dt>{m.thanks_fps_id}</dt><dd><span class="copy-value">{org.fps_id.clone()}</span></dd>
                <dt>{m.thanks_bank_name}</dt><dd>{org.bank.bank_name.get(locale).clone()}</dd>
                <dt>{m.thanks_account_name}</dt><dd>{org.bank.account_name.clone()}</dd>
                <dt>{m.thanks_account_number}</dt><dd><span class="copy-value">{org.bank.account_number.clone()}</span></dd>
                <dt>{m.thanks_amount}</dt><dd><span class="copy-value">{amount}</span></dd>
                <dt>{m.thanks_reference}</dt><dd><span class="copy-value">{reference}</span></dd>
            </dl>
            <p><a href=paths::gift_page_with_key(locale, &d.reference, &d.access_key)>{m.previous_gift_view}</a></p>
        </div>
    }
}

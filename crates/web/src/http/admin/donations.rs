//! The dashboard, the donations table and its CSV, one donation's page, and what finance does
//! there: confirm a transfer, refund a card payment.

use std::convert::Infallible;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use futures_util::StreamExt;
use leptos::prelude::*;
use serde::Deserialize;
use tokio_stream::wrappers::ReceiverStream;

use super::guard::{CurrentStaff, StaffForm};
use crate::http::render::render_admin;
use crate::http::AppError;
use sharecare_content::i18n::{admin_t, fill};
use sharecare_content::paths;
use sharecare_db::OfflineMethod;
use sharecare_domain::form::DonationForm;
use sharecare_domain::identifiers::FormToken;
use sharecare_domain::identifiers::Reference;
use sharecare_domain::money::{parse_amount, AmountLimits};
use sharecare_domain::secrets::random_hex;
use sharecare_domain::time::{parse_hong_kong_local, Timestamp};
use sharecare_services::donations::{
    ConfirmError, OfflineError, OfflineGift, OfflineGiftError, RefundError, Seen, Transfer,
    VoidReason,
};
use sharecare_services::export;
use sharecare_services::records::ListingQuery;
use sharecare_services::state::AppState;
use sharecare_views::components::donation_form::problem_message;
use sharecare_views::pages::admin::dashboard::DashboardPage;
use sharecare_views::pages::admin::donation::{
    ConfirmReviewPage, ConfirmationReview, DonationPage, GiftFormValues, NewGiftPage, Outcome,
};
use sharecare_views::pages::admin::donations::DonationsPage;
use sharecare_views::pages::admin::money;

/// Rows per page of the donations table.
const PER_PAGE: u32 = 50;

/// `GET /admin`.
pub async fn dashboard(
    State(state): State<AppState>,
    Extension(staff): Extension<CurrentStaff>,
) -> Result<Response, AppError> {
    let figures = state.records.figures().await?;
    let progress = state.donations.progress();
    let currency = state.content.organisation.currency();
    let view_staff = staff.view();
    let page = render_admin(&state, StatusCode::OK, move || {
        view! { <DashboardPage staff=view_staff.clone() figures=figures.clone() progress currency/> }
    })
    .await;
    Ok(page)
}

/// `GET /admin/donations`: filtered, sorted, paged, with the filtered set's totals.
pub async fn donations(
    State(state): State<AppState>,
    Extension(staff): Extension<CurrentStaff>,
    query: Result<Query<ListingQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let query = query.ok().map(|Query(query)| query).unwrap_or_default();
    let listing = state.records.listing(query, PER_PAGE).await?;
    let currency = state.content.organisation.currency();
    let view_staff = staff.view();
    Ok(render_admin(&state, StatusCode::OK, move || {
        view! { <DonationsPage staff=view_staff.clone() listing=listing.clone() currency/> }
    })
    .await)
}

/// `GET /admin/donations.csv`: the filtered set, streamed row by row (flat memory however
/// many rows), UTF-8 with a byte-order mark, formulas neutralised. The export is audited.
pub async fn export_csv(
    State(state): State<AppState>,
    Extension(staff): Extension<CurrentStaff>,
    query: Result<Query<ListingQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let query = query.ok().map(|Query(query)| query).unwrap_or_default();
    let (sender, receiver) = tokio::sync::mpsc::channel(64);
    state.records.export(&query, &staff.actor(), sender).await?;
    let head = futures_util::stream::iter([
        Ok::<_, Infallible>(bytes::Bytes::from(export::BOM.as_bytes().to_vec())),
        Ok(bytes::Bytes::from(export::record(&export::HEADER))),
    ]);
    // A row the database cannot give ends the file early; the log says why.
    let rows = tokio_stream::StreamExt::map_while(ReceiverStream::new(receiver), |row| match row {
        Ok(row) => Some(Ok::<_, Infallible>(bytes::Bytes::from(export::record(
            &export::cells(&row),
        )))),
        Err(error) => {
            tracing::error!(%error, "an export stopped early");
            None
        }
    });
    let name = format!("donations-{}.csv", Timestamp::now().hong_kong_iso_date());
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
        ],
        Body::from_stream(head.chain(rows)),
    )
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct OutcomeQuery {
    #[serde(default)]
    done: Option<String>,
}

/// `GET /admin/donations/{reference}`.
pub async fn donation(
    State(state): State<AppState>,
    Extension(staff): Extension<CurrentStaff>,
    Path(reference): Path<String>,
    query: Result<Query<OutcomeQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let done = query.ok().and_then(|Query(query)| query.done);
    donation_page(
        &state,
        &staff,
        &reference,
        Outcome {
            done,
            problem: None,
        },
        StatusCode::OK,
    )
    .await
}

/// The gift's page again with what staff must put right (422).
async fn refused(
    state: &AppState,
    staff: &CurrentStaff,
    reference: &str,
    text: String,
) -> Result<Response, AppError> {
    let outcome = Outcome {
        done: None,
        problem: Some(text),
    };
    donation_page(
        state,
        staff,
        reference,
        outcome,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

async fn donation_page(
    state: &AppState,
    staff: &CurrentStaff,
    reference: &str,
    outcome: Outcome,
    status: StatusCode,
) -> Result<Response, AppError> {
    let reference = Reference::parse(reference).ok_or(AppError::NotFound)?;
    let history = state
        .records
        .history(&reference)
        .await?
        .ok_or(AppError::NotFound)?;
    let view_staff = staff.view();
    let refund_request_id = random_hex::<16>();
    let now_local = Timestamp::now().hong_kong_date_time().replace(' ', "T");
    let undo_window = state.donations.undo_window();
    Ok(render_admin(state, status, move || {
        view! {
            <DonationPage staff=view_staff.clone() history=history.clone() outcome=outcome.clone()
                refund_request_id=refund_request_id.clone() now_local=now_local.clone() undo_window/>
        }
    })
    .await)
}

fn after(reference: &Reference, done: &str) -> Result<Response, AppError> {
    Ok(Redirect::to(&format!(
        "{}?done={done}",
        paths::admin::donation(reference)
    ))
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    amount: String,
    /// When it arrived, Hong Kong time (`datetime-local`).
    #[serde(default)]
    received_at: String,
    /// When it arrived, a date alone (older forms, scripts).
    #[serde(default)]
    received_on: String,
    #[serde(default)]
    accept_difference: Option<String>,
    /// The form's own id: submitting it twice records one payment.
    #[serde(default)]
    confirmation_id: String,
    /// `transfer` (default), `cheque` or `cash`.
    #[serde(default)]
    method: String,
    #[serde(default)]
    cheque_number: String,
}

/// A confirmation, checked: what arrived and when.
struct CheckedConfirmation {
    received: sharecare_domain::money::Money,
    received_at: Timestamp,
    method: OfflineMethod,
}

/// Reads the confirm form, or says what is wrong with it.
fn check_confirmation(
    form: &ConfirmForm,
    currency: sharecare_domain::money::Currency,
    m: &'static sharecare_content::i18n::AdminMessages,
) -> Result<CheckedConfirmation, String> {
    let limits = AmountLimits {
        min_minor: 1,
        max_minor: u64::MAX / 4,
    };
    let received =
        parse_amount(&form.amount, currency, limits).map_err(|_| m.problem_amount.to_string())?;
    let when = if form.received_at.trim().is_empty() {
        &form.received_on
    } else {
        &form.received_at
    };
    let received_at = parse_hong_kong_local(when)
        .filter(|at| *at <= Timestamp::now())
        .ok_or_else(|| m.problem_date.to_string())?;
    let method = match form.method.trim() {
        "" => OfflineMethod::Transfer,
        code => OfflineMethod::parse(code).ok_or_else(|| m.problem_method.to_string())?,
    };
    Ok(CheckedConfirmation {
        received,
        received_at,
        method,
    })
}

/// `POST /admin/donations/{reference}/review`: what confirming will record (amount, time,
/// the receipt that will be sent), before it does.
pub async fn review(
    State(state): State<AppState>,
    Path(reference): Path<String>,
    StaffForm(staff, form): StaffForm<ConfirmForm>,
) -> Result<Response, AppError> {
    let m = admin_t(staff.locale);
    let reference = Reference::parse(&reference).ok_or(AppError::NotFound)?;
    let history = state
        .records
        .history(&reference)
        .await?
        .ok_or(AppError::NotFound)?;
    let currency = history.donation.amount.currency;
    let checked = match check_confirmation(&form, currency, m) {
        Ok(checked) => checked,
        Err(text) => return refused(&state, &staff, reference.as_str(), text).await,
    };
    let view_staff = staff.view();
    let undo_window = state.donations.undo_window();
    let confirmation = ConfirmationReview {
        amount: checked.received,
        received_at: checked.received_at,
        method: checked.method.as_str().to_string(),
        cheque_number: form.cheque_number.trim().to_string(),
        accept_difference: form.accept_difference.is_some(),
        confirmation_id: random_hex::<16>(),
    };
    Ok(render_admin(&state, StatusCode::OK, move || {
        view! { <ConfirmReviewPage staff=view_staff.clone() history=history.clone() confirmation=confirmation.clone() undo_window/> }
    })
    .await)
}

/// `POST /admin/donations/{reference}/confirm`: records a transfer as paid.
pub async fn confirm(
    State(state): State<AppState>,
    Path(reference): Path<String>,
    StaffForm(staff, form): StaffForm<ConfirmForm>,
) -> Result<Response, AppError> {
    let m = admin_t(staff.locale);
    let reference = Reference::parse(&reference).ok_or(AppError::NotFound)?;
    let currency = state.content.organisation.currency();
    let checked = match check_confirmation(&form, currency, m) {
        Ok(checked) => checked,
        Err(text) => return refused(&state, &staff, reference.as_str(), text).await,
    };
    let is_id = |id: &str| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit());
    let confirmation_id = if is_id(&form.confirmation_id) {
        form.confirmation_id.clone()
    } else {
        random_hex::<16>()
    };
    let cheque_number = Some(form.cheque_number.trim()).filter(|number| !number.is_empty());
    let actor = staff.actor();
    let outcome = state
        .donations
        .confirm_transfer(Transfer {
            reference: &reference,
            received: checked.received,
            received_at: checked.received_at,
            seen: Seen::ByHand {
                confirmation_id: &confirmation_id,
                method: checked.method,
                cheque_number,
            },
            accept_difference: form.accept_difference.is_some(),
            actor: &actor,
        })
        .await;
    let text = match outcome {
        Ok(sharecare_domain::status::Transition::Changed) => return after(&reference, "confirmed"),
        Ok(sharecare_domain::status::Transition::Unchanged) => {
            return after(&reference, "unchanged")
        }
        Err(ConfirmError::NotFound) => return Err(AppError::NotFound),
        Err(ConfirmError::Closed(_)) => m.problem_closed.to_string(),
        Err(ConfirmError::NotATransfer) => m.problem_not_transfer.to_string(),
        Err(ConfirmError::AmountDiffers { expected, received }) => fill(
            m.problem_amount_differs,
            &[
                ("received", &received.to_string()),
                ("pledged", &expected.to_string()),
            ],
        ),
        Err(ConfirmError::Currency(_)) => m.problem_currency.to_string(),
        Err(ConfirmError::PaidInFull(_)) => m.problem_paid_in_full.to_string(),
        Err(ConfirmError::Held) => m.problem_date.to_string(),
        Err(ConfirmError::Unchecked) => m.problem_unchecked.to_string(),
        Err(ConfirmError::Database(error)) => {
            tracing::error!(%error, "cannot confirm a transfer");
            let outcome = Outcome {
                done: None,
                problem: Some(m.problem_unavailable.to_string()),
            };
            return donation_page(
                &state,
                &staff,
                reference.as_str(),
                outcome,
                StatusCode::SERVICE_UNAVAILABLE,
            )
            .await;
        }
    };
    refused(&state, &staff, reference.as_str(), text).await
}

#[derive(Debug, Deserialize)]
pub struct PaymentForm {
    /// `undo`, `bank_refund` or `bounced`.
    action: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reason: String,
}

/// `POST /admin/donations/{reference}/payments/{payment}`: money returned through the bank,
/// a confirmation undone, a cheque that bounced.
pub async fn payment_action(
    State(state): State<AppState>,
    Path((reference, payment)): Path<(String, String)>,
    StaffForm(staff, form): StaffForm<PaymentForm>,
) -> Result<Response, AppError> {
    let m = admin_t(staff.locale);
    let reference = Reference::parse(&reference).ok_or(AppError::NotFound)?;
    if payment.len() != 32 || !payment.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let donation = state
        .records
        .history(&reference)
        .await?
        .ok_or(AppError::NotFound)?
        .donation;
    let actor = staff.actor();
    let (result, done) = match form.action.as_str() {
        "undo" => (
            state
                .donations
                .void_offline_payment(&donation, &payment, VoidReason::Undone, &actor)
                .await,
            "undone",
        ),
        "bounced" => (
            state
                .donations
                .void_offline_payment(&donation, &payment, VoidReason::Bounced, &actor)
                .await,
            "bounced",
        ),
        "bank_refund" => {
            let limits = AmountLimits {
                min_minor: 1,
                max_minor: u64::MAX / 4,
            };
            let Ok(amount) = parse_amount(&form.amount, donation.amount.currency, limits) else {
                let text = m.problem_amount.to_string();
                return refused(&state, &staff, reference.as_str(), text).await;
            };
            (
                state
                    .donations
                    .refund_by_bank(&donation, &payment, amount, &form.reason, &actor)
                    .await,
                "bank_refunded",
            )
        }
        _ => return Err(AppError::NotFound),
    };
    let text = match result {
        Ok(()) => return after(&reference, done),
        Err(OfflineError::NotFound) => m.problem_not_found.to_string(),
        Err(OfflineError::NoReason) => m.problem_reason.to_string(),
        Err(OfflineError::TooMuch(max)) => fill(
            m.problem_refund_too_much,
            &[("max", &money(max.minor as i64, max.currency))],
        ),
        Err(OfflineError::TooLate) => fill(
            m.problem_undo_too_late,
            &[(
                "minutes",
                &(state.donations.undo_window().as_secs() / 60).to_string(),
            )],
        ),
        Err(OfflineError::NotACheque) => m.problem_not_cheque.to_string(),
        Err(OfflineError::Voided) => m.problem_voided.to_string(),
        Err(OfflineError::Database(error)) => return Err(error.into()),
    };
    refused(&state, &staff, reference.as_str(), text).await
}

/// `GET /admin/gifts/new`: the form for a cheque or cash gift.
pub async fn new_gift_page(
    State(state): State<AppState>,
    Extension(staff): Extension<CurrentStaff>,
) -> Result<Response, AppError> {
    gift_form(
        &state,
        &staff,
        NewGiftForm::default(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

async fn gift_form(
    state: &AppState,
    staff: &CurrentStaff,
    form: NewGiftForm,
    problems: Vec<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let view_staff = staff.view();
    let token = if FormToken::parse(&form.token).is_some() {
        form.token.clone()
    } else {
        format!("{}.{}", random_hex::<16>(), random_hex::<16>())
    };
    let values = GiftFormValues {
        name: form.name,
        email: form.email,
        amount: form.amount,
        received_at: if form.received_at.is_empty() {
            Timestamp::now().hong_kong_date_time().replace(' ', "T")
        } else {
            form.received_at
        },
        method: form.method,
        cheque_number: form.cheque_number,
        receipt: form.receipt,
        company_name: form.company_name,
        company_registration: form.company_registration,
        token,
    };
    Ok(render_admin(state, status, move || {
        view! { <NewGiftPage staff=view_staff.clone() values=values.clone() problems=problems.clone()/> }
    })
    .await)
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct NewGiftForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    received_at: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    cheque_number: String,
    /// `own_name`, `company` or `none`, as the public form names them.
    #[serde(default)]
    receipt: String,
    #[serde(default)]
    company_name: String,
    #[serde(default)]
    company_registration: String,
    #[serde(default)]
    token: String,
}

/// `POST /admin/gifts/new`: a cheque or cash gift recorded and receipted.
pub async fn new_gift(
    State(state): State<AppState>,
    StaffForm(staff, form): StaffForm<NewGiftForm>,
) -> Result<Response, AppError> {
    let m = admin_t(staff.locale);
    // The donor form's own words for its problems, in the staff's language.
    let public = sharecare_content::i18n::t(match staff.locale {
        sharecare_content::i18n::AdminLocale::En => sharecare_domain::Locale::En,
        sharecare_content::i18n::AdminLocale::ZhHk => sharecare_domain::Locale::ZhHk,
    });
    let mut problems = Vec::new();
    let method = match OfflineMethod::parse(form.method.trim()) {
        Some(method @ (OfflineMethod::Cheque | OfflineMethod::Cash)) => Some(method),
        _ => {
            problems.push(m.problem_method.to_string());
            None
        }
    };
    let received_at = parse_hong_kong_local(&form.received_at);
    if received_at.is_none() {
        problems.push(m.problem_date.to_string());
    }
    let (Some(method), Some(received_at)) = (method, received_at) else {
        return gift_form(
            &state,
            &staff,
            form,
            problems,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let donation_form = DonationForm {
        frequency: "one_off".into(),
        amount: DonationForm::OTHER_AMOUNT.into(),
        custom_amount: form.amount.clone(),
        email: form.email.clone(),
        name: form.name.clone(),
        receipt: if form.receipt.is_empty() {
            "own_name".into()
        } else {
            form.receipt.clone()
        },
        company_name: form.company_name.clone(),
        company_registration: form.company_registration.clone(),
        token: form.token.clone(),
        payment_method: "offline".into(),
        ..DonationForm::default()
    };
    let actor = staff.actor();
    let result = state
        .donations
        .record_offline_gift(OfflineGift {
            form: &donation_form,
            method,
            cheque_number: Some(form.cheque_number.as_str()),
            received_at,
            actor: &actor,
        })
        .await;
    let problems = match result {
        Ok(donation) => return after(&donation.reference, "gift_recorded"),
        Err(OfflineGiftError::Form(errors)) => errors
            .into_iter()
            .map(|error| problem_message(public, error.problem, &state.content))
            .collect(),
        Err(OfflineGiftError::ChequeNumber) => vec![m.problem_cheque_number.to_string()],
        Err(OfflineGiftError::Future) => vec![m.problem_date.to_string()],
        Err(OfflineGiftError::Confirm(ConfirmError::Database(error)))
        | Err(OfflineGiftError::Database(error)) => return Err(error.into()),
        Err(OfflineGiftError::Confirm(error)) => vec![error.to_string()],
    };
    gift_form(
        &state,
        &staff,
        form,
        problems,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct RefundForm {
    payment_id: String,
    #[serde(default)]
    amount: String,
    request_id: String,
}

/// `POST /admin/donations/{reference}/refund`: asks the payment provider for a refund.
pub async fn refund(
    State(state): State<AppState>,
    Path(reference): Path<String>,
    StaffForm(staff, form): StaffForm<RefundForm>,
) -> Result<Response, AppError> {
    let m = admin_t(staff.locale);
    let reference = Reference::parse(&reference).ok_or(AppError::NotFound)?;
    let donation = state
        .records
        .history(&reference)
        .await?
        .ok_or(AppError::NotFound)?
        .donation;
    let currency = donation.amount.currency;
    let limits = AmountLimits {
        min_minor: 1,
        max_minor: u64::MAX / 4,
    };
    let request_ok =
        form.request_id.len() == 32 && form.request_id.bytes().all(|b| b.is_ascii_hexdigit());
    let amount = parse_amount(&form.amount, currency, limits);
    let (Ok(amount), true) = (amount, request_ok) else {
        let text = m.problem_amount.to_string();
        return refused(&state, &staff, reference.as_str(), text).await;
    };
    let text = match state
        .donations
        .request_refund(
            &donation,
            &form.payment_id,
            amount,
            &form.request_id,
            &staff.actor(),
        )
        .await
    {
        Ok(_) => return after(&reference, "refund_requested"),
        Err(RefundError::NotFound) => m.problem_not_found.to_string(),
        Err(RefundError::NotACardPayment) | Err(RefundError::NoProvider) => {
            m.problem_refund_not_card.to_string()
        }
        Err(RefundError::TooMuch(max)) => fill(
            m.problem_refund_too_much,
            &[("max", &money(max.minor as i64, max.currency))],
        ),
        Err(RefundError::Provider(error)) => {
            fill(m.problem_refund_failed, &[("error", &error.to_string())])
        }
        Err(RefundError::Database(error)) => {
            tracing::error!(%error, "cannot record a refund request");
            m.problem_unavailable.to_string()
        }
    };
    refused(&state, &staff, reference.as_str(), text).await
}

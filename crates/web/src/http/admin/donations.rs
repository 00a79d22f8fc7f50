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
use sharecare_domain::identifiers::Reference;
use sharecare_domain::money::{parse_amount, AmountLimits};
use sharecare_domain::secrets::random_hex;
use sharecare_domain::time::hong_kong_midnight;
use sharecare_domain::time::Timestamp;
use sharecare_services::donations::{ConfirmError, RefundError, Transfer};
use sharecare_services::export;
use sharecare_services::records::ListingQuery;
use sharecare_services::state::AppState;
use sharecare_services::statements::parse_date;
use sharecare_views::pages::admin::dashboard::DashboardPage;
use sharecare_views::pages::admin::donation::{DonationPage, Outcome};
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
    let today = Timestamp::now().hong_kong_iso_date();
    Ok(render_admin(state, status, move || {
        view! {
            <DonationPage staff=view_staff.clone() history=history.clone() outcome=outcome.clone()
                refund_request_id=refund_request_id.clone() today=today.clone()/>
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

#[derive(Debug, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    received_on: String,
    #[serde(default)]
    accept_difference: Option<String>,
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
    let problem = |text: String| Outcome {
        done: None,
        problem: Some(text),
    };
    let limits = AmountLimits {
        min_minor: 1,
        max_minor: u64::MAX / 4,
    };
    let Ok(received) = parse_amount(&form.amount, currency, limits) else {
        let outcome = problem(m.problem_amount.to_string());
        return donation_page(
            &state,
            &staff,
            reference.as_str(),
            outcome,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let Some(received_at) = parse_date(&form.received_on, "ymd")
        .and_then(|(y, mo, d)| hong_kong_midnight(y, mo, d))
        .filter(|at| *at <= Timestamp::now())
    else {
        let outcome = problem(m.problem_date.to_string());
        return donation_page(
            &state,
            &staff,
            reference.as_str(),
            outcome,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let actor = staff.actor();
    let outcome = state
        .donations
        .confirm_transfer(Transfer {
            reference: &reference,
            received,
            received_at,
            statement_line: None,
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
        Err(ConfirmError::Database(error)) => {
            tracing::error!(%error, "cannot confirm a transfer");
            let outcome = problem(m.problem_unavailable.to_string());
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
    donation_page(
        &state,
        &staff,
        reference.as_str(),
        problem(text),
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
    let problem = |text: String| Outcome {
        done: None,
        problem: Some(text),
    };
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
        let outcome = problem(m.problem_amount.to_string());
        return donation_page(
            &state,
            &staff,
            reference.as_str(),
            outcome,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
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
    donation_page(
        &state,
        &staff,
        reference.as_str(),
        problem(text),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

//! Receipts' PDFs and yearly summaries (the donor's own only), and checking a receipt by its
//! number and code (open to anyone: the page a receipt's QR code opens).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use leptos::prelude::*;
use serde::Deserialize;

use super::download;
use super::session::DonorSession;
use crate::http::render::{donors_own_page, render_with_status};
use crate::http::site::reader_locale;
use crate::http::AppError;
use sharecare_domain::Locale;
use sharecare_services::receipts::documents::local_date;
use sharecare_services::state::AppState;
use sharecare_views::pages::my_gifts::VerifyReceiptPage;

/// Whether `id` has the shape of a receipt's id (32 hex digits, as the server makes them).
fn is_receipt_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `GET /{locale}/my-gifts/receipts/{receipt}`: a receipt's PDF, the donor's own only.
pub async fn receipt(
    State(state): State<AppState>,
    Path((_, receipt)): Path<(String, String)>,
    held: DonorSession,
) -> Result<Response, AppError> {
    if !is_receipt_id(&receipt) {
        return Err(AppError::NotFound);
    }
    match state.donors.receipt_pdf(&held.email_key, &receipt).await? {
        Some((name, pdf)) => Ok(download("application/pdf", &name, pdf)),
        None => Err(AppError::NotFound),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SummaryQuery {
    /// One of the donor's receipts, naming whose summary (the person or company it is made out
    /// to); without it, the year's first.
    #[serde(default)]
    holder: Option<String>,
}

/// `GET /{locale}/my-gifts/summaries/{year}?holder=`: a tax year's summary PDF, one per holder.
pub async fn summary(
    State(state): State<AppState>,
    Path((_, year)): Path<(String, String)>,
    query: Result<Query<SummaryQuery>, axum::extract::rejection::QueryRejection>,
    held: DonorSession,
) -> Result<Response, AppError> {
    let year: i64 = year.parse().map_err(|_| AppError::NotFound)?;
    let holder = query.map(|Query(query)| query.holder).unwrap_or_default();
    if holder.as_deref().is_some_and(|id| !is_receipt_id(id)) {
        return Err(AppError::NotFound);
    }
    match state
        .donors
        .summary_pdf(&held.email_key, year, holder.as_deref(), held.locale)
        .await?
    {
        Some((name, pdf)) => Ok(download("application/pdf", &name, pdf)),
        None => Err(AppError::NotFound),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct VerifyQuery {
    #[serde(default)]
    number: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    lang: String,
}

/// `GET /receipts/verify?number=&code=`: whether a receipt is genuine and valid.
pub async fn verify_receipt(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<VerifyQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let query = query.map(|Query(query)| query).unwrap_or_default();
    let locale = Locale::from_code(&query.lang).unwrap_or_else(|| reader_locale(&headers));
    let result = if query.number.trim().is_empty() {
        None
    } else {
        let found = state.donors.verify(&query.number, &query.code).await?;
        Some(found.map(|verified| {
            (
                verified.receipt.amount.to_string(),
                local_date(verified.receipt.paid_at, locale),
                verified.valid,
            )
        }))
    };
    let (number, code) = (
        query.number.trim().to_string(),
        query.code.trim().to_string(),
    );
    let mut response = render_with_status(&state, StatusCode::OK, move || {
        view! { <VerifyReceiptPage locale number=number.clone() code=code.clone() result=result.clone()/> }
    })
    .await;
    donors_own_page(&mut response);
    Ok(response)
}

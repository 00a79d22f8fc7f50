//! What is held about a donor, to download (JSON, or CSV with a row per payment), and deleting
//! it.

use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

use super::session::{DonorForm, DonorSession};
use super::{back, download};
use crate::http::AppError;
use sharecare_services::donors::{DonorData, EraseError};
use sharecare_services::state::AppState;

/// `GET /{locale}/my-gifts/data/{file}`: everything held about the donor, JSON or CSV.
pub async fn data(
    State(state): State<AppState>,
    Path((_, file)): Path<(String, String)>,
    held: DonorSession,
) -> Result<Response, AppError> {
    let data = state.donors.data(&held.email_key).await?;
    let (content_type, body) = match file.as_str() {
        "my-data.json" => ("application/json", serde_json::to_vec_pretty(&data)?),
        "my-data.csv" => ("text/csv; charset=utf-8", data_csv(&data)),
        _ => return Err(AppError::NotFound),
    };
    Ok(download(content_type, &file, body))
}

/// The gifts and their payments as one table: a row per payment (or per gift never paid),
/// with every field of the gift the JSON has under the same name (requested changes and
/// statement lines, lists of their own, are in the JSON).
fn data_csv(data: &DonorData) -> Vec<u8> {
    use sharecare_services::export::{record, BOM};
    let mut out = BOM.as_bytes().to_vec();
    out.extend(record(&[
        "reference",
        "created_at",
        "status",
        "amount",
        "currency",
        "frequency",
        "payment_method",
        "email",
        "name",
        "receipt",
        "receipt_name",
        "marketing_consent",
        "language",
        "referral_code",
        "receipt_holder",
        "company_registration",
        "consent_recorded_at",
        "fee_covered",
        "tribute_kind",
        "honoree_name",
        "tribute_message",
        "notify_name",
        "notify_email",
        "notify_amount",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "partner",
        "story",
        "ended_reason",
        "paid_at",
        "paid_amount",
        "refunded",
        "payment_method_detail",
        "cheque_number",
        "receipt_numbers",
    ]));
    for gift in &data.gifts {
        let receipts = gift
            .receipts
            .iter()
            .map(|receipt| receipt.number.clone())
            .collect::<Vec<_>>()
            .join(" ");
        let mut base = vec![
            gift.reference.clone(),
            gift.created_at.clone(),
            gift.status.clone(),
            gift.amount.clone(),
            gift.currency.clone(),
            gift.frequency.clone(),
            gift.payment_method.clone(),
            gift.email.clone(),
            gift.name.clone().unwrap_or_default(),
            gift.receipt.clone(),
            gift.receipt_name.clone().unwrap_or_default(),
            gift.marketing_consent.to_string(),
            gift.language.clone(),
            gift.referral_code.clone().unwrap_or_default(),
        ];
        let optional = [&gift.receipt_holder, &gift.company_registration];
        base.extend(
            optional
                .into_iter()
                .map(|value| value.clone().unwrap_or_default()),
        );
        base.extend([gift.consent_recorded_at.clone(), gift.fee_covered.clone()]);
        let optional = [
            &gift.tribute_kind,
            &gift.honoree_name,
            &gift.tribute_message,
            &gift.notify_name,
            &gift.notify_email,
            &gift.notify_amount,
            &gift.utm_source,
            &gift.utm_medium,
            &gift.utm_campaign,
            &gift.partner,
            &gift.story,
            &gift.ended_reason,
        ];
        base.extend(
            optional
                .into_iter()
                .map(|value| value.clone().unwrap_or_default()),
        );
        if gift.payments.is_empty() {
            let mut row = base.clone();
            row.extend([
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                receipts.clone(),
            ]);
            out.extend(record(&row));
        }
        for payment in &gift.payments {
            let mut row = base.clone();
            row.extend([
                payment.paid_at.clone(),
                payment.amount.clone(),
                payment.refunded.clone(),
                payment.method.clone().unwrap_or_default(),
                payment.cheque_number.clone().unwrap_or_default(),
                receipts.clone(),
            ]);
            out.extend(record(&row));
        }
    }
    out
}

#[derive(Debug, Default, Deserialize)]
pub struct EraseForm {
    #[serde(default)]
    confirm: Option<String>,
}

/// `POST /{locale}/my-gifts/erase`: deletes what is held about the donor, then signs out.
pub async fn erase(
    State(state): State<AppState>,
    DonorForm(held, form): DonorForm<EraseForm>,
) -> Result<Response, AppError> {
    let locale = held.locale;
    if form.confirm.is_none() {
        return Ok(back(locale, "problem", "confirm"));
    }
    match state.donors.erase(&held.email_key).await {
        Ok(_) => {
            held.end().await;
            Ok(back(locale, "done", "erased"))
        }
        Err(EraseError::MonthlyRunning) => Ok(back(locale, "problem", "monthly_running")),
        Err(EraseError::Database(error)) => Err(error.into()),
    }
}

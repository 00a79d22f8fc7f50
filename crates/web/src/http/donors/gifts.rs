//! The gifts page, and what a donor changes there: a monthly card gift (through the
//! provider), a receipt's name, a message to the charity, news consent.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use serde::Deserialize;
use tower_sessions::Session;

use super::back;
use super::session::{DonorForm, DonorSession};
use super::sign_in::sign_in_page;
use crate::http::params;
use crate::http::render::render_with_status;
use crate::http::AppError;
use sharecare_domain::donor::Receipt;
use sharecare_domain::money::{parse_amount, AmountLimits};
use sharecare_domain::secrets::random_hex;
use sharecare_services::donors::{ChangeError, ChangeOutcome, ChangeRequest};
use sharecare_services::state::AppState;
use sharecare_views::pages::my_gifts::{MyGiftsData, MyGiftsPage, SignInStage};

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    problem: Option<String>,
}

/// `GET /{locale}/my-gifts`: the gifts, or the sign-in form.
pub async fn my_gifts(
    State(state): State<AppState>,
    Path(locale_code): Path<String>,
    session: Session,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let locale = params::locale(&locale_code)?;
    let query = query.map(|Query(query)| query).unwrap_or_default();
    let Some(held) = DonorSession::signed_in(&session, locale).await else {
        let notice = (query.done.as_deref() == Some("erased"))
            .then_some(sharecare_content::i18n::t(locale).my_erased);
        let stage = SignInStage::Email;
        return Ok(sign_in_page(&state, locale, stage, None, notice, StatusCode::OK).await);
    };
    let donors = &state.donors;
    let gifts = donors.gifts(&held.email_key).await?;
    let consent_history = donors.consent_history(&held.email_key).await?;
    let data = MyGiftsData {
        email: held.email_key.clone(),
        csrf: held.csrf.clone(),
        consent: gifts.iter().any(|gift| gift.donation.marketing_consent),
        summaries: donors.summaries(&held.email_key).await?,
        gifts,
        consent_history,
        request_id: random_hex::<16>(),
        done: query.done,
        problem: query.problem,
    };
    Ok(render_with_status(&state, StatusCode::OK, move || {
        view! { <MyGiftsPage locale data=data.clone()/> }
    })
    .await)
}

#[derive(Debug, Default, Deserialize)]
pub struct GiftForm {
    #[serde(default)]
    request_id: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    months: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    day: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    confirm: Option<String>,
    #[serde(default)]
    receipt: String,
    #[serde(default)]
    receipt_name: String,
    #[serde(default)]
    company_name: String,
    #[serde(default)]
    company_registration: String,
    #[serde(default)]
    message: String,
}

/// `POST /{locale}/my-gifts/gifts/{reference}`: one change to one of the donor's own gifts.
pub async fn change_gift(
    State(state): State<AppState>,
    Path((_, reference)): Path<(String, String)>,
    DonorForm(held, form): DonorForm<GiftForm>,
) -> Result<Response, AppError> {
    let locale = held.locale;
    let reference = params::reference(&reference)?;
    let donors = &state.donors;
    // Someone else's gift (or none) is simply not found.
    if donors
        .gift(&held.email_key, reference.as_str())
        .await?
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    let request = match form.action.as_str() {
        "receipt" => {
            // Nothing chosen, or a choice whose fields do not parse, changes nothing: a
            // company's receipt is never turned into a person's by a form sent half filled.
            let Some(receipt) = Receipt::from_choice(
                &form.receipt,
                &form.receipt_name,
                &form.company_name,
                &form.company_registration,
            ) else {
                return Ok(back(locale, "problem", "invalid"));
            };
            donors
                .set_receipt(&held.email_key, reference.as_str(), &receipt)
                .await?;
            return Ok(back(locale, "done", "receipt"));
        }
        "tell" => {
            let told = donors
                .tell_charity(&held.email_key, reference.as_str(), &form.message)
                .await?;
            return Ok(back(
                locale,
                if told { "done" } else { "problem" },
                if told { "told" } else { "invalid" },
            ));
        }
        "pause" => form
            .months
            .parse()
            .ok()
            .map(|months| ChangeRequest::Pause { months }),
        "resume" => Some(ChangeRequest::Resume),
        "amount" => {
            let limits = AmountLimits {
                min_minor: 1,
                max_minor: u64::MAX / 4,
            };
            parse_amount(&form.amount, state.content.organisation.currency(), limits)
                .ok()
                .map(ChangeRequest::Amount)
        }
        "day" => form.day.parse().ok().map(ChangeRequest::Day),
        "cancel" if form.confirm.is_some() => Some(ChangeRequest::Cancel {
            reason: form.reason.trim().to_string(),
        }),
        "cancel" => return Ok(back(locale, "problem", "confirm")),
        "card" => Some(ChangeRequest::Card),
        _ => None,
    };
    let request_ok =
        form.request_id.len() == 32 && form.request_id.bytes().all(|b| b.is_ascii_hexdigit());
    let (Some(request), true) = (request, request_ok) else {
        return Ok(back(locale, "problem", "invalid"));
    };
    match donors
        .change(
            &held.email_key,
            reference.as_str(),
            request,
            &form.request_id,
            locale,
        )
        .await
    {
        Ok(ChangeOutcome::Requested) => Ok(back(locale, "done", "requested")),
        Ok(ChangeOutcome::Redirect(url)) => Ok(Redirect::to(&url).into_response()),
        Err(ChangeError::NotFound) => Err(AppError::NotFound),
        Err(ChangeError::Invalid) => Ok(back(locale, "problem", "invalid")),
        Err(ChangeError::Provider(error)) => {
            tracing::warn!(%error, "the payment service refused a donor's change");
            Ok(back(locale, "problem", "provider"))
        }
        Err(ChangeError::Database(error)) => Err(error.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ConsentForm {
    #[serde(default)]
    consent: Option<String>,
}

/// `POST /{locale}/my-gifts/consent`.
pub async fn consent(
    State(state): State<AppState>,
    DonorForm(held, form): DonorForm<ConsentForm>,
) -> Result<Response, AppError> {
    state
        .donors
        .set_consent(&held.email_key, form.consent.is_some())
        .await?;
    Ok(back(held.locale, "done", "consent"))
}

//! Giving over HTTP: the form's POST, "continue to secure payment", and the donor's own page
//! for their gift. The donations service decides; these handlers parse, ask and answer.

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use leptos::prelude::*;
use serde::Deserialize;

use super::params;
use super::params::locale;
use super::render::{donors_own_page, private_page, render, render_with_status};
use super::AppError;
use crate::components::donation_form::FormState;
use crate::domain::form::DonationForm;
use crate::domain::identifiers::Reference;
use crate::domain::Locale;
use crate::pages::donate::DonatePage;
use crate::pages::thank_you::ThankYouPage;
use crate::paths::{self, CheckoutReturn};
use crate::server::donations::{Continued, StartGiftError, StartedGift};
use crate::server::payment::NextStep;
use crate::server::state::AppState;

/// `POST /{locale}/donate`: checks the gift, stores it once per form token and sends the donor
/// on (303): to the hosted checkout for a card gift, else to their gift's page. A mistake
/// re-renders the form with the donor's values and a message per field (422); an outage does
/// the same with a "try again" (503), and trying again with the same token can never store
/// the gift twice.
#[tracing::instrument(name = "submit", skip_all)]
pub async fn submit(
    State(state): State<AppState>,
    Path(locale_code): Path<String>,
    form: Result<Form<DonationForm>, FormRejection>,
) -> Result<Response, AppError> {
    let locale = locale(&locale_code)?;
    let form = match form {
        Ok(Form(form)) => form,
        // Far larger than any donation form: not a donor's mistake to explain field by field.
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Err(AppError::PayloadTooLarge)
        }
        // An unreadable body (wrong content type, broken encoding) is answered like an empty
        // form: the donor sees what to fill in.
        Err(_) => DonationForm::default(),
    };
    let request = match form.parse(state.donations.giving_rules()) {
        Ok(request) => request,
        Err(errors) => {
            let again = FormState {
                form,
                errors,
                ..FormState::default()
            };
            return Ok(form_again(&state, locale, StatusCode::UNPROCESSABLE_ENTITY, again).await);
        }
    };
    Ok(match state.donations.start_gift(&request, locale).await {
        Ok(started) => go_on(locale, &started),
        Err(StartGiftError::Payment { donation, error }) => {
            tracing::error!(%error, reference = donation.reference.as_str(), "cannot start the payment");
            let again = FormState {
                form,
                checkout_failed: true,
                ..FormState::default()
            };
            form_again(&state, locale, StatusCode::SERVICE_UNAVAILABLE, again).await
        }
        Err(StartGiftError::Storage(error)) => {
            tracing::error!(%error, "cannot store a donation");
            let again = FormState {
                form,
                unavailable: true,
                ..FormState::default()
            };
            form_again(&state, locale, StatusCode::SERVICE_UNAVAILABLE, again).await
        }
    })
}

/// Where a stored gift goes next: the hosted checkout, or the gift's page with the transfer
/// instructions. Redirects work with JavaScript off.
fn go_on(locale: Locale, started: &StartedGift) -> Response {
    let donation = &started.donation;
    match &started.next {
        NextStep::ShowInstructions => Redirect::to(&paths::thank_you(
            locale,
            &donation.reference,
            &donation.access_key,
        )),
        NextStep::Checkout(checkout) => Redirect::to(&checkout.url),
    }
    .into_response()
}

/// The donation page again with the donor's values, its token and what went wrong. A fault of
/// ours (503) says when to try again.
async fn form_again(
    state: &AppState,
    locale: Locale,
    status: StatusCode,
    form: FormState,
) -> Response {
    let mut response = render_with_status(
        state,
        status,
        move || view! { <DonatePage locale form=form.clone()/> },
    )
    .await;
    private_page(&mut response);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    response
}

#[derive(Debug, Deserialize)]
pub struct CheckoutForm {
    #[serde(default)]
    key: String,
}

/// `POST /{locale}/donations/{reference}/checkout`: the donor's "continue to secure payment"
/// from their gift's page (after cancelling at the checkout, or coming back later).
#[tracing::instrument(name = "continue_checkout_request", skip_all)]
pub async fn continue_checkout(
    State(state): State<AppState>,
    Path((locale_code, reference)): Path<(String, String)>,
    form: Result<Form<CheckoutForm>, FormRejection>,
) -> Result<Response, AppError> {
    let key = form.map(|Form(form)| form.key).unwrap_or_default();
    let locale = locale(&locale_code)?;
    let reference = params::reference(&reference)?;
    let continued = state
        .donations
        .continue_payment(&reference, &key, locale)
        .await
        .map_err(AppError::donations_unavailable)?;
    let page = |returned: Option<CheckoutReturn>, donation: &crate::domain::donation::Donation| {
        let (reference, key) = (&donation.reference, &donation.access_key);
        match returned {
            Some(returned) => paths::thank_you_after_checkout(locale, reference, key, returned),
            None => paths::thank_you(locale, reference, key),
        }
    };
    Ok(match continued {
        Continued::NotFound => return Err(AppError::NotFound),
        Continued::Settled(donation) => Redirect::to(&page(None, &donation)).into_response(),
        Continued::Started(started) => go_on(locale, &started),
        Continued::PaymentUnavailable(donation) => {
            Redirect::to(&page(Some(CheckoutReturn::Unavailable), &donation)).into_response()
        }
    })
}

#[derive(Debug, Deserialize)]
pub struct ThankYouQuery {
    #[serde(default)]
    pub key: String,
    /// Set on the addresses the hosted checkout sends the donor back to.
    #[serde(default)]
    checkout: String,
}

/// `GET /{locale}/donations/{reference}?key=...`: the donor's own page. Without the right key
/// it is a plain 404, the same as for a reference that does not exist.
pub async fn thank_you(
    State(state): State<AppState>,
    Path((locale_code, reference)): Path<(String, String)>,
    query: Result<Query<ThankYouQuery>, QueryRejection>,
) -> Response {
    let (key, checkout) = query
        .map(|Query(query)| (query.key, query.checkout))
        .unwrap_or_default();
    let found = match (
        Locale::from_code(&locale_code),
        Reference::parse(&reference),
    ) {
        (Some(locale), Some(reference)) => state
            .donations
            .find_for_donor(&reference, &key)
            .await
            .map(|donation| donation.map(|donation| (locale, donation))),
        _ => Ok(None),
    };
    let mut response = match found {
        Ok(Some((locale, donation))) => {
            let returned = CheckoutReturn::parse(&checkout);
            render(&state, move || {
                view! { <ThankYouPage locale donation=donation.clone() returned/> }
            })
            .await
        }
        Ok(None) => AppError::NotFound.into_response(),
        Err(error) => AppError::donations_unavailable(error).into_response(),
    };
    donors_own_page(&mut response);
    response
}

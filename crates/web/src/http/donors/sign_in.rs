//! Signing in to My gifts: a code and a link by email, the code typed, the link's button, and
//! signing out. Every failure has one message (but "too many"), so the pages tell no one who
//! gave.

use axum::extract::{Form, Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use serde::Deserialize;
use tower_sessions::Session;

use super::session::{DonorForm, DonorSession};
use crate::http::client::ClientAddress;
use crate::http::params;
use crate::http::render::render_with_status;
use crate::http::AppError;
use sharecare_content::paths;
use sharecare_domain::identifiers::FormToken;
use sharecare_domain::Locale;
use sharecare_services::donors::SignInRefusal;
use sharecare_services::state::AppState;
use sharecare_views::pages::my_gifts::{
    MyGiftsLinkPage, MyGiftsSignInPage, SignInStage, SignInTrouble,
};

fn issued(state: &AppState, token: &str) -> bool {
    FormToken::parse(token).is_some_and(|token| state.form_guard.issued(&token))
}

/// The sign-in form (its email or its code stage), with a fresh token.
pub(super) async fn sign_in_page(
    state: &AppState,
    locale: Locale,
    stage: SignInStage,
    trouble: Option<SignInTrouble>,
    notice: Option<&'static str>,
    status: StatusCode,
) -> Response {
    let token = state.form_guard.issue_token().as_str().to_string();
    render_with_status(state, status, move || {
        view! { <MyGiftsSignInPage locale token=token.clone() stage=stage.clone() trouble notice/> }
    })
    .await
}

fn trouble_of(refusal: &SignInRefusal) -> (SignInTrouble, StatusCode, Option<u64>) {
    match refusal {
        SignInRefusal::Wrong => (SignInTrouble::Wrong, StatusCode::UNAUTHORIZED, None),
        SignInRefusal::TooMany(too_many) => {
            let seconds = too_many.retry_after_seconds();
            (
                SignInTrouble::TooMany {
                    minutes: seconds.div_ceil(60),
                },
                StatusCode::TOO_MANY_REQUESTS,
                Some(seconds),
            )
        }
        SignInRefusal::Unavailable => (
            SignInTrouble::Unavailable,
            StatusCode::SERVICE_UNAVAILABLE,
            Some(5),
        ),
    }
}

fn with_retry_after(mut response: Response, seconds: Option<u64>) -> Response {
    if let Some(value) = seconds.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

#[derive(Debug, Default, Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    token: String,
}

/// `POST /{locale}/my-gifts`: a code and a link, if the email has gifts. The answer is the same
/// whether or not it has (the code form), so the page tells no one who gave.
pub async fn request_code(
    State(state): State<AppState>,
    Path(locale_code): Path<String>,
    ClientAddress(address): ClientAddress,
    form: Result<Form<EmailForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, AppError> {
    let locale = params::locale(&locale_code)?;
    let form = form.map(|Form(form)| form).unwrap_or_default();
    let page = |stage, trouble, status| sign_in_page(&state, locale, stage, trouble, None, status);
    if !issued(&state, &form.token) {
        let expired = Some(SignInTrouble::Expired);
        return Ok(page(SignInStage::Email, expired, StatusCode::FORBIDDEN).await);
    }
    let email = form.email.trim().to_string();
    if let Err(refusal) = state.donors.send_sign_in(&email, locale, address).await {
        let (trouble, status, retry) = trouble_of(&refusal);
        let response = page(SignInStage::Email, Some(trouble), status).await;
        return Ok(with_retry_after(response, retry));
    }
    Ok(page(SignInStage::Code { email }, None, StatusCode::OK).await)
}

#[derive(Debug, Default, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    token: String,
}

/// `POST /{locale}/my-gifts/code`.
pub async fn enter_code(
    State(state): State<AppState>,
    Path(locale_code): Path<String>,
    ClientAddress(address): ClientAddress,
    session: Session,
    form: Result<Form<CodeForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, AppError> {
    let locale = params::locale(&locale_code)?;
    let form = form.map(|Form(form)| form).unwrap_or_default();
    let stage = SignInStage::Code {
        email: form.email.trim().to_string(),
    };
    if !issued(&state, &form.token) {
        let expired = Some(SignInTrouble::Expired);
        let page = sign_in_page(&state, locale, stage, expired, None, StatusCode::FORBIDDEN);
        return Ok(page.await);
    }
    match state
        .donors
        .check_code(&form.email, &form.code, address)
        .await
    {
        Ok(email_key) => {
            DonorSession::begin(&session, email_key).await?;
            Ok(Redirect::to(&paths::my_gifts(locale)).into_response())
        }
        Err(refusal) => {
            let (trouble, status, retry) = trouble_of(&refusal);
            let page = sign_in_page(&state, locale, stage, Some(trouble), None, status).await;
            Ok(with_retry_after(page, retry))
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct LinkQuery {
    #[serde(default)]
    token: String,
}

/// `GET /{locale}/my-gifts/link?token=`: a page with a button. Opening a link signs no one in
/// (mail scanners open links); the button's POST does.
pub async fn link_page(
    State(state): State<AppState>,
    Path(locale_code): Path<String>,
    query: Result<Query<LinkQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let locale = params::locale(&locale_code)?;
    let token = query.map(|Query(query)| query.token).unwrap_or_default();
    Ok(render_with_status(&state, StatusCode::OK, move || {
        view! { <MyGiftsLinkPage locale link_token=token.clone() trouble=None/> }
    })
    .await)
}

#[derive(Debug, Default, Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    link: String,
}

/// `POST /{locale}/my-gifts/link`.
pub async fn use_link(
    State(state): State<AppState>,
    Path(locale_code): Path<String>,
    ClientAddress(address): ClientAddress,
    session: Session,
    form: Result<Form<LinkForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, AppError> {
    let locale = params::locale(&locale_code)?;
    let form = form.map(|Form(form)| form).unwrap_or_default();
    match state.donors.check_link(&form.link, address).await {
        Ok(email_key) => {
            DonorSession::begin(&session, email_key).await?;
            Ok(Redirect::to(&paths::my_gifts(locale)).into_response())
        }
        Err(refusal) => {
            let (trouble, status, retry) = trouble_of(&refusal);
            let link = form.link.clone();
            let page = render_with_status(&state, status, move || {
                view! { <MyGiftsLinkPage locale link_token=link.clone() trouble=Some(trouble)/> }
            })
            .await;
            Ok(with_retry_after(page, retry))
        }
    }
}

/// A form with nothing but its token.
#[derive(Debug, Default, Deserialize)]
pub struct TokenOnly {}

/// `POST /{locale}/my-gifts/sign-out`.
pub async fn sign_out(
    DonorForm(donor, TokenOnly {}): DonorForm<TokenOnly>,
) -> Result<Response, AppError> {
    donor.end().await;
    Ok(Redirect::to(&paths::my_gifts(donor.locale)).into_response())
}

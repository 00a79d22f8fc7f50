//! Signing in and out, the admin's language, and one's own second factor.

use axum::extract::{Form, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use leptos::prelude::*;
use serde::Deserialize;
use tower_sessions::Session;

use super::guard::{
    admin_locale, begin, carry_over, signed_in, CurrentStaff, StaffForm, StaffSession,
};
use crate::http::client::ClientAddress;
use crate::http::cookies;
use crate::http::render::render_admin;
use crate::http::AppError;
use sharecare_content::paths;
use sharecare_db::AuditEntry;
use sharecare_services::qr::qr_svg;
use sharecare_services::staff::{actions, SignInError};
use sharecare_services::state::AppState;
use sharecare_views::pages::admin::account::{
    AccountPage, SecondFactor, SignInPage, SignInProblem,
};

/// `GET /admin/sign-in`.
pub async fn sign_in_page(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
) -> Response {
    if signed_in(&state, &session).await.is_some() {
        return Redirect::to(paths::admin::dashboard()).into_response();
    }
    sign_in_form(&state, &headers, String::new(), None, StatusCode::OK).await
}

async fn sign_in_form(
    state: &AppState,
    headers: &HeaderMap,
    email: String,
    problem: Option<SignInProblem>,
    status: StatusCode,
) -> Response {
    let locale = admin_locale(headers);
    let token = state.form_guard.issue_token().as_str().to_string();
    render_admin(state, status, move || {
        view! { <SignInPage locale token=token.clone() email=email.clone() problem/> }
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    token: String,
}

/// `POST /admin/sign-in`: one answer for every failure; a new session id on success.
pub async fn sign_in(
    State(state): State<AppState>,
    session: Session,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let issued = sharecare_domain::identifiers::FormToken::parse(&form.token)
        .is_some_and(|token| state.form_guard.issued(&token));
    if !issued {
        return sign_in_form(
            &state,
            &headers,
            form.email,
            Some(SignInProblem::Expired),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    match state
        .staff
        .sign_in(&form.email, &form.password, &form.code, address)
        .await
    {
        Ok(signed) => {
            let held = StaffSession::new(&signed.user);
            if let Err(error) = begin(&session, &held).await {
                tracing::error!(%error, "cannot start a staff session");
                return sign_in_form(
                    &state,
                    &headers,
                    form.email,
                    Some(SignInProblem::Unavailable),
                    StatusCode::SERVICE_UNAVAILABLE,
                )
                .await;
            }
            let next = if signed.must_enrol {
                paths::admin::account()
            } else {
                paths::admin::dashboard()
            };
            Redirect::to(next).into_response()
        }
        Err(SignInError::Refused) => {
            sign_in_form(
                &state,
                &headers,
                form.email,
                Some(SignInProblem::Refused),
                StatusCode::UNAUTHORIZED,
            )
            .await
        }
        Err(SignInError::TooMany(too_many)) => {
            let seconds = too_many.retry_after_seconds();
            let mut response = sign_in_form(
                &state,
                &headers,
                form.email,
                Some(SignInProblem::TooMany {
                    minutes: seconds.div_ceil(60),
                }),
                StatusCode::TOO_MANY_REQUESTS,
            )
            .await;
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        Err(SignInError::Busy {
            retry_after_seconds,
        }) => {
            let mut response = sign_in_form(
                &state,
                &headers,
                form.email,
                Some(SignInProblem::Busy),
                StatusCode::SERVICE_UNAVAILABLE,
            )
            .await;
            if let Ok(value) = HeaderValue::from_str(&retry_after_seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        Err(error) => {
            tracing::error!(%error, "cannot check a staff sign-in");
            let mut response = sign_in_form(
                &state,
                &headers,
                form.email,
                Some(SignInProblem::Unavailable),
                StatusCode::SERVICE_UNAVAILABLE,
            )
            .await;
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            response
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct Nothing {}

/// `POST /admin/sign-out`: the session is destroyed (its cookie no longer opens anything).
pub async fn sign_out(
    State(state): State<AppState>,
    session: Session,
    StaffForm(staff, Nothing {}): StaffForm<Nothing>,
) -> Response {
    let audit = AuditEntry::new(&staff.actor(), actions::SIGN_OUT);
    if let Err(error) = state.staff.write_audit(&audit).await {
        tracing::warn!(%error, "cannot write a sign-out to the audit log");
    }
    if let Err(error) = session.flush().await {
        tracing::error!(%error, "cannot end a staff session");
    }
    Redirect::to(paths::admin::sign_in()).into_response()
}

#[derive(Debug, Deserialize)]
pub struct LanguageForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    back: String,
}

/// `POST /admin/language`: remembers the admin's language and goes back (to an admin page
/// only).
pub async fn language(State(state): State<AppState>, Form(form): Form<LanguageForm>) -> Response {
    let back = if form.back.starts_with("/admin") && !form.back.contains("//") {
        form.back.clone()
    } else {
        paths::admin::dashboard().to_string()
    };
    let mut response = Redirect::to(&back).into_response();
    if let Some(locale) = sharecare_content::i18n::AdminLocale::from_code(&form.lang) {
        cookies::set(
            &mut response,
            cookies::ADMIN_LANGUAGE,
            locale.code(),
            365 * 86_400,
            state.site.is_https(),
        );
    }
    response
}

#[derive(Debug, Default, Deserialize)]
pub struct AccountQuery {
    #[serde(default)]
    done: Option<String>,
}

/// `GET /admin/account`.
pub async fn account_page(
    State(state): State<AppState>,
    Extension(staff): Extension<CurrentStaff>,
    axum::extract::Query(query): axum::extract::Query<AccountQuery>,
) -> Response {
    account(&state, &staff, query.done, false, StatusCode::OK).await
}

async fn account(
    state: &AppState,
    staff: &CurrentStaff,
    done: Option<String>,
    wrong_code: bool,
    status: StatusCode,
) -> Response {
    // Read again: the page follows what was just saved.
    let user = match state.staff.active_user(&staff.user.id).await {
        Ok(Some(user)) => user,
        _ => staff.user.clone(),
    };
    let factor = if user.totp_enabled {
        SecondFactor::On {
            recovery_codes_left: state.staff.unused_recovery_codes(&user).await.unwrap_or(0),
        }
    } else if let Some(enrolment) = state.staff.enrolment_for(&user) {
        SecondFactor::Enrolling {
            qr_svg: qr_svg(&enrolment.url),
            key: enrolment.key_for_typing(),
            wrong_code,
        }
    } else {
        SecondFactor::Off {
            required: state.staff.must_enrol(&user).await.unwrap_or(false),
        }
    };
    account_with(state, staff, factor, done, status).await
}

async fn account_with(
    state: &AppState,
    staff: &CurrentStaff,
    factor: SecondFactor,
    done: Option<String>,
    status: StatusCode,
) -> Response {
    let view_staff = staff.view();
    render_admin(state, status, move || {
        view! { <AccountPage staff=view_staff.clone() factor=factor.clone() done=done.clone()/> }
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct AccountForm {
    action: String,
    #[serde(default)]
    code: String,
}

/// `POST /admin/account`: begin setting up a second factor, confirm it with a code (the answer
/// shows the recovery codes, this once), or make new recovery codes.
pub async fn account_action(
    State(state): State<AppState>,
    session: Session,
    StaffForm(staff, form): StaffForm<AccountForm>,
) -> Result<Response, AppError> {
    match form.action.as_str() {
        "begin" if !staff.user.totp_enabled => {
            state.staff.begin_enrolment(&staff.user).await?;
            Ok(Redirect::to(paths::admin::account()).into_response())
        }
        "confirm" => {
            let user = state
                .staff
                .active_user(&staff.user.id)
                .await?
                .ok_or_else(|| {
                    AppError::donations_unavailable("the account ended while it was being changed")
                })?;
            let Some(enrolled) = state.staff.confirm_enrolment(&user, &form.code).await? else {
                return Ok(
                    account(&state, &staff, None, true, StatusCode::UNPROCESSABLE_ENTITY).await,
                );
            };
            // Turning it on ended every session of theirs but this one, which moves on to the
            // account's new epoch (and may now go everywhere its role allows).
            if let Err(error) = carry_over(&session, &staff.session, &enrolled.user).await {
                tracing::error!(%error, "cannot carry a staff session over to its new epoch");
            }
            let factor = SecondFactor::NewRecoveryCodes {
                codes: enrolled.recovery_codes,
            };
            Ok(account_with(
                &state,
                &staff,
                factor,
                Some("totp_enabled".to_string()),
                StatusCode::OK,
            )
            .await)
        }
        "renew_recovery_codes" if staff.user.totp_enabled => {
            let codes = state.staff.renew_recovery_codes(&staff.user).await?;
            let factor = SecondFactor::NewRecoveryCodes { codes };
            Ok(account_with(
                &state,
                &staff,
                factor,
                Some("recovery_codes_renewed".to_string()),
                StatusCode::OK,
            )
            .await)
        }
        _ => Ok(Redirect::to(paths::admin::account()).into_response()),
    }
}

//! The exceptions queue and its resolutions, the audit log, and staff's sign-in rules.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use leptos::prelude::*;
use serde::Deserialize;

use super::guard::{CurrentStaff, StaffForm};
use crate::http::render::render_admin;
use crate::http::AppError;
use sharecare_content::paths;
use sharecare_domain::admin::QueueKind;
use sharecare_domain::identifiers::Reference;
use sharecare_domain::staff::Role;
use sharecare_services::donations::AcceptError;
use sharecare_services::state::AppState;
use sharecare_views::pages::admin::queue::{AuditPage, ExceptionsPage, UsersPage};

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

/// `GET /admin/exceptions`.
pub async fn exceptions(
    State(state): State<AppState>,
    Extension(staff): Extension<CurrentStaff>,
    query: Result<Query<DoneQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let done = query.ok().and_then(|Query(query)| query.done);
    let items = state.records.queue().await?;
    let currency = state.content.organisation.currency();
    let view_staff = staff.view();
    Ok(render_admin(&state, StatusCode::OK, move || {
        view! { <ExceptionsPage staff=view_staff.clone() items=items.clone() currency done=done.clone()/> }
    })
    .await)
}

#[derive(Debug, Deserialize)]
pub struct ResolveForm {
    action: String,
    #[serde(default)]
    note: String,
    /// The gift an exception that named none pays for (accepting it as a payment).
    #[serde(default)]
    reference: String,
}

/// `POST /admin/exceptions/{kind}/{item}`: resolved with a note, or (a parked receipt) sent
/// again.
pub async fn resolve(
    State(state): State<AppState>,
    Path((kind, item)): Path<(String, String)>,
    StaffForm(staff, form): StaffForm<ResolveForm>,
) -> Result<Response, AppError> {
    let kind = QueueKind::parse(&kind).ok_or(AppError::NotFound)?;
    if item.is_empty() || item.len() > 128 {
        return Err(AppError::NotFound);
    }
    let back = |done: &str| {
        Ok(Redirect::to(&format!("{}?done={done}", paths::admin::exceptions())).into_response())
    };
    let actor = staff.actor();
    match form.action.as_str() {
        "retry" if kind == QueueKind::Receipt => {
            state.records.retry_receipt(&item, &actor).await?;
            state.donations.receipts_due().notify_one();
            back("retried")
        }
        "accept" if kind == QueueKind::Exception => {
            let m = sharecare_content::i18n::admin_t(staff.locale);
            let typed = form.reference.trim();
            let reference = match typed {
                "" => None,
                typed => Some(
                    Reference::parse(&typed.to_ascii_uppercase())
                        .ok_or(AppError::Unprocessable(m.problem_accept_unknown))?,
                ),
            };
            match state
                .donations
                .accept_exception(&item, reference.as_ref(), &form.note, &actor)
                .await
            {
                Ok(()) => back("accepted"),
                Err(AcceptError::Database(error)) => Err(error.into()),
                Err(AcceptError::NotFound) => Err(AppError::NotFound),
                Err(error) => Err(AppError::Unprocessable(match error {
                    AcceptError::NoReason => m.problem_accept_reason,
                    AcceptError::NeedsReference => m.problem_accept_reference,
                    AcceptError::UnknownReference => m.problem_accept_unknown,
                    AcceptError::OtherCurrency { .. } => m.problem_accept_currency,
                    AcceptError::Incomplete => m.problem_accept_incomplete,
                    _ => m.problem_accept_resolved,
                })),
            }
        }
        "resolve" => {
            let note: String = form.note.trim().chars().take(500).collect();
            if note.is_empty() {
                return Err(AppError::Unprocessable(
                    sharecare_content::i18n::admin_t(staff.locale).problem_note,
                ));
            }
            state.records.resolve(kind, &item, &note, &actor).await?;
            back("resolved")
        }
        _ => Err(AppError::Unprocessable("")),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    before: Option<sharecare_domain::time::Timestamp>,
}

/// How many actions one page of the audit log shows.
const AUDIT_PAGE: i64 = 100;

/// `GET /admin/audit`: newest first, a page at a time.
pub async fn audit(
    State(state): State<AppState>,
    Extension(staff): Extension<CurrentStaff>,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let before = query.ok().and_then(|Query(query)| query.before);
    let entries = state.records.audit_page(before, AUDIT_PAGE).await?;
    let older = (entries.len() as i64 == AUDIT_PAGE)
        .then(|| entries.last().map(|entry| entry.at))
        .flatten();
    let view_staff = staff.view();
    Ok(render_admin(&state, StatusCode::OK, move || {
        view! { <AuditPage staff=view_staff.clone() entries=entries.clone() older/> }
    })
    .await)
}

/// `GET /admin/users`.
pub async fn users(
    State(state): State<AppState>,
    Extension(staff): Extension<CurrentStaff>,
    query: Result<Query<DoneQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let done = query.ok().and_then(|Query(query)| query.done);
    let users = state.staff.users().await?;
    let mut policies = Vec::new();
    for role in Role::ALL {
        policies.push((role, state.staff.totp_required(role).await?));
    }
    let view_staff = staff.view();
    Ok(render_admin(&state, StatusCode::OK, move || {
        view! { <UsersPage staff=view_staff.clone() users=users.clone() policies=policies.clone() done=done.clone()/> }
    })
    .await)
}

#[derive(Debug, Deserialize)]
pub struct PolicyForm {
    role: String,
    required: String,
}

/// `POST /admin/users`: whether a role must use a second factor.
pub async fn set_policy(
    State(state): State<AppState>,
    StaffForm(staff, form): StaffForm<PolicyForm>,
) -> Result<Response, AppError> {
    let role = Role::parse(&form.role).ok_or(AppError::Unprocessable(""))?;
    let required = form.required == "yes";
    state
        .staff
        .set_totp_required(role, required, &staff.actor())
        .await?;
    Ok(Redirect::to(&format!("{}?done=policy", paths::admin::users())).into_response())
}

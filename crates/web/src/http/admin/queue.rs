//! The exceptions queue and its resolutions, the audit log, and staff's sign-in rules.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use leptos::prelude::*;
use serde::Deserialize;

use super::guard::{CurrentStaff, StaffForm};
use crate::http::render::render_admin;
use sharecare_content::paths;
use sharecare_domain::admin::QueueKind;
use sharecare_domain::staff::Role;
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
) -> Response {
    let done = query.ok().and_then(|Query(query)| query.done);
    let items = match state.records.queue().await {
        Ok(items) => items,
        Err(error) => return super::unavailable(error),
    };
    let currency = state.content.organisation.currency();
    let view_staff = staff.view();
    render_admin(&state, StatusCode::OK, move || {
        view! { <ExceptionsPage staff=view_staff.clone() items=items.clone() currency done=done.clone()/> }
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct ResolveForm {
    action: String,
    #[serde(default)]
    note: String,
}

/// `POST /admin/exceptions/{kind}/{item}`: resolved with a note, or (a parked receipt) sent
/// again.
pub async fn resolve(
    State(state): State<AppState>,
    Path((kind, item)): Path<(String, String)>,
    StaffForm(staff, form): StaffForm<ResolveForm>,
) -> Response {
    let Some(kind) = QueueKind::parse(&kind) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if item.is_empty() || item.len() > 128 {
        return StatusCode::NOT_FOUND.into_response();
    }
    let back = |done: &str| {
        Redirect::to(&format!("{}?done={done}", paths::admin::exceptions())).into_response()
    };
    let actor = staff.actor();
    match form.action.as_str() {
        "retry" if kind == QueueKind::Receipt => {
            match state.records.retry_receipt(&item, &actor).await {
                Ok(_) => {
                    state.donations.receipts_due().notify_one();
                    back("retried")
                }
                Err(error) => super::unavailable(error),
            }
        }
        "resolve" => {
            let note: String = form.note.trim().chars().take(500).collect();
            if note.is_empty() {
                return (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    sharecare_content::i18n::admin_t(staff.locale).problem_note,
                )
                    .into_response();
            }
            match state.records.resolve(kind, &item, &note, &actor).await {
                Ok(_) => back("resolved"),
                Err(error) => super::unavailable(error),
            }
        }
        _ => StatusCode::UNPROCESSABLE_ENTITY.into_response(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    before: Option<i64>,
}

/// How many actions one page of the audit log shows.
const AUDIT_PAGE: i64 = 100;

/// `GET /admin/audit`: newest first, a page at a time.
pub async fn audit(
    State(state): State<AppState>,
    Extension(staff): Extension<CurrentStaff>,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let before = query.ok().and_then(|Query(query)| query.before);
    let entries = match state.records.audit_page(before, AUDIT_PAGE).await {
        Ok(entries) => entries,
        Err(error) => return super::unavailable(error),
    };
    let older = (entries.len() as i64 == AUDIT_PAGE)
        .then(|| entries.last().map(|entry| entry.at))
        .flatten();
    let view_staff = staff.view();
    render_admin(&state, StatusCode::OK, move || {
        view! { <AuditPage staff=view_staff.clone() entries=entries.clone() older/> }
    })
    .await
}

/// `GET /admin/users`.
pub async fn users(
    State(state): State<AppState>,
    Extension(staff): Extension<CurrentStaff>,
    query: Result<Query<DoneQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let done = query.ok().and_then(|Query(query)| query.done);
    let users = match state.staff.users().await {
        Ok(users) => users,
        Err(error) => return super::unavailable(error),
    };
    let mut policies = Vec::new();
    for role in Role::ALL {
        match state.staff.totp_required(role).await {
            Ok(required) => policies.push((role, required)),
            Err(error) => return super::unavailable(error),
        }
    }
    let view_staff = staff.view();
    render_admin(&state, StatusCode::OK, move || {
        view! { <UsersPage staff=view_staff.clone() users=users.clone() policies=policies.clone() done=done.clone()/> }
    })
    .await
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
) -> Response {
    let Some(role) = Role::parse(&form.role) else {
        return StatusCode::UNPROCESSABLE_ENTITY.into_response();
    };
    let required = form.required == "yes";
    match state
        .staff
        .set_totp_required(role, required, &staff.actor())
        .await
    {
        Ok(()) => Redirect::to(&format!("{}?done=policy", paths::admin::users())).into_response(),
        Err(error) => super::unavailable(error),
    }
}

//! Bank statements: upload (multipart, with the CSRF token as one of its fields), map a new
//! layout's columns, review the proposals, confirm them together or one by one.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use leptos::prelude::*;
use serde::Deserialize;

use super::guard::{check_csrf, CurrentStaff, StaffForm};
use crate::http::render::render_admin;
use crate::http::AppError;
use sharecare_content::i18n::{admin_t, fill};
use sharecare_content::paths;
use sharecare_domain::identifiers::Reference;
use sharecare_services::donations::{ConfirmError, MappingError};
use sharecare_services::state::AppState;
use sharecare_services::statements::{self, Columns, Mapping, DATE_FORMATS};
use sharecare_views::pages::admin::statements::{MappingPage, ReviewPage, StatementsPage};

/// Ids in these addresses are the server's own 32-digit hex.
fn is_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `GET /admin/statements`.
pub async fn statements_page(
    State(state): State<AppState>,
    Extension(staff): Extension<CurrentStaff>,
) -> Result<Response, AppError> {
    list(&state, &staff, None, StatusCode::OK).await
}

async fn list(
    state: &AppState,
    staff: &CurrentStaff,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let imports = state.records.imports().await?;
    let view_staff = staff.view();
    Ok(render_admin(state, status, move || {
        view! { <StatementsPage staff=view_staff.clone() imports=imports.clone() problem=problem.clone()/> }
    })
    .await)
}

/// `POST /admin/statements`: a statement uploaded. Read at once if its bank's layout is
/// known; otherwise its columns are mapped first.
pub async fn upload(
    State(state): State<AppState>,
    Extension(staff): Extension<CurrentStaff>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let m = admin_t(staff.locale);
    let mut csrf = None;
    let mut account = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => match field.name() {
                Some("csrf") => csrf = field.text().await.ok(),
                Some("account") => account = field.text().await.unwrap_or_default(),
                Some("statement") => {
                    let name = field.file_name().unwrap_or("statement.csv").to_string();
                    match field.bytes().await {
                        Ok(bytes) => file = Some((name, bytes.to_vec())),
                        Err(_) => return Err(AppError::PayloadTooLarge),
                    }
                }
                _ => {}
            },
            Ok(None) => break,
            Err(_) => return Err(AppError::BadRequest("")),
        }
    }
    check_csrf(&staff, csrf.as_deref())?;
    let Some((name, bytes)) = file else {
        let problem = fill(m.problem_statement, &[("error", "no file")]);
        return list(
            &state,
            &staff,
            Some(problem),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    match state
        .donations
        .import_statement(&name, &account, &bytes, &staff.actor())
        .await
    {
        Ok(sharecare_services::donations::Imported::Read { import_id })
        | Ok(sharecare_services::donations::Imported::NeedsMapping { import_id }) => {
            Ok(Redirect::to(&paths::admin::statement(&import_id)).into_response())
        }
        Err(MappingError::Database(error)) => Err(error.into()),
        Err(error) => {
            let problem = fill(m.problem_statement, &[("error", &error.to_string())]);
            list(
                &state,
                &staff,
                Some(problem),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ReviewQuery {
    #[serde(default)]
    confirmed: Option<u32>,
    #[serde(default)]
    linked: Option<u32>,
    #[serde(default)]
    undone: Option<u32>,
    #[serde(default)]
    problem: Option<String>,
}

/// `GET /admin/statements/{import}`: the columns to map, or the lines and their matches.
pub async fn statement(
    State(state): State<AppState>,
    Extension(staff): Extension<CurrentStaff>,
    Path(import): Path<String>,
    query: Result<Query<ReviewQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    if !is_id(&import) {
        return Err(AppError::NotFound);
    }
    let query = query.ok().map(|Query(query)| query).unwrap_or_default();
    let m = admin_t(staff.locale);
    let view_staff = staff.view();
    let review = state
        .donations
        .review_statement(&import)
        .await?
        .ok_or(AppError::NotFound)?;
    if review.import.read_at.is_none() {
        return mapping_page(&state, &staff, &import, Vec::new(), StatusCode::OK).await;
    }
    let currency = state.content.organisation.currency();
    // Problems come back from a line's form by a closed name, never as text from the query.
    let problem = match query.problem.as_deref() {
        Some("reference") => Some(m.problem_reference.to_string()),
        Some("amount") => Some(m.problem_amount_differs_short.to_string()),
        Some("closed") => Some(m.problem_closed.to_string()),
        Some("not_transfer") => Some(m.problem_not_transfer.to_string()),
        Some("paid_in_full") => Some(m.problem_paid_in_full.to_string()),
        Some("held") => Some(m.problem_held.to_string()),
        Some("unchecked") => Some(m.problem_unchecked.to_string()),
        Some("linked") => Some(m.problem_linked.to_string()),
        Some("undo") => Some(m.problem_undo_line.to_string()),
        _ => None,
    };
    // "0 recorded" alone told staff nothing: say why nothing was.
    let problem = problem
        .or_else(|| (query.confirmed == Some(0)).then(|| m.problem_nothing_recorded.to_string()));
    Ok(render_admin(&state, StatusCode::OK, move || {
        view! {
            <ReviewPage staff=view_staff.clone() review=review.clone() currency
                confirmed=query.confirmed.filter(|count| *count > 0) linked=query.linked.is_some()
                undone=query.undone.is_some() problem=problem.clone()/>
        }
    })
    .await)
}

async fn mapping_page(
    state: &AppState,
    staff: &CurrentStaff,
    import: &str,
    problems: Vec<statements::RowProblem>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let mapping = match state.donations.statement_mapping_for(import).await {
        Ok(found) => Mapping { problems, ..found },
        Err(MappingError::NotFound) => return Err(AppError::NotFound),
        Err(error) => return Err(AppError::donations_unavailable(error)),
    };
    let view_staff = staff.view();
    Ok(render_admin(state, status, move || {
        view! { <MappingPage staff=view_staff.clone() mapping=mapping.clone()/> }
    })
    .await)
}

#[derive(Debug, Deserialize)]
pub struct ColumnsForm {
    date_column: usize,
    amount_column: usize,
    text_column: usize,
    date_format: String,
}

/// `POST /admin/statements/{import}/columns`.
pub async fn columns(
    State(state): State<AppState>,
    Path(import): Path<String>,
    StaffForm(staff, form): StaffForm<ColumnsForm>,
) -> Result<Response, AppError> {
    if !is_id(&import) || !DATE_FORMATS.contains(&form.date_format.as_str()) {
        return Err(AppError::NotFound);
    }
    let columns = Columns {
        date_column: form.date_column,
        amount_column: form.amount_column,
        text_column: form.text_column,
        date_format: form.date_format,
    };
    match state.donations.map_statement(&import, columns).await {
        Ok(()) => Ok(Redirect::to(&paths::admin::statement(&import)).into_response()),
        Err(MappingError::Rows(problems)) => {
            mapping_page(
                &state,
                &staff,
                &import,
                problems,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(MappingError::NotFound) => Err(AppError::NotFound),
        Err(error) => Err(AppError::donations_unavailable(error)),
    }
}

#[derive(Debug, Deserialize)]
pub struct Nothing {}

/// `POST /admin/statements/{import}/confirm`: every clear match recorded, once.
pub async fn confirm_clear(
    State(state): State<AppState>,
    Path(import): Path<String>,
    StaffForm(staff, Nothing {}): StaffForm<Nothing>,
) -> Result<Response, AppError> {
    if !is_id(&import) {
        return Err(AppError::NotFound);
    }
    match state
        .donations
        .confirm_clear_matches(&import, &staff.actor())
        .await
    {
        Ok(count) => Ok(Redirect::to(&format!(
            "{}?confirmed={count}",
            paths::admin::statement(&import)
        ))
        .into_response()),
        Err(ConfirmError::NotFound) => Err(AppError::NotFound),
        Err(error) => Err(AppError::donations_unavailable(error)),
    }
}

#[derive(Debug, Deserialize)]
pub struct LineForm {
    import: String,
    action: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    accept_difference: Option<String>,
    /// Ticked: staff checked a line that does not carry the pledge's reference.
    #[serde(default)]
    checked: Option<String>,
    /// The payment confirmed by hand this line is the bank's record of (`link`), or the one
    /// it was applied as (`undo`).
    #[serde(default)]
    payment: String,
}

/// `POST /admin/statement-lines/{line}`: confirm one line for a pledge, or set it aside.
pub async fn line(
    State(state): State<AppState>,
    Path(line): Path<String>,
    StaffForm(staff, form): StaffForm<LineForm>,
) -> Result<Response, AppError> {
    if !is_id(&line) || !is_id(&form.import) {
        return Err(AppError::NotFound);
    }
    let back = |extra: &str| {
        Ok(
            Redirect::to(&format!("{}{extra}", paths::admin::statement(&form.import)))
                .into_response(),
        )
    };
    let actor = staff.actor();
    match form.action.as_str() {
        "set_aside" => {
            state
                .donations
                .set_aside_statement_line(&line, &actor)
                .await?;
            back("")
        }
        "confirm" => {
            let Some(reference) = Reference::parse(&form.reference) else {
                return back("?problem=reference");
            };
            match state
                .donations
                .confirm_statement_line(
                    &line,
                    &reference,
                    form.accept_difference.is_some(),
                    form.checked.is_some(),
                    &actor,
                )
                .await
            {
                Ok(sharecare_domain::status::Transition::Changed) => back("?confirmed=1"),
                Ok(sharecare_domain::status::Transition::Unchanged) => back("?confirmed=0"),
                Err(ConfirmError::NotFound) => back("?problem=reference"),
                Err(ConfirmError::AmountDiffers { .. }) => back("?problem=amount"),
                Err(ConfirmError::Closed(_)) => back("?problem=closed"),
                Err(ConfirmError::NotATransfer) | Err(ConfirmError::Currency(_)) => {
                    back("?problem=not_transfer")
                }
                Err(ConfirmError::PaidInFull(_)) => back("?problem=paid_in_full"),
                Err(ConfirmError::Held) => back("?problem=held"),
                Err(ConfirmError::Unchecked) => back("?problem=unchecked"),
                Err(ConfirmError::Database(error)) => Err(error.into()),
            }
        }
        "link" if is_id(&form.payment) => {
            if state
                .donations
                .link_statement_line(&line, &form.payment, &actor)
                .await?
            {
                back("?linked=1")
            } else {
                back("?problem=linked")
            }
        }
        "undo" if is_id(&form.payment) => {
            let Some(donation) = state.donations.donation_of_payment(&form.payment).await? else {
                return back("?problem=undo");
            };
            match state
                .donations
                .void_offline_payment(
                    &donation,
                    &form.payment,
                    sharecare_services::donations::VoidReason::Undone,
                    &actor,
                )
                .await
            {
                Ok(()) => back("?undone=1"),
                Err(sharecare_services::donations::OfflineError::Database(error)) => {
                    Err(error.into())
                }
                Err(_) => back("?problem=undo"),
            }
        }
        _ => back(""),
    }
}

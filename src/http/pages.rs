//! The content pages: home, donate, privacy and the stories. Pages with the donation form get
//! the visit's gift session (see `gift_session`).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use leptos::prelude::*;
use serde::Deserialize;

use super::gift_session::{gift_session, keep, stamp};
use super::params::locale;
use super::render::render;
use super::AppError;
use crate::components::donation_form::FormState;
use crate::pages::donate::DonatePage;
use crate::pages::home::HomePage;
use crate::pages::privacy::PrivacyPage;
use crate::pages::story::StoryPage;
use crate::server::state::AppState;

/// `GET /{locale}`: the campaign page.
pub async fn home(
    State(state): State<AppState>,
    Path(locale_code): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let locale = locale(&locale_code)?;
    let session = gift_session(&state, &headers, query.as_deref()).await;
    let form = FormState::fresh(&state.content, session.clone(), stamp(&state));
    let mut response = render(
        &state,
        move || view! { <HomePage locale form=form.clone()/> },
    )
    .await;
    keep(&mut response, &session, &state);
    Ok(response)
}

/// A shared link to the widget may preselect its amount and frequency.
#[derive(Debug, Default, Deserialize)]
pub struct DonateQuery {
    amount: Option<String>,
    frequency: Option<String>,
}

/// `GET /{locale}/donate`: the widget alone (`?amount=500&frequency=monthly` preselects it;
/// bad values are ignored).
pub async fn donate(
    State(state): State<AppState>,
    Path(locale_code): Path<String>,
    RawQuery(raw_query): RawQuery,
    query: Result<Query<DonateQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let locale = locale(&locale_code)?;
    let query = query.map(|Query(query)| query).unwrap_or_default();
    let session = gift_session(&state, &headers, raw_query.as_deref()).await;
    let form = FormState::prefilled(
        &state.content,
        state.donations.giving_rules(),
        session.clone(),
        stamp(&state),
        query.amount.as_deref(),
        query.frequency.as_deref(),
    );
    let mut response = render(
        &state,
        move || view! { <DonatePage locale form=form.clone()/> },
    )
    .await;
    keep(&mut response, &session, &state);
    Ok(response)
}

/// `GET /{locale}/privacy`: the privacy notice.
pub async fn privacy(
    State(state): State<AppState>,
    Path(locale_code): Path<String>,
) -> Result<Response, AppError> {
    let locale = locale(&locale_code)?;
    Ok(render(&state, move || view! { <PrivacyPage locale/> }).await)
}

/// `GET /{locale}/stories/{slug}`: one story, with the widget.
pub async fn story(
    State(state): State<AppState>,
    Path((locale_code, slug)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let locale = locale(&locale_code)?;
    let story = state
        .content
        .story(&slug)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let session = gift_session(&state, &headers, query.as_deref()).await;
    let form = FormState::fresh(&state.content, session.clone(), stamp(&state));
    let mut response = render(&state, move || {
        view! { <StoryPage locale story=story.clone() form=form.clone()/> }
    })
    .await;
    keep(&mut response, &session, &state);
    Ok(response)
}

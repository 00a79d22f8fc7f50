//! The embeddable widget: the page partners frame (`/embed/{locale}/donate`) and the script
//! they paste (`/embed.js`). See `pages::embed` for what the page does without cookies.

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use leptos::prelude::*;

use super::attribution::VisitTags;
use super::gift_session::{gift_session, stamp};
use super::params::locale;
use super::render::{private_page, render};
use super::security::FrameAncestors;
use super::AppError;
use sharecare_domain::Locale;
use sharecare_services::state::AppState;
use sharecare_views::components::donation_form::FormState;
use sharecare_views::pages::embed::EmbedPage;

/// `GET /embed/{locale}/donate?partner=CODE`: the widget alone, rendered for this reader (its
/// form carries its own token and note), framed only by the partners' origins.
pub async fn embed_donate(
    State(state): State<AppState>,
    Path(locale_code): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let locale = locale(&locale_code)?;
    let mut session = gift_session(&state, &headers, query.as_deref()).await;
    // A partner's visitors never see another gift's notice inside the partner's page.
    session.previous = None;
    let shown = stamp(&state, session.token.as_str());
    let mut form = FormState::fresh(&state.content, session, shown);
    if let Some(query) = query.as_deref() {
        VisitTags::parse(query).fill(&mut form.form);
    }
    let mut response = render(
        &state,
        move || view! { <EmbedPage locale form=form.clone()/> },
    )
    .await;
    private_page(&mut response);
    response
        .extensions_mut()
        .insert(FrameAncestors(state.content.embed_origins()));
    Ok(response)
}

/// `GET /embed.js`: the partners' script.
pub async fn embed_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            // Partners' pages load it on every visit; an hour keeps a fix from waiting long.
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        embed_source(),
    )
        .into_response()
}

/// The script's text, made once: comments left in the source, the site's languages filled in.
pub fn embed_source() -> &'static str {
    static SOURCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SOURCE.get_or_init(|| {
        let languages = Locale::ALL
            .iter()
            .map(|locale| locale.code())
            .collect::<Vec<_>>()
            .join("|");
        include_str!("../embed.js")
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n")
            .replace("LANGUAGES", &format!("/^({languages})$/"))
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_script_knows_the_languages_and_keeps_no_comments() {
        let source = super::embed_source();
        assert!(
            source.contains("/^(en|zh-hk|zh-cn)$/.test(lang)"),
            "{source}"
        );
        assert!(!source.contains("// "));
        assert!(source.contains("event.origin !== site"));
    }
}

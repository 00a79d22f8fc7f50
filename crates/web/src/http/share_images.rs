//! `GET /share/{locale}/{slug}-{version}.png`: a story's share image. An old version's address
//! redirects to the current one; anything else unknown is a 404.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use super::site::CACHE_IMMUTABLE;
use sharecare_content::paths;
use sharecare_domain::Locale;
use sharecare_services::share_images::ShareImages;
use sharecare_services::state::AppState;

pub async fn share_image(
    State(state): State<AppState>,
    Path((locale, file)): Path<(String, String)>,
) -> Response {
    let found = Locale::from_code(&locale).and_then(|locale| {
        let (slug, version) = file.strip_suffix(".png")?.rsplit_once('-')?;
        Some((locale, state.content.story(slug)?, version))
    });
    let Some((locale, story, version)) = found else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let current = ShareImages::path(&state.content, story, locale);
    if current != paths::share_image(locale, &story.slug, version) {
        return Redirect::permanent(&current).into_response();
    }
    match state.share_images.png(&state.content, story, locale).await {
        Ok(png) => (
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, CACHE_IMMUTABLE),
            ],
            png,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, slug = %story.slug, "cannot draw a share image");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

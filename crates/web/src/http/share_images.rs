//! `GET /share/{locale}/{slug}-{version}.png`: a story's share image. An old version's address
//! redirects to the current one; anything else unknown is a 404.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};

use super::site::CACHE_IMMUTABLE;
use super::AppError;
use sharecare_content::paths;
use sharecare_domain::Locale;
use sharecare_services::share_images::ShareImages;
use sharecare_services::state::AppState;

pub async fn share_image(
    State(state): State<AppState>,
    Path((locale, file)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let found = Locale::from_code(&locale).and_then(|locale| {
        let (slug, version) = file.strip_suffix(".png")?.rsplit_once('-')?;
        Some((locale, state.content.story(slug)?, version))
    });
    let Some((locale, story, version)) = found else {
        return Err(AppError::NotFound);
    };
    let current = ShareImages::path(&state.content, story, locale);
    if current != paths::share_image(locale, &story.slug, version) {
        return Ok(Redirect::permanent(&current).into_response());
    }
    match state.share_images.png(&state.content, story, locale).await {
        Ok(png) => Ok((
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, CACHE_IMMUTABLE),
            ],
            png,
        )
            .into_response()),
        Err(error) => Err(AppError::Internal(error.into())),
    }
}

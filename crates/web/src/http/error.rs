//! The one error type handlers return. It logs its cause once, here, and shows the reader only
//! safe text: a 404 becomes the not-found page in their language (see `site::not_found_page`),
//! an outage a plain "try again" with `Retry-After`.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// Marks a response whose body a page in the reader's language replaces (see
/// `site::error_pages`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorPage {
    NotFound,
    /// Over a rate limit: the reader may try again in this many minutes.
    TooMany {
        minutes: u64,
    },
}

#[derive(Debug)]
pub enum AppError {
    /// No such page, or not for this reader (a wrong key looks the same as no gift).
    NotFound,
    /// Something we depend on (the database, the payment service) failed; the reader may
    /// simply try again.
    Unavailable {
        /// What the reader is told.
        message: &'static str,
        /// What is logged.
        cause: String,
    },
    /// A body far larger than any form the site has.
    PayloadTooLarge,
    /// A body that did not arrive in time.
    SlowRequest,
    /// Over a rate limit (`Retry-After` says when to try again).
    TooMany(sharecare_services::limits::TooMany),
}

/// What a reader sees when the donation service briefly fails.
pub const DONATIONS_UNAVAILABLE: &str =
    "The donation service is briefly unavailable. Please reload this page in a moment.";

impl AppError {
    pub fn unavailable(message: &'static str, cause: impl std::fmt::Display) -> AppError {
        AppError::Unavailable {
            message,
            cause: cause.to_string(),
        }
    }

    /// The donation service failed (reading a gift, a status).
    pub fn donations_unavailable(cause: impl std::fmt::Display) -> AppError {
        AppError::unavailable(DONATIONS_UNAVAILABLE, cause)
    }
}

impl From<sharecare_services::limits::Refusal> for AppError {
    fn from(refusal: sharecare_services::limits::Refusal) -> AppError {
        match refusal {
            sharecare_services::limits::Refusal::TooMany(too_many) => AppError::TooMany(too_many),
            sharecare_services::limits::Refusal::Unavailable => {
                AppError::donations_unavailable("the rate limits' count is unreadable")
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::NotFound => {
                let mut response = StatusCode::NOT_FOUND.into_response();
                response.extensions_mut().insert(ErrorPage::NotFound);
                response
            }
            AppError::TooMany(too_many) => {
                let seconds = too_many.retry_after_seconds();
                let mut response = (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, seconds.to_string())],
                )
                    .into_response();
                response.extensions_mut().insert(ErrorPage::TooMany {
                    minutes: seconds.div_ceil(60),
                });
                response
            }
            AppError::Unavailable { message, cause } => {
                tracing::error!(%cause, "{message}");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(header::RETRY_AFTER, "5")],
                    message,
                )
                    .into_response()
            }
            AppError::SlowRequest => (
                StatusCode::REQUEST_TIMEOUT,
                [(header::CONNECTION, "close")],
                "The request took too long to arrive.",
            )
                .into_response(),
            AppError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "This request is far larger than a donation form.",
            )
                .into_response(),
        }
    }
}

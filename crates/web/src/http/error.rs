//! The one error type handlers (and the donors' and staff's extractors) return. Every service's
//! error converts into it with `?`; it keeps the whole source chain and logs it once, here,
//! inside the request's span (so the line carries the request id), and shows the reader only
//! safe text. Pages in the reader's language replace the plain bodies of a 404, a 429 and an
//! outage (see `site::error_pages`, and `admin::guard::admin_headers` for the staff's language).

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

/// What went wrong underneath, kept whole for the log.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Marks a response whose body a page in the reader's language replaces (see
/// `site::error_pages`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorPage {
    NotFound,
    /// Over a rate limit: the reader may try again in this many minutes.
    TooMany {
        minutes: u64,
    },
    /// Something we depend on failed: the reader may try again in a moment.
    Unavailable,
}

#[derive(Debug)]
pub enum AppError {
    /// No such page, or not for this reader (a wrong key looks the same as no gift).
    NotFound,
    /// Something we depend on (the database, the payment service) failed; the reader may
    /// simply try again.
    Unavailable {
        /// What the reader is told where no page in their language replaces it.
        message: &'static str,
        /// What is logged, with its sources.
        cause: Cause,
    },
    /// A body far larger than any form the site has.
    PayloadTooLarge,
    /// A body that did not arrive in time.
    SlowRequest,
    /// Over a rate limit (`Retry-After` says when to try again).
    TooMany(sharecare_services::limits::TooMany),
    /// A page for signed-in readers only, asked for without signing in: to this address to
    /// sign in (303).
    SignInFirst(String),
    /// Not signed in, for something that needs it (401), with what to tell the reader (may be
    /// empty, as for the text below).
    Unauthorized(&'static str),
    /// Signed in, but not allowed: a form without its session's token, a role too low (403).
    Forbidden(&'static str),
    /// A body that cannot be read at all (400).
    BadRequest(&'static str),
    /// A form that cannot be what any page sends (422).
    Unprocessable(&'static str),
    /// A fault of ours that trying again will not mend (a share image that cannot be drawn):
    /// logged with its sources, a plain 500 for the reader.
    Internal(Cause),
}

/// What a reader sees when the donation service briefly fails.
pub const DONATIONS_UNAVAILABLE: &str =
    "The donation service is briefly unavailable. Please reload this page in a moment.";

impl AppError {
    /// An outage with its own text for the reader.
    pub fn unavailable(message: &'static str, cause: impl Into<Cause>) -> AppError {
        AppError::Unavailable {
            message,
            cause: cause.into(),
        }
    }

    /// The donation service failed (reading a gift, a status).
    pub fn donations_unavailable(cause: impl Into<Cause>) -> AppError {
        AppError::unavailable(DONATIONS_UNAVAILABLE, cause)
    }
}

impl From<sharecare_db::DbError> for AppError {
    fn from(error: sharecare_db::DbError) -> AppError {
        AppError::donations_unavailable(error)
    }
}

impl From<tower_sessions::session::Error> for AppError {
    fn from(error: tower_sessions::session::Error) -> AppError {
        AppError::donations_unavailable(error)
    }
}

impl From<serde_json::Error> for AppError {
    fn from(error: serde_json::Error) -> AppError {
        AppError::donations_unavailable(error)
    }
}

impl From<axum::Error> for AppError {
    fn from(error: axum::Error) -> AppError {
        AppError::donations_unavailable(error)
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(error: tokio::task::JoinError) -> AppError {
        AppError::donations_unavailable(error)
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

/// An error and its sources, outermost first, each once (a `transparent` wrapper repeats its
/// inner error's text).
pub fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(error);
    while let Some(error) = next {
        let text = error.to_string();
        if parts.last() != Some(&text) && !parts.last().is_some_and(|last| last.ends_with(&text)) {
            parts.push(text);
        }
        next = error.source();
    }
    parts.join(": ")
}

fn marked(mut response: Response, page: ErrorPage) -> Response {
    response.extensions_mut().insert(page);
    response
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::NotFound => {
                marked(StatusCode::NOT_FOUND.into_response(), ErrorPage::NotFound)
            }
            AppError::TooMany(too_many) => {
                let seconds = too_many.retry_after_seconds();
                let response = (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, seconds.to_string())],
                )
                    .into_response();
                marked(
                    response,
                    ErrorPage::TooMany {
                        minutes: seconds.div_ceil(60),
                    },
                )
            }
            AppError::Unavailable { message, cause } => {
                // Logged here, once, inside the request's span (its id is on the line).
                tracing::error!(cause = %chain(cause.as_ref()), "{message}");
                let response = (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(header::RETRY_AFTER, "5")],
                    message,
                )
                    .into_response();
                marked(response, ErrorPage::Unavailable)
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
            AppError::SignInFirst(to) => Redirect::to(&to).into_response(),
            AppError::Unauthorized(text) => (StatusCode::UNAUTHORIZED, text).into_response(),
            AppError::Forbidden(text) => (StatusCode::FORBIDDEN, text).into_response(),
            AppError::BadRequest(text) => (StatusCode::BAD_REQUEST, text).into_response(),
            AppError::Unprocessable(text) => {
                (StatusCode::UNPROCESSABLE_ENTITY, text).into_response()
            }
            AppError::Internal(cause) => {
                tracing::error!(cause = %chain(cause.as_ref()), "cannot answer the request");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot read the gift")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn the_chain_names_every_source_once() {
        let error = Outer(std::io::Error::other("connection reset"));
        assert_eq!(chain(&error), "cannot read the gift: connection reset");
    }

    #[test]
    fn an_outage_says_when_to_try_again_and_keeps_its_cause() {
        let error: AppError = sharecare_db::DbError::UnsupportedUrl("x".into()).into();
        let response = error.into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "5");
        assert_eq!(
            response.extensions().get::<ErrorPage>(),
            Some(&ErrorPage::Unavailable)
        );
    }
}

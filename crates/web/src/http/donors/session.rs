//! The donors' door: their own session (in the database: `__Host-` on HTTPS, HttpOnly,
//! SameSite=Lax, 20 minutes idle, 2 hours in all), and the extractors every route of My gifts
//! takes: [`DonorSession`] (signed in, else back to sign in or 401) and [`DonorForm`] (also
//! carrying the session's token, else 403). They mirror the staff's `CurrentStaff` and
//! `StaffForm`.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::request::Parts;
use axum::http::{header, Method};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tower_sessions::{Expiry, Session, SessionManagerLayer};

use crate::http::AppError;
use sharecare_content::paths;
use sharecare_domain::secrets::{constant_time_eq, random_hex};
use sharecare_domain::time::Timestamp;
use sharecare_domain::Locale;
use sharecare_services::sessions::DatabaseSessionStore;
use sharecare_services::state::AppState;

const SESSION_KEY: &str = "donor";
/// A donor's session ends this long after signing in, however busy.
const ABSOLUTE_LIFETIME: Duration = Duration::from_secs(2 * 3_600);
const IDLE_MINUTES: i64 = 20;

/// What a donor's session holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Held {
    email_key: String,
    signed_in_at: Timestamp,
    csrf: String,
}

/// The session layer for My gifts.
pub fn session_layer(state: &AppState) -> SessionManagerLayer<DatabaseSessionStore> {
    let https = state.site.is_https();
    SessionManagerLayer::new(state.donors.session_store())
        .with_name(if https {
            "__Host-sharecare_donor"
        } else {
            "sharecare_donor"
        })
        .with_secure(https)
        .with_http_only(true)
        .with_same_site(tower_sessions::cookie::SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(IDLE_MINUTES)))
        .with_always_save(true)
}

/// The signed-in donor of a route of My gifts, in the language its address names.
#[derive(Clone)]
pub struct DonorSession {
    /// The donor's email, lower-cased: what finds their gifts.
    pub email_key: String,
    /// The token every form of theirs carries.
    pub csrf: String,
    pub locale: Locale,
    pub session: Session,
}

impl DonorSession {
    /// The donor, if the session holds one still within its lifetime (a page that shows the
    /// sign-in form to anyone else).
    pub async fn signed_in(session: &Session, locale: Locale) -> Option<DonorSession> {
        let held: Held = session.get(SESSION_KEY).await.ok().flatten()?;
        if Timestamp::now() >= held.signed_in_at.plus(ABSOLUTE_LIFETIME) {
            let _ = session.flush().await;
            return None;
        }
        Some(DonorSession {
            email_key: held.email_key,
            csrf: held.csrf,
            locale,
            session: session.clone(),
        })
    }

    /// Starts a donor's session: a new id (never the one before), the email it opens, its
    /// token.
    pub async fn begin(session: &Session, email_key: String) -> Result<(), AppError> {
        session.cycle_id().await?;
        let held = Held {
            email_key,
            signed_in_at: Timestamp::now(),
            csrf: random_hex::<16>(),
        };
        Ok(session.insert(SESSION_KEY, held).await?)
    }

    /// Signs the donor out (the cookie no longer opens anything).
    pub async fn end(&self) {
        let _ = self.session.flush().await;
    }
}

/// The language the route's address names (`/{locale}/my-gifts/...`); another is no page.
pub async fn path_locale<S: Send + Sync>(parts: &mut Parts, state: &S) -> Result<Locale, AppError> {
    let params = RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|_| AppError::NotFound)?;
    let code = params
        .iter()
        .find(|(name, _)| *name == "locale")
        .map(|(_, value)| value)
        .ok_or(AppError::NotFound)?;
    crate::http::params::locale(code)
}

impl<S: Send + Sync> FromRequestParts<S> for DonorSession {
    type Rejection = AppError;

    /// Signed in, or: a page goes back to sign in, anything else is 401.
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let locale = path_locale(parts, state).await?;
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, why)| AppError::donations_unavailable(why))?;
        match DonorSession::signed_in(&session, locale).await {
            Some(donor) => Ok(donor),
            None if parts.method == Method::GET => {
                Err(AppError::SignInFirst(paths::my_gifts(locale)))
            }
            None => Err(AppError::Unauthorized("")),
        }
    }
}

/// A donor's form, accepted only from a signed-in donor (else 401) with the session's token in
/// its `csrf` field (else 403). A body that does not read is taken as an empty form.
pub struct DonorForm<T>(pub DonorSession, pub T);

impl<T, S> FromRequest<S> for DonorForm<T>
where
    T: DeserializeOwned + Default,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AppError> {
        let (mut parts, body) = request.into_parts();
        let donor = DonorSession::from_request_parts(&mut parts, state).await?;
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .ok()
            .filter(|_| is_form)
            .unwrap_or_default();
        let fields: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        let token = fields
            .iter()
            .find(|(name, _)| name == "csrf")
            .map_or("", |(_, value)| value.as_str());
        if !constant_time_eq(token.as_bytes(), donor.csrf.as_bytes()) {
            return Err(AppError::Forbidden(""));
        }
        let form = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        Ok(DonorForm(donor, form))
    }
}

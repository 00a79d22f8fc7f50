//! The staff admin's door. Sessions live in the database (tower-sessions over our store): the
//! cookie is `__Host-`, Secure, HttpOnly, SameSite=Strict; 30 minutes idle or 12 hours in all
//! end a session. Every admin route checks the session, the account and the role here, on the
//! server, before its handler runs; every admin form carries the session's CSRF token
//! ([`StaffForm`]) besides the Origin check all POSTs get.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tower_sessions::{Expiry, Session, SessionManagerLayer};

use crate::http::cookies;
use crate::http::error::{AppError, ErrorPage};
use sharecare_content::i18n::{admin_t, AdminLocale};
use sharecare_content::paths::{self, Access, Endpoint};
use sharecare_db::{Actor, StaffUser};
use sharecare_domain::secrets::{constant_time_eq, random_hex};
use sharecare_domain::time::Timestamp;
use sharecare_services::sessions::DatabaseSessionStore;
use sharecare_services::state::AppState;
use sharecare_views::pages::admin::StaffView;

/// Where a session keeps its member of staff.
const SESSION_KEY: &str = "staff";
/// A session ends this long after sign-in, however busy.
const ABSOLUTE_LIFETIME: Duration = Duration::from_secs(12 * 3_600);
/// ... and after this long without a request.
const IDLE_MINUTES: i64 = 30;

/// What a session holds. (Whether the role still needs a second factor set up is read from
/// the account on every request, not kept here: a policy changed mid-session applies at once.)
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StaffSession {
    pub user_id: String,
    /// The account's credential epoch when the session began: once a new password, a
    /// disabling, a new role or a second factor moves it on, the session is over.
    pub epoch: i64,
    pub signed_in_at: Timestamp,
    /// The token every admin form carries.
    pub csrf: String,
}

impl StaffSession {
    pub fn new(user: &StaffUser) -> StaffSession {
        StaffSession {
            user_id: user.id.clone(),
            epoch: user.credential_epoch,
            signed_in_at: Timestamp::now(),
            csrf: random_hex::<16>(),
        }
    }
}

/// The member of staff a request comes from (put in the request by [`guard`]).
#[derive(Debug, Clone)]
pub struct CurrentStaff {
    pub user: StaffUser,
    /// The session they came with.
    pub session: StaffSession,
    pub csrf: String,
    pub locale: AdminLocale,
}

impl CurrentStaff {
    pub fn actor(&self) -> Actor {
        sharecare_services::staff::actor_of(&self.user)
    }

    /// What pages show of them.
    pub fn view(&self) -> StaffView {
        StaffView {
            email: self.user.email.clone(),
            role: self.user.role,
            csrf: self.csrf.clone(),
            locale: self.locale,
        }
    }
}

/// The session layer for the admin's routes.
pub fn session_layer(state: &AppState) -> SessionManagerLayer<DatabaseSessionStore> {
    let secure = state.site.admin_cookie_secure;
    SessionManagerLayer::new(state.staff.session_store())
        .with_name(cookies::staff_session(secure))
        .with_secure(secure)
        .with_http_only(true)
        .with_same_site(tower_sessions::cookie::SameSite::Strict)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(IDLE_MINUTES)))
        // Saved on every request, so the idle expiry moves with use.
        .with_always_save(true)
}

/// The admin's language: the staff member's pick (cookie), else their browser's.
pub fn admin_locale(headers: &HeaderMap) -> AdminLocale {
    cookies::read(headers, cookies::ADMIN_LANGUAGE)
        .and_then(AdminLocale::from_code)
        .unwrap_or_else(|| {
            AdminLocale::from_accept_language(
                headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or(""),
            )
        })
}

/// The session's member of staff, if it holds one still allowed in: the account exists and is
/// enabled, nothing that lets them in changed since the session began (its credential epoch),
/// and the session is younger than its absolute lifetime. Anything else ends it. (A session
/// from before epochs were kept does not read as one, and ends too.)
pub async fn signed_in(state: &AppState, session: &Session) -> Option<(StaffUser, StaffSession)> {
    let held: StaffSession = match session.get(SESSION_KEY).await {
        Ok(Some(held)) => held,
        Ok(None) => return None,
        Err(_) => {
            let _ = session.flush().await;
            return None;
        }
    };
    let user = match state.staff.active_user(&held.user_id).await {
        Ok(Some(user))
            if user.credential_epoch == held.epoch
                && Timestamp::now() < held.signed_in_at.plus(ABSOLUTE_LIFETIME) =>
        {
            user
        }
        Ok(_) => {
            let _ = session.flush().await;
            return None;
        }
        Err(error) => {
            tracing::warn!(%error, "cannot read a staff account");
            return None;
        }
    };
    Some((user, held))
}

/// Starts a session for a member of staff who just signed in: a new id (the one before sign-in
/// is never the one after), then what it holds.
pub async fn begin(
    session: &Session,
    held: &StaffSession,
) -> Result<(), tower_sessions::session::Error> {
    session.cycle_id().await?;
    session.insert(SESSION_KEY, held).await
}

/// Carries the session that changed its own account's credentials (turned a second factor
/// on) over to the account's new epoch, under a new id; every other session of theirs ends.
pub async fn carry_over(
    session: &Session,
    held: &StaffSession,
    user: &StaffUser,
) -> Result<(), tower_sessions::session::Error> {
    let held = StaffSession {
        epoch: user.credential_epoch,
        ..held.clone()
    };
    session.cycle_id().await?;
    session.insert(SESSION_KEY, &held).await
}

/// Middleware on each staff route: signed in, allowed in, with the role `endpoint` needs.
pub async fn guard(
    State((state, endpoint)): State<(AppState, Endpoint)>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    let Access::Staff(needed) = endpoint.access() else {
        return next.run(request).await;
    };
    let locale = admin_locale(request.headers());
    let Some((user, held)) = signed_in(&state, &session).await else {
        return if request.method() == Method::GET {
            Redirect::to(paths::admin::sign_in()).into_response()
        } else {
            AppError::Unauthorized(admin_t(locale).admin_signed_out).into_response()
        };
    };
    let must_enrol = match state.staff.must_enrol(&user).await {
        Ok(must_enrol) => must_enrol,
        Err(error) => {
            tracing::warn!(%error, "cannot read whether a role needs a second factor");
            return AppError::donations_unavailable("the second-factor policy cannot be read")
                .into_response();
        }
    };
    if must_enrol && !matches!(endpoint, Endpoint::AdminAccount | Endpoint::AdminSignOut) {
        return if request.method() == Method::GET {
            Redirect::to(paths::admin::account()).into_response()
        } else {
            AppError::Forbidden(admin_t(locale).admin_enrol_first).into_response()
        };
    }
    if !user.role.allows(needed) {
        tracing::info!(
            role = user.role.as_str(),
            needed = needed.as_str(),
            "staff member refused a page above their role"
        );
        return AppError::Forbidden(admin_t(locale).admin_not_allowed).into_response();
    }
    request.extensions_mut().insert(CurrentStaff {
        user,
        session: held.clone(),
        csrf: held.csrf,
        locale,
    });
    next.run(request).await
}

/// Middleware on every admin route: never stored by any cache, never indexed. (Framing is
/// refused site-wide by the CSP's `frame-ancestors 'none'`.) An outage is told in the staff
/// member's language, as plain text (the public error page is not the admin's).
pub async fn admin_headers(request: Request, next: Next) -> Response {
    let locale = admin_locale(request.headers());
    let mut response = next.run(request).await;
    if response.extensions().get::<ErrorPage>() == Some(&ErrorPage::Unavailable) {
        let (mut parts, _) = response.into_parts();
        parts.extensions.remove::<ErrorPage>();
        response = Response::from_parts(
            parts,
            axum::body::Body::from(admin_t(locale).problem_unavailable),
        );
    }
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        "x-robots-tag",
        HeaderValue::from_static("noindex, nofollow"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// An admin form, accepted only with the session's CSRF token in its `csrf` field.
pub struct StaffForm<T>(pub CurrentStaff, pub T);

impl<T, S> FromRequest<S> for StaffForm<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let staff = request
            .extensions()
            .get::<CurrentStaff>()
            .cloned()
            .ok_or_else(|| AppError::Unauthorized("").into_response())?;
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| AppError::BadRequest("").into_response())?;
        check_csrf(
            &staff,
            fields
                .iter()
                .find(|(name, _)| name == "csrf")
                .map(|(_, v)| v.as_str()),
        )
        .map_err(IntoResponse::into_response)?;
        let form = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| AppError::Unprocessable("").into_response())?;
        Ok(StaffForm(staff, form))
    }
}

/// Refuses a form without the session's token (403, with a way forward in the reader's
/// language: a page opened before sign-in, or a forged form).
pub fn check_csrf(staff: &CurrentStaff, token: Option<&str>) -> Result<(), AppError> {
    if token.is_some_and(|token| constant_time_eq(token.as_bytes(), staff.csrf.as_bytes())) {
        Ok(())
    } else {
        tracing::warn!("an admin form came without its session's token");
        Err(AppError::Forbidden(
            admin_t(staff.locale).admin_form_expired,
        ))
    }
}

//! "My gifts" over HTTP: signing in with a code or a link (a session of the donor's own, in
//! the database: `__Host-` on HTTPS, HttpOnly, SameSite=Lax, 20 minutes idle), the gifts page,
//! changes to a gift, news consent, the donor's data and its deletion, receipts' PDFs, and
//! checking a receipt. Every donor route checks the session on the server; a gift is found by
//! the session's email and the reference together, so no form can reach another donor's gift.

use axum::body::Body;
use axum::extract::{Form, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use tower_sessions::{Expiry, Session, SessionManagerLayer};

use super::client::ClientAddress;
use super::params;
use super::render::{donors_own_page, render_with_status};
use super::AppError;
use sharecare_content::paths::{self, DonorEndpoint};
use sharecare_db::SessionTable;
use sharecare_domain::clock::now_millis;
use sharecare_domain::donor::PersonName;
use sharecare_domain::identifiers::FormToken;
use sharecare_domain::money::{parse_amount, AmountLimits};
use sharecare_domain::secrets::{constant_time_eq, random_hex};
use sharecare_domain::Locale;
use sharecare_services::donors::{
    ChangeError, ChangeOutcome, ChangeRequest, Donors, EraseError, SignInRefusal,
};
use sharecare_services::receipts::documents::local_date;
use sharecare_services::staff::sessions::DatabaseSessionStore;
use sharecare_services::state::AppState;
use sharecare_views::pages::my_gifts::{
    MyGiftsData, MyGiftsLinkPage, MyGiftsPage, MyGiftsSignInPage, SignInStage, SignInTrouble,
    VerifyReceiptPage,
};

const SESSION_KEY: &str = "donor";
/// A donor's session ends this long after signing in, however busy.
const ABSOLUTE_LIFETIME_MS: i64 = 2 * 3_600_000;
const IDLE_MINUTES: i64 = 20;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct DonorSession {
    email_key: String,
    signed_in_at: i64,
    csrf: String,
}

/// The routes of "My gifts", behind the donors' session layer.
pub fn routes(state: &AppState) -> Router<AppState> {
    let mut router = Router::new();
    for endpoint in DonorEndpoint::ALL {
        router = router.route(endpoint.endpoint().pattern(), handler(endpoint));
    }
    let https = state.site.is_https();
    let store = DatabaseSessionStore::new(state.donors.database(), SessionTable::Donor);
    router
        .layer(
            SessionManagerLayer::new(store)
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
                .with_always_save(true),
        )
        .layer(middleware::from_fn(private_headers))
}

/// A My gifts endpoint's handler; no default arm, so one added to the table without a handler
/// does not compile.
fn handler(endpoint: DonorEndpoint) -> MethodRouter<AppState> {
    let form = axum::extract::DefaultBodyLimit::max(16 * 1024);
    match endpoint {
        DonorEndpoint::MyGifts => get(my_gifts).post(request_code).layer(form),
        DonorEndpoint::MyGiftsCode => post(enter_code).layer(form),
        DonorEndpoint::MyGiftsLink => get(link_page).post(use_link).layer(form),
        DonorEndpoint::MyGiftsSignOut => post(sign_out).layer(form),
        DonorEndpoint::MyGift => post(change_gift).layer(form),
        DonorEndpoint::MyConsent => post(consent).layer(form),
        DonorEndpoint::MyData => get(data),
        DonorEndpoint::MyErase => post(erase).layer(form),
        DonorEndpoint::MyReceipt => get(receipt),
        DonorEndpoint::MySummary => get(summary),
    }
}

/// Donors' pages are theirs alone: never stored, never indexed, no referrer (a link's token).
async fn private_headers(request: axum::extract::Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    donors_own_page(&mut response);
    response
}

/// The signed-in donor, if the session holds one still within its lifetime.
async fn signed_in(session: &Session) -> Option<DonorSession> {
    let held: DonorSession = session.get(SESSION_KEY).await.ok().flatten()?;
    if now_millis() - held.signed_in_at >= ABSOLUTE_LIFETIME_MS {
        let _ = session.flush().await;
        return None;
    }
    Some(held)
}

/// The signed-in donor for a route that needs one: otherwise back to sign in (a page) or 401.
async fn require(
    session: &Session,
    method: &Method,
    locale: Locale,
) -> Result<DonorSession, Response> {
    match signed_in(session).await {
        Some(held) => Ok(held),
        None if method == Method::GET => {
            Err(Redirect::to(&paths::my_gifts(locale)).into_response())
        }
        None => Err(StatusCode::UNAUTHORIZED.into_response()),
    }
}

/// The signed-in donor for a form, whose token must be the session's: otherwise 401 (no
/// session) or 403 (another page's form).
async fn require_form(
    session: &Session,
    locale: Locale,
    csrf: &str,
) -> Result<DonorSession, Response> {
    let held = require(session, &Method::POST, locale).await?;
    if constant_time_eq(csrf.as_bytes(), held.csrf.as_bytes()) {
        Ok(held)
    } else {
        Err(StatusCode::FORBIDDEN.into_response())
    }
}

fn issued(state: &AppState, token: &str) -> bool {
    FormToken::parse(token).is_some_and(|token| state.form_guard.issued(&token))
}

async fn sign_in_page(
    state: &AppState,
    locale: Locale,
    stage: SignInStage,
    trouble: Option<SignInTrouble>,
    status: StatusCode,
) -> Response {
    let token = state.form_guard.issue_token().as_str().to_string();
    render_with_status(state, status, move || {
        view! { <MyGiftsSignInPage locale token=token.clone() stage=stage.clone() trouble notice=None/> }
    })
    .await
}

fn trouble_of(refusal: &SignInRefusal) -> (SignInTrouble, StatusCode, Option<u64>) {
    match refusal {
        SignInRefusal::Wrong => (SignInTrouble::Wrong, StatusCode::UNAUTHORIZED, None),
        SignInRefusal::TooMany(too_many) => {
            let seconds = too_many.retry_after_seconds();
            (
                SignInTrouble::TooMany {
                    minutes: seconds.div_ceil(60),
                },
                StatusCode::TOO_MANY_REQUESTS,
                Some(seconds),
            )
        }
        SignInRefusal::Unavailable => (
            SignInTrouble::Unavailable,
            StatusCode::SERVICE_UNAVAILABLE,
            Some(5),
        ),
    }
}

fn with_retry_after(mut response: Response, seconds: Option<u64>) -> Response {
    if let Some(value) = seconds.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    problem: Option<String>,
}

/// `GET /{locale}/my-gifts`: the gifts, or the sign-in form.
async fn my_gifts(
    State(state): State<AppState>,
    Path(locale_code): Path<String>,
    session: Session,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let locale = params::locale(&locale_code)?;
    let query = query.map(|Query(query)| query).unwrap_or_default();
    let Some(held) = signed_in(&session).await else {
        let notice = (query.done.as_deref() == Some("erased"))
            .then_some(sharecare_content::i18n::t(locale).my_erased);
        let token = state.form_guard.issue_token().as_str().to_string();
        return Ok(render_with_status(&state, StatusCode::OK, move || {
            view! { <MyGiftsSignInPage locale token=token.clone() stage=SignInStage::Email trouble=None notice/> }
        })
        .await);
    };
    let donors = &state.donors;
    let gifts = donors
        .gifts(&held.email_key)
        .await
        .map_err(AppError::donations_unavailable)?;
    let consent_history = donors
        .consent_history(&held.email_key)
        .await
        .map_err(AppError::donations_unavailable)?;
    let receipts: Vec<_> = gifts
        .iter()
        .flat_map(|gift| gift.receipts.clone())
        .collect();
    let data = MyGiftsData {
        email: held.email_key.clone(),
        csrf: held.csrf.clone(),
        consent: gifts.iter().any(|gift| gift.donation.marketing_consent),
        tax_years: Donors::tax_years(&receipts),
        gifts,
        consent_history,
        request_id: random_hex::<16>(),
        done: query.done,
        problem: query.problem,
    };
    Ok(render_with_status(&state, StatusCode::OK, move || {
        view! { <MyGiftsPage locale data=data.clone()/> }
    })
    .await)
}

#[derive(Debug, Default, Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    token: String,
}

/// `POST /{locale}/my-gifts`: a code and a link, if the email has gifts. The answer is the same
/// whether or not it has (the code form), so the page tells no one who gave.
async fn request_code(
    State(state): State<AppState>,
    Path(locale_code): Path<String>,
    ClientAddress(address): ClientAddress,
    form: Result<Form<EmailForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, AppError> {
    let locale = params::locale(&locale_code)?;
    let form = form.map(|Form(form)| form).unwrap_or_default();
    if !issued(&state, &form.token) {
        return Ok(sign_in_page(
            &state,
            locale,
            SignInStage::Email,
            Some(SignInTrouble::Expired),
            StatusCode::FORBIDDEN,
        )
        .await);
    }
    let email = form.email.trim().to_string();
    if let Err(refusal) = state.donors.send_sign_in(&email, locale, address).await {
        let (trouble, status, retry) = trouble_of(&refusal);
        let page = sign_in_page(&state, locale, SignInStage::Email, Some(trouble), status).await;
        return Ok(with_retry_after(page, retry));
    }
    Ok(sign_in_page(
        &state,
        locale,
        SignInStage::Code { email },
        None,
        StatusCode::OK,
    )
    .await)
}

#[derive(Debug, Default, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    token: String,
}

/// Starts a donor's session: a new id (never the one before), the email it opens, its token.
async fn begin(session: &Session, email_key: String) -> Result<(), AppError> {
    session
        .cycle_id()
        .await
        .map_err(AppError::donations_unavailable)?;
    let held = DonorSession {
        email_key,
        signed_in_at: now_millis(),
        csrf: random_hex::<16>(),
    };
    session
        .insert(SESSION_KEY, held)
        .await
        .map_err(AppError::donations_unavailable)
}

/// `POST /{locale}/my-gifts/code`.
async fn enter_code(
    State(state): State<AppState>,
    Path(locale_code): Path<String>,
    ClientAddress(address): ClientAddress,
    session: Session,
    form: Result<Form<CodeForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, AppError> {
    let locale = params::locale(&locale_code)?;
    let form = form.map(|Form(form)| form).unwrap_or_default();
    let stage = SignInStage::Code {
        email: form.email.trim().to_string(),
    };
    if !issued(&state, &form.token) {
        return Ok(sign_in_page(
            &state,
            locale,
            stage,
            Some(SignInTrouble::Expired),
            StatusCode::FORBIDDEN,
        )
        .await);
    }
    match state
        .donors
        .check_code(&form.email, &form.code, address)
        .await
    {
        Ok(email_key) => {
            begin(&session, email_key).await?;
            Ok(Redirect::to(&paths::my_gifts(locale)).into_response())
        }
        Err(refusal) => {
            let (trouble, status, retry) = trouble_of(&refusal);
            let page = sign_in_page(&state, locale, stage, Some(trouble), status).await;
            Ok(with_retry_after(page, retry))
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct LinkQuery {
    #[serde(default)]
    token: String,
}

/// `GET /{locale}/my-gifts/link?token=`: a page with a button. Opening a link signs no one in
/// (mail scanners open links); the button's POST does.
async fn link_page(
    State(state): State<AppState>,
    Path(locale_code): Path<String>,
    query: Result<Query<LinkQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let locale = params::locale(&locale_code)?;
    let token = query.map(|Query(query)| query.token).unwrap_or_default();
    Ok(render_with_status(&state, StatusCode::OK, move || {
        view! { <MyGiftsLinkPage locale link_token=token.clone() trouble=None/> }
    })
    .await)
}

#[derive(Debug, Default, Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    link: String,
}

/// `POST /{locale}/my-gifts/link`.
async fn use_link(
    State(state): State<AppState>,
    Path(locale_code): Path<String>,
    ClientAddress(address): ClientAddress,
    session: Session,
    form: Result<Form<LinkForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, AppError> {
    let locale = params::locale(&locale_code)?;
    let form = form.map(|Form(form)| form).unwrap_or_default();
    match state.donors.check_link(&form.link, address).await {
        Ok(email_key) => {
            begin(&session, email_key).await?;
            Ok(Redirect::to(&paths::my_gifts(locale)).into_response())
        }
        Err(refusal) => {
            let (trouble, status, retry) = trouble_of(&refusal);
            let link = form.link.clone();
            let page = render_with_status(&state, status, move || {
                view! { <MyGiftsLinkPage locale link_token=link.clone() trouble=Some(trouble)/> }
            })
            .await;
            Ok(with_retry_after(page, retry))
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    confirm: Option<String>,
    #[serde(default)]
    consent: Option<String>,
}

/// `POST /{locale}/my-gifts/sign-out`.
async fn sign_out(
    Path(locale_code): Path<String>,
    session: Session,
    form: Result<Form<TokenForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, AppError> {
    let locale = params::locale(&locale_code)?;
    let form = form.map(|Form(form)| form).unwrap_or_default();
    if let Err(response) = require_form(&session, locale, &form.csrf).await {
        return Ok(response);
    }
    let _ = session.flush().await;
    Ok(Redirect::to(&paths::my_gifts(locale)).into_response())
}

fn back(locale: Locale, key: &str, value: &str) -> Response {
    Redirect::to(&format!("{}?{key}={value}", paths::my_gifts(locale))).into_response()
}

#[derive(Debug, Default, Deserialize)]
pub struct GiftForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    request_id: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    months: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    day: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    confirm: Option<String>,
    #[serde(default)]
    receipt: String,
    #[serde(default)]
    receipt_name: String,
    #[serde(default)]
    message: String,
}

/// `POST /{locale}/my-gifts/gifts/{reference}`: one change to one of the donor's own gifts.
async fn change_gift(
    State(state): State<AppState>,
    Path((locale_code, reference)): Path<(String, String)>,
    session: Session,
    form: Result<Form<GiftForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, AppError> {
    let locale = params::locale(&locale_code)?;
    let reference = params::reference(&reference)?;
    let form = form.map(|Form(form)| form).unwrap_or_default();
    let held = match require_form(&session, locale, &form.csrf).await {
        Ok(held) => held,
        Err(response) => return Ok(response),
    };
    let donors = &state.donors;
    // Someone else's gift (or none) is simply not found.
    if donors
        .gift(&held.email_key, reference.as_str())
        .await
        .map_err(AppError::donations_unavailable)?
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    let request = match form.action.as_str() {
        "receipt" => {
            let name = PersonName::parse_optional(&form.receipt_name)
                .ok()
                .flatten();
            let (wanted, other) = match (form.receipt.as_str(), name) {
                ("none", _) => (false, None),
                ("other_name", Some(name)) => (true, Some(name)),
                ("other_name", None) => return Ok(back(locale, "problem", "invalid")),
                _ => (true, None),
            };
            donors
                .set_receipt(&held.email_key, reference.as_str(), wanted, other)
                .await
                .map_err(AppError::donations_unavailable)?;
            return Ok(back(locale, "done", "receipt"));
        }
        "tell" => {
            let told = donors
                .tell_charity(&held.email_key, reference.as_str(), &form.message)
                .await
                .map_err(AppError::donations_unavailable)?;
            return Ok(back(
                locale,
                if told { "done" } else { "problem" },
                if told { "told" } else { "invalid" },
            ));
        }
        "pause" => form
            .months
            .parse()
            .ok()
            .map(|months| ChangeRequest::Pause { months }),
        "resume" => Some(ChangeRequest::Resume),
        "amount" => {
            let limits = AmountLimits {
                min_minor: 1,
                max_minor: u64::MAX / 4,
            };
            parse_amount(&form.amount, state.content.organisation.currency(), limits)
                .ok()
                .map(ChangeRequest::Amount)
        }
        "day" => form.day.parse().ok().map(ChangeRequest::Day),
        "cancel" if form.confirm.is_some() => Some(ChangeRequest::Cancel {
            reason: form.reason.trim().to_string(),
        }),
        "cancel" => return Ok(back(locale, "problem", "confirm")),
        "card" => Some(ChangeRequest::Card),
        _ => None,
    };
    let request_ok =
        form.request_id.len() == 32 && form.request_id.bytes().all(|b| b.is_ascii_hexdigit());
    let (Some(request), true) = (request, request_ok) else {
        return Ok(back(locale, "problem", "invalid"));
    };
    match donors
        .change(
            &held.email_key,
            reference.as_str(),
            request,
            &form.request_id,
            locale,
        )
        .await
    {
        Ok(ChangeOutcome::Requested) => Ok(back(locale, "done", "requested")),
        Ok(ChangeOutcome::Redirect(url)) => Ok(Redirect::to(&url).into_response()),
        Err(ChangeError::NotFound) => Err(AppError::NotFound),
        Err(ChangeError::Invalid) => Ok(back(locale, "problem", "invalid")),
        Err(ChangeError::Provider(error)) => {
            tracing::warn!(%error, "the payment service refused a donor's change");
            Ok(back(locale, "problem", "provider"))
        }
        Err(ChangeError::Database(error)) => Err(AppError::donations_unavailable(error)),
    }
}

/// `POST /{locale}/my-gifts/consent`.
async fn consent(
    State(state): State<AppState>,
    Path(locale_code): Path<String>,
    session: Session,
    form: Result<Form<TokenForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, AppError> {
    let locale = params::locale(&locale_code)?;
    let form = form.map(|Form(form)| form).unwrap_or_default();
    let held = match require_form(&session, locale, &form.csrf).await {
        Ok(held) => held,
        Err(response) => return Ok(response),
    };
    state
        .donors
        .set_consent(&held.email_key, form.consent.is_some())
        .await
        .map_err(AppError::donations_unavailable)?;
    Ok(back(locale, "done", "consent"))
}

/// `GET /{locale}/my-gifts/data/{file}`: everything held about the donor, JSON or CSV.
async fn data(
    State(state): State<AppState>,
    Path((locale_code, file)): Path<(String, String)>,
    session: Session,
) -> Result<Response, AppError> {
    let locale = params::locale(&locale_code)?;
    let held = match require(&session, &Method::GET, locale).await {
        Ok(held) => held,
        Err(response) => return Ok(response),
    };
    let data = state
        .donors
        .data(&held.email_key)
        .await
        .map_err(AppError::donations_unavailable)?;
    let (content_type, body) = match file.as_str() {
        "my-data.json" => (
            "application/json",
            serde_json::to_vec_pretty(&data).map_err(AppError::donations_unavailable)?,
        ),
        "my-data.csv" => ("text/csv; charset=utf-8", data_csv(&data)),
        _ => return Err(AppError::NotFound),
    };
    Ok(download(content_type, &file, body))
}

/// The gifts and their payments as one table: a row per payment (or per gift never paid).
fn data_csv(data: &sharecare_services::donors::DonorData) -> Vec<u8> {
    use sharecare_services::export::{record, BOM};
    let mut out = BOM.as_bytes().to_vec();
    out.extend(record(&[
        "reference",
        "created_at",
        "status",
        "amount",
        "currency",
        "frequency",
        "payment_method",
        "email",
        "name",
        "receipt",
        "receipt_name",
        "marketing_consent",
        "language",
        "referral_code",
        "paid_at",
        "paid_amount",
        "refunded",
        "receipt_numbers",
    ]));
    for gift in &data.gifts {
        let receipts = gift
            .receipts
            .iter()
            .map(|receipt| receipt.number.clone())
            .collect::<Vec<_>>()
            .join(" ");
        let base = vec![
            gift.reference.clone(),
            gift.created_at.clone(),
            gift.status.clone(),
            gift.amount.clone(),
            gift.currency.clone(),
            gift.frequency.clone(),
            gift.payment_method.clone(),
            gift.email.clone(),
            gift.name.clone().unwrap_or_default(),
            gift.receipt.clone(),
            gift.receipt_name.clone().unwrap_or_default(),
            gift.marketing_consent.to_string(),
            gift.language.clone(),
            gift.referral_code.clone().unwrap_or_default(),
        ];
        if gift.payments.is_empty() {
            let mut row = base.clone();
            row.extend([
                String::new(),
                String::new(),
                String::new(),
                receipts.clone(),
            ]);
            out.extend(record(&row));
        }
        for payment in &gift.payments {
            let mut row = base.clone();
            row.extend([
                payment.paid_at.clone(),
                payment.amount.clone(),
                payment.refunded.clone(),
                receipts.clone(),
            ]);
            out.extend(record(&row));
        }
    }
    out
}

fn download(content_type: &'static str, file: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{file}\""))
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
        ],
        Body::from(body),
    )
        .into_response()
}

/// `POST /{locale}/my-gifts/erase`: deletes what is held about the donor, then signs out.
async fn erase(
    State(state): State<AppState>,
    Path(locale_code): Path<String>,
    session: Session,
    form: Result<Form<TokenForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, AppError> {
    let locale = params::locale(&locale_code)?;
    let form = form.map(|Form(form)| form).unwrap_or_default();
    let held = match require_form(&session, locale, &form.csrf).await {
        Ok(held) => held,
        Err(response) => return Ok(response),
    };
    if form.confirm.is_none() {
        return Ok(back(locale, "problem", "confirm"));
    }
    match state.donors.erase(&held.email_key).await {
        Ok(_) => {
            let _ = session.flush().await;
            Ok(back(locale, "done", "erased"))
        }
        Err(EraseError::MonthlyRunning) => Ok(back(locale, "problem", "monthly_running")),
        Err(EraseError::Database(error)) => Err(AppError::donations_unavailable(error)),
    }
}

/// `GET /{locale}/my-gifts/receipts/{receipt}`: a receipt's PDF, the donor's own only.
async fn receipt(
    State(state): State<AppState>,
    Path((locale_code, receipt)): Path<(String, String)>,
    session: Session,
) -> Result<Response, AppError> {
    let locale = params::locale(&locale_code)?;
    let held = match require(&session, &Method::GET, locale).await {
        Ok(held) => held,
        Err(response) => return Ok(response),
    };
    if receipt.len() != 32 || !receipt.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    match state
        .donors
        .receipt_pdf(&held.email_key, &receipt)
        .await
        .map_err(AppError::donations_unavailable)?
    {
        Some((name, pdf)) => Ok(download("application/pdf", &name, pdf)),
        None => Err(AppError::NotFound),
    }
}

/// `GET /{locale}/my-gifts/summaries/{year}`: a tax year's summary PDF.
async fn summary(
    State(state): State<AppState>,
    Path((locale_code, year)): Path<(String, String)>,
    session: Session,
) -> Result<Response, AppError> {
    let locale = params::locale(&locale_code)?;
    let held = match require(&session, &Method::GET, locale).await {
        Ok(held) => held,
        Err(response) => return Ok(response),
    };
    let year: i64 = year.parse().map_err(|_| AppError::NotFound)?;
    match state
        .donors
        .summary_pdf(&held.email_key, year, locale)
        .await
        .map_err(AppError::donations_unavailable)?
    {
        Some((name, pdf)) => Ok(download("application/pdf", &name, pdf)),
        None => Err(AppError::NotFound),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct VerifyQuery {
    #[serde(default)]
    number: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    lang: String,
}

/// `GET /receipts/verify?number=&code=`: whether a receipt is genuine and valid.
pub async fn verify_receipt(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<VerifyQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let query = query.map(|Query(query)| query).unwrap_or_default();
    let locale =
        Locale::from_code(&query.lang).unwrap_or_else(|| super::site::reader_locale(&headers));
    let result = if query.number.trim().is_empty() {
        None
    } else {
        let found = state
            .donors
            .verify(&query.number, &query.code)
            .await
            .map_err(AppError::donations_unavailable)?;
        Some(found.map(|verified| {
            (
                verified.receipt.amount.to_string(),
                local_date(verified.receipt.paid_at, locale),
                verified.valid,
            )
        }))
    };
    let (number, code) = (
        query.number.trim().to_string(),
        query.code.trim().to_string(),
    );
    let mut response = render_with_status(&state, StatusCode::OK, move || {
        view! { <VerifyReceiptPage locale number=number.clone() code=code.clone() result=result.clone()/> }
    })
    .await;
    donors_own_page(&mut response);
    Ok(response)
}

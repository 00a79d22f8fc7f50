//! Giving over HTTP: the form's POST, "continue to secure payment", and the donor's own page
//! for their gift. The donations service decides; these handlers parse, ask and answer.

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use leptos::prelude::*;
use serde::Deserialize;

use super::client::ClientAddress;
use super::cookies;
use super::gift_session::{keep_token, stamp};
use super::params;
use super::params::locale;
use super::render::{donors_own_page, private_page, render, render_with_status};
use super::AppError;
use sharecare_content::paths::{self, CheckoutReturn};
use sharecare_domain::donation::PaymentMethod;
use sharecare_domain::form::{DonationForm, Field, FieldError, Problem};
use sharecare_domain::identifiers::FormToken;
use sharecare_domain::identifiers::Reference;
use sharecare_domain::time::Timestamp;
use sharecare_domain::Locale;
use sharecare_services::donations::{Continued, StartGiftError, StartedGift};
use sharecare_services::form_guard::Suspicion;
use sharecare_services::limits::{Refusal, Rule, TooMany};
use sharecare_services::payment::NextStep;
use sharecare_services::state::AppState;
use sharecare_views::components::donation_form::{FormProblem, FormState};
use sharecare_views::pages::donate::DonatePage;
use sharecare_views::pages::gift::GiftPage;

/// `POST /{locale}/donate`: checks the gift, stores it once per form token and sends the donor
/// on (303): to the hosted checkout for a card gift, else to their gift's page. A mistake
/// re-renders the form with the donor's values and a message per field (422); an outage does
/// the same with a "try again" (503), and trying again with the same token can never store
/// the gift twice. Too many attempts get 429; a form a program filled, or a token the server
/// did not issue, stores nothing.
#[tracing::instrument(name = "submit", skip_all)]
pub async fn submit(
    State(state): State<AppState>,
    Path(locale_code): Path<String>,
    ClientAddress(address): ClientAddress,
    headers: axum::http::HeaderMap,
    form: Result<Form<DonationForm>, FormRejection>,
) -> Result<Response, AppError> {
    let locale = locale(&locale_code)?;
    let mut form = match form {
        Ok(Form(form)) => form,
        // Far larger than any donation form: not a donor's mistake to explain field by field.
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Err(AppError::PayloadTooLarge)
        }
        // The body stopped arriving (`BODY_TIMEOUT_SECONDS`), or the client went away.
        Err(FormRejection::BytesRejection(_)) => return Err(AppError::SlowRequest),
        // An unreadable body (wrong content type, broken encoding) is answered like an empty
        // form: the donor sees what to fill in.
        Err(_) => DonationForm::default(),
    };
    // A shared (cached) page's form carries neither its token nor its "shown at" note: the
    // reader's cookies do (see `pages`).
    if form.token.is_empty() {
        if let Some(token) =
            super::cookies::read(&headers, super::cookies::gift(state.site.is_https()))
        {
            form.token = token.to_string();
        }
    }
    if form.shown.is_empty() {
        if let Some(shown) = super::cookies::read(&headers, super::cookies::SHOWN) {
            form.shown = shown.to_string();
        }
    }
    // Where the visit came from, if the form does not say (a shared page's form cannot).
    super::attribution::remembered(&headers).fill(&mut form);
    // Only the site's own stories are recorded.
    if state.content.story(form.story.trim()).is_none() {
        form.story.clear();
    }
    let again = FormAgain {
        state: &state,
        locale,
    };
    if let Err(refusal) = state
        .limits
        .check(Rule::SubmitPerAddress, &address.to_string())
        .await
    {
        return Ok(again.refused(form, refusal).await);
    }
    if let Err(suspicion) =
        state
            .form_guard
            .check(&form.homepage, &form.shown, &form.token, Timestamp::now())
    {
        // Too fast is what a browser's autofill looks like: the donor is asked to look the
        // gift over and press again, with the stamp it was first shown with, so the second
        // press goes through. Only what no person does is refused outright.
        if suspicion == Suspicion::TooFast {
            tracing::info!("a donation form came back within seconds; asked to send it again");
            let form_state = FormState {
                form,
                problem: Some(FormProblem::CheckAgain),
                ..FormState::default()
            };
            return Ok(again
                .render(StatusCode::UNPROCESSABLE_ENTITY, form_state, Stamp::Keep)
                .await);
        }
        tracing::info!(?suspicion, "refused a donation form sent by a program");
        return Ok(again
            .with(
                StatusCode::UNPROCESSABLE_ENTITY,
                FormState {
                    form,
                    problem: Some(FormProblem::Refused),
                    ..FormState::default()
                },
            )
            .await);
    }
    let parsed = form.parse(state.donations.giving_rules());
    let issued = FormToken::parse(&form.token).is_some_and(|token| state.form_guard.issued(&token));
    let request = match parsed {
        Ok(request) if issued => request,
        parsed => {
            let mut errors = parsed.err().unwrap_or_default();
            let mut form = form;
            if !issued {
                // A token the server did not issue (or none): a fresh one, and the form again.
                form.token = state.form_guard.issue_token().as_str().to_string();
                if !errors.iter().any(|error| error.field == Field::Token) {
                    errors.push(FieldError {
                        field: Field::Token,
                        problem: Problem::TokenMissing,
                    });
                }
            }
            let form_state = FormState {
                form,
                errors,
                ..FormState::default()
            };
            return Ok(again
                .with(StatusCode::UNPROCESSABLE_ENTITY, form_state)
                .await);
        }
    };
    let email = request.email.normalized();
    let mut limits = vec![(Rule::SubmitPerEmail, email.clone())];
    if request.payment_method == PaymentMethod::Card {
        limits.push((Rule::CheckoutPerAddress, address.to_string()));
        limits.push((Rule::CheckoutPerEmail, email));
    }
    for (rule, subject) in limits {
        if let Err(refusal) = state.limits.check(rule, &subject).await {
            return Ok(again.refused(form, refusal).await);
        }
    }
    Ok(match state.donations.start_gift(&request, locale).await {
        Ok(started) => go_on(locale, &started),
        Err(StartGiftError::TokenUsed(donation)) => {
            let mut form = form;
            form.token = state.form_guard.issue_token().as_str().to_string();
            let form_state = FormState {
                form,
                problem: Some(FormProblem::TokenUsed),
                previous: Some(*donation),
                ..FormState::default()
            };
            again.with(StatusCode::CONFLICT, form_state).await
        }
        Err(StartGiftError::Payment { donation, error }) => {
            tracing::error!(%error, reference = donation.reference.as_str(), "cannot start the payment");
            again
                .with(
                    StatusCode::SERVICE_UNAVAILABLE,
                    FormState {
                        form,
                        problem: Some(FormProblem::CheckoutFailed),
                        ..FormState::default()
                    },
                )
                .await
        }
        Err(StartGiftError::Storage(error)) => {
            tracing::error!(%error, "cannot store a donation");
            again
                .with(
                    StatusCode::SERVICE_UNAVAILABLE,
                    FormState {
                        form,
                        problem: Some(FormProblem::Unavailable),
                        ..FormState::default()
                    },
                )
                .await
        }
    })
}

/// Where a stored gift goes next: the hosted checkout, or the gift's page with the transfer
/// instructions. Redirects work with JavaScript off.
fn go_on(locale: Locale, started: &StartedGift) -> Response {
    let donation = &started.donation;
    match &started.next {
        NextStep::ShowInstructions => Redirect::to(&paths::gift_page_with_key(
            locale,
            &donation.reference,
            &donation.access_key,
        )),
        NextStep::Checkout(checkout) => Redirect::to(&checkout.url),
    }
    .into_response()
}

/// The donation page again, with the donor's values and what went wrong.
/// Whether the form comes back with a new "shown at" note or the one it was sent with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stamp {
    Fresh,
    /// The note was the server's, for this form, and only too recent: keeping it lets the
    /// next press through once the minimum time has passed.
    Keep,
}

struct FormAgain<'a> {
    state: &'a AppState,
    locale: Locale,
}

impl FormAgain<'_> {
    /// A fault of ours (503) says when to try again; every answer carries a fresh "shown at"
    /// note and keeps the form's token in the gift cookie.
    async fn with(&self, status: StatusCode, form: FormState) -> Response {
        self.render(status, form, Stamp::Fresh).await
    }

    async fn render(&self, status: StatusCode, mut form: FormState, note: Stamp) -> Response {
        let (state, locale) = (self.state, self.locale);
        if note == Stamp::Fresh {
            form.form.shown = stamp(state, &form.form.token);
        }
        let token = FormToken::parse(&form.form.token);
        let mut response = render_with_status(
            state,
            status,
            move || view! { <DonatePage locale form=form.clone()/> },
        )
        .await;
        private_page(&mut response);
        if let Some(token) = token.filter(|token| state.form_guard.issued(token)) {
            keep_token(&mut response, &token, state);
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        response
    }

    /// Refused by the limits: over one (429), or the shared count is unreadable because the
    /// database is down (503, as storing the gift would be).
    async fn refused(&self, form: DonationForm, refusal: Refusal) -> Response {
        match refusal {
            Refusal::TooMany(too_many) => self.too_many(form, too_many).await,
            Refusal::Unavailable => {
                let form_state = FormState {
                    form,
                    problem: Some(FormProblem::Unavailable),
                    ..FormState::default()
                };
                self.with(StatusCode::SERVICE_UNAVAILABLE, form_state).await
            }
        }
    }

    /// Over a limit: 429 with `Retry-After`, the values kept, nothing stored.
    async fn too_many(&self, form: DonationForm, too_many: TooMany) -> Response {
        let seconds = too_many.retry_after_seconds();
        let form_state = FormState {
            form,
            problem: Some(FormProblem::TooMany {
                minutes: seconds.div_ceil(60),
            }),
            ..FormState::default()
        };
        let mut response = self.with(StatusCode::TOO_MANY_REQUESTS, form_state).await;
        if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

#[derive(Debug, Deserialize)]
pub struct CheckoutForm {
    #[serde(default)]
    key: String,
}

/// `POST /{locale}/donations/{reference}/checkout`: the donor's "continue to secure payment"
/// from their gift's page (after cancelling at the checkout, or coming back later).
#[tracing::instrument(name = "continue_checkout_request", skip_all)]
pub async fn continue_checkout(
    State(state): State<AppState>,
    Path((locale_code, reference)): Path<(String, String)>,
    ClientAddress(address): ClientAddress,
    form: Result<Form<CheckoutForm>, FormRejection>,
) -> Result<Response, AppError> {
    let key = form.map(|Form(form)| form.key).unwrap_or_default();
    let locale = locale(&locale_code)?;
    let reference = params::reference(&reference)?;
    state
        .limits
        .check(Rule::CheckoutPerAddress, &address.to_string())
        .await?;
    let continued = state
        .donations
        .continue_payment(&reference, &key, locale)
        .await?;
    let page = |returned: Option<CheckoutReturn>,
                donation: &sharecare_domain::donation::Donation| {
        let (reference, key) = (&donation.reference, &donation.access_key);
        match returned {
            Some(returned) => {
                paths::gift_page_with_key_after_checkout(locale, reference, key, returned)
            }
            None => paths::gift_page_with_key(locale, reference, key),
        }
    };
    Ok(match continued {
        Continued::NotFound => return Err(AppError::NotFound),
        Continued::Settled(donation) => Redirect::to(&page(None, &donation)).into_response(),
        Continued::Started(started) => go_on(locale, &started),
        Continued::PaymentUnavailable(donation) => {
            Redirect::to(&page(Some(CheckoutReturn::Unavailable), &donation)).into_response()
        }
    })
}

#[derive(Debug, Deserialize)]
pub struct GiftPageQuery {
    #[serde(default)]
    pub key: String,
    /// Set on the addresses the hosted checkout sends the donor back to.
    #[serde(default)]
    checkout: String,
}

/// How long a donor's browser keeps the key to their gift's page.
const GIFT_KEY_MAX_AGE_SECONDS: u32 = 90 * 24 * 3600;

/// `GET /{locale}/donations/{reference}`: the donor's own page. The first visit comes with
/// `?key=...` (from the form's redirect, an email or the checkout's return): the key then moves
/// into a cookie scoped to this gift's addresses and the donor is sent to the address without
/// it, so no proxy or log ever sees it again. Without the right key it is a plain 404, the
/// same as for a reference that does not exist.
pub async fn gift_page(
    state: State<AppState>,
    path: Path<(String, String)>,
    query: Result<Query<GiftPageQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let mut response = render_gift_page(state, path, query, headers)
        .await
        .into_response();
    donors_own_page(&mut response);
    response
}

async fn render_gift_page(
    State(state): State<AppState>,
    Path((locale_code, reference)): Path<(String, String)>,
    query: Result<Query<GiftPageQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (key_in_address, checkout) = query
        .map(|Query(query)| (query.key, query.checkout))
        .unwrap_or_default();
    let key = if key_in_address.is_empty() {
        cookies::read(&headers, cookies::GIFT_KEY)
            .unwrap_or_default()
            .to_string()
    } else {
        key_in_address.clone()
    };
    let found = find_gift(&state, &locale_code, &reference, &key).await?;
    let returned = CheckoutReturn::parse(&checkout);
    Ok(match found {
        Some((locale, donation)) if !key_in_address.is_empty() => {
            let target = match returned {
                Some(returned) => {
                    paths::gift_page_after_checkout(locale, &donation.reference, returned)
                }
                None => paths::gift_page(locale, &donation.reference),
            };
            let mut response = Redirect::to(&target).into_response();
            for path in paths::gift_cookie_paths(&donation.reference) {
                cookies::set_on_path(
                    &mut response,
                    cookies::GIFT_KEY,
                    &donation.access_key,
                    &path,
                    GIFT_KEY_MAX_AGE_SECONDS,
                    state.site.is_https(),
                );
            }
            response
        }
        Some((locale, donation)) => {
            render(&state, move || {
                view! { <GiftPage locale donation=donation.clone() returned/> }
            })
            .await
        }
        None => return Err(AppError::NotFound),
    })
}

/// The gift behind a donor's address, with its language, when the address reads and `key` is
/// the gift's; `None` for anything else (the same 404 for a wrong key as for no gift).
async fn find_gift(
    state: &AppState,
    locale_code: &str,
    reference: &str,
    key: &str,
) -> Result<Option<(Locale, sharecare_domain::donation::Donation)>, sharecare_db::DbError> {
    let (Some(locale), Some(reference)) =
        (Locale::from_code(locale_code), Reference::parse(reference))
    else {
        return Ok(None);
    };
    let donation = state.donations.find_for_donor(&reference, key).await?;
    Ok(donation.map(|donation| (locale, donation)))
}

/// `GET /{locale}/donations/{reference}/fps-qr.png`: the transfer's FPS QR code as a PNG to
/// save, for a donor paying from the phone that shows it (banking apps' FPS scanners open a
/// saved image). The gift's key cookie (sent to this address under the gift's page) is needed,
/// as for the page itself; without it, a plain 404.
pub async fn fps_qr(
    state: State<AppState>,
    path: Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let mut response = fps_qr_png(state, path, headers).await.into_response();
    donors_own_page(&mut response);
    response
}

async fn fps_qr_png(
    State(state): State<AppState>,
    Path((locale_code, reference)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let key = cookies::read(&headers, cookies::GIFT_KEY).unwrap_or_default();
    let donation = match find_gift(&state, &locale_code, &reference, key).await? {
        // Only a transfer still waiting for its money has a code to pay.
        Some((_, donation)) if donation.status.awaits_payment() => donation,
        _ => return Err(AppError::NotFound),
    };
    let payload = sharecare_services::payment::fps::gift_payload(&state.content, &donation);
    let png = sharecare_services::qr::qr_png(&payload).ok_or(AppError::NotFound)?;
    let disposition = format!(
        "attachment; filename=\"fps-{}.png\"",
        donation.reference.as_str()
    );
    let mut response = (
        [(header::CONTENT_TYPE, HeaderValue::from_static("image/png"))],
        png,
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

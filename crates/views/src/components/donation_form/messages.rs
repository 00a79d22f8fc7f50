//! What the form says when something is wrong: one message per problem in the reader's
//! language (also handed to the browser, hidden, for the island's instant checks) and the
//! summary at the top of a form that came back.

use leptos::prelude::*;

use sharecare_content::i18n::{fill, Messages};
use sharecare_content::Content;
use sharecare_domain::donor::{EmailError, NameError};
use sharecare_domain::form::{FieldError, Problem};
use sharecare_domain::money::{AmountError, AmountLimits};
use sharecare_domain::tribute::MessageError;

use super::FormProblem;

/// The message for a problem, in the reader's language, with the content's limits filled in.
pub fn problem_message(m: &Messages, problem: Problem, content: &Content) -> String {
    let AmountLimits {
        min_minor,
        max_minor,
    } = content.amount_limits();
    let (min, max) = (
        content.money(min_minor).to_string(),
        content.money(max_minor).to_string(),
    );
    let template = match problem {
        Problem::FrequencyUnknown => m.error_frequency,
        Problem::Amount(AmountError::Missing) => m.error_amount_missing,
        Problem::Amount(AmountError::NotANumber) => m.error_amount_not_a_number,
        Problem::Amount(AmountError::TooPrecise) => m.error_amount_too_precise,
        Problem::Amount(AmountError::BelowMinimum) => m.error_amount_below_minimum,
        Problem::Amount(AmountError::AboveMaximum) => m.error_amount_above_maximum,
        Problem::CurrencyUnknown => m.error_currency,
        Problem::Email(EmailError::Missing) => m.error_email_missing,
        Problem::Email(EmailError::TooLong) => m.error_email_too_long,
        Problem::Email(EmailError::Invalid) => m.error_email_invalid,
        Problem::Name(NameError::TooLong)
        | Problem::ReceiptName(NameError::TooLong)
        | Problem::HonoreeName(NameError::TooLong)
        | Problem::NotifyName(NameError::TooLong)
        | Problem::CompanyName(NameError::TooLong) => m.error_name_too_long,
        Problem::Name(NameError::Invalid | NameError::Missing)
        | Problem::ReceiptName(NameError::Invalid)
        | Problem::HonoreeName(NameError::Invalid)
        | Problem::NotifyName(NameError::Invalid)
        | Problem::CompanyName(NameError::Invalid) => m.error_name_invalid,
        Problem::TributeUnknown => m.error_tribute,
        Problem::HonoreeName(NameError::Missing) => m.error_honoree_name_missing,
        Problem::TributeMessage(MessageError::TooLong) => m.error_tribute_message_too_long,
        Problem::TributeMessage(MessageError::Invalid) => m.error_tribute_message_invalid,
        Problem::NotifyName(NameError::Missing) => m.error_notify_name_missing,
        Problem::NotifyEmail(EmailError::Missing) => m.error_notify_email_missing,
        Problem::NotifyEmail(EmailError::TooLong) => m.error_email_too_long,
        Problem::NotifyEmail(EmailError::Invalid) => m.error_notify_email_invalid,
        Problem::CompanyName(NameError::Missing) => m.error_company_name_missing,
        Problem::CompanyRegistrationInvalid => m.error_company_registration,
        Problem::NameNeededForReceipt => m.error_name_needed_for_receipt,
        Problem::ReceiptUnknown => m.error_receipt,
        Problem::ReceiptName(NameError::Missing) => m.error_receipt_name_missing,
        Problem::PaymentMethodUnknown => m.error_payment_method,
        Problem::PaymentMethodUnavailable => m.error_payment_method_unavailable,
        Problem::TokenMissing => m.error_token,
    };
    fill(template, &[("min", &min), ("max", &max)])
}

/// Every message the browser may need, keyed by problem code (see the island), hidden.
#[component]
pub fn HiddenMessages(m: &'static Messages, content: std::sync::Arc<Content>) -> impl IntoView {
    let messages = Problem::ALL
        .iter()
        .map(|problem| {
            view! { <span data-code=problem.code()>{problem_message(m, *problem, &content)}</span> }
        })
        .collect_view();
    view! { <div class="form-messages" hidden>{messages}</div> }
}

/// Why the form came back, at its top: every field's problem as a link to the field, or that
/// the gift could not be taken just now and may simply be sent again.
#[component]
pub fn ErrorSummary(
    m: &'static Messages,
    content: std::sync::Arc<Content>,
    errors: Vec<FieldError>,
    problem: Option<FormProblem>,
) -> impl IntoView {
    if errors.is_empty() && problem.is_none() {
        return None;
    }
    let heading = match problem {
        Some(FormProblem::CheckoutFailed) => m.form_checkout_failed.to_string(),
        Some(FormProblem::Unavailable) => m.form_unavailable.to_string(),
        Some(FormProblem::TooMany { minutes }) => {
            fill(m.form_too_many, &[("minutes", &minutes.to_string())])
        }
        Some(FormProblem::Refused) => m.form_refused.to_string(),
        Some(FormProblem::CheckAgain) => m.form_check_again.to_string(),
        Some(FormProblem::TokenUsed) => m.form_token_used.to_string(),
        None => fill(
            m.form_error_summary,
            &[("count", &errors.len().to_string())],
        ),
    };
    let items = errors
        .iter()
        .map(|error| {
            let message = problem_message(m, error.problem, &content);
            view! { <li><a href=format!("#{}", error.field.input().id)>{message}</a></li> }
        })
        .collect_view();
    Some(view! {
        <div class="form-summary" role="alert" tabindex="-1" id="donate-summary">
            <h2>{heading}</h2>
            <ul>{items}</ul>
        </div>
    })
}

//! What can be wrong with the donation form: the field a problem is about and the problem,
//! each with a stable code that the server and the browser both look messages up by.

use super::super::donor::{EmailError, NameError};
use super::super::money::AmountError;
use super::super::tribute::MessageError;

/// A part of the form a problem can be about; [`Field::input`] says where it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Frequency,
    Amount,
    Currency,
    Email,
    Name,
    Receipt,
    ReceiptName,
    PaymentMethod,
    Token,
    Tribute,
    HonoreeName,
    TributeMessage,
    NotifyName,
    NotifyEmail,
    CompanyName,
    CompanyRegistration,
}

/// What is wrong with a field. Each has a stable code; the server turns codes into messages
/// in the reader's language, and the browser looks the same codes up in the form's markup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Problem {
    FrequencyUnknown,
    Amount(AmountError),
    CurrencyUnknown,
    Email(EmailError),
    Name(NameError),
    NameNeededForReceipt,
    ReceiptUnknown,
    ReceiptName(NameError),
    PaymentMethodUnknown,
    /// Card payment was chosen on a site (or at a moment) without a card provider.
    PaymentMethodUnavailable,
    TokenMissing,
    TributeUnknown,
    HonoreeName(NameError),
    TributeMessage(MessageError),
    NotifyName(NameError),
    NotifyEmail(EmailError),
    CompanyName(NameError),
    CompanyRegistrationInvalid,
}

impl Problem {
    pub const ALL: [Problem; 37] = [
        Problem::FrequencyUnknown,
        Problem::Amount(AmountError::Missing),
        Problem::Amount(AmountError::NotANumber),
        Problem::Amount(AmountError::TooPrecise),
        Problem::Amount(AmountError::BelowMinimum),
        Problem::Amount(AmountError::AboveMaximum),
        Problem::CurrencyUnknown,
        Problem::Email(EmailError::Missing),
        Problem::Email(EmailError::TooLong),
        Problem::Email(EmailError::Invalid),
        Problem::Name(NameError::TooLong),
        Problem::Name(NameError::Invalid),
        Problem::Name(NameError::Missing),
        Problem::NameNeededForReceipt,
        Problem::ReceiptUnknown,
        Problem::ReceiptName(NameError::Missing),
        Problem::ReceiptName(NameError::TooLong),
        Problem::ReceiptName(NameError::Invalid),
        Problem::PaymentMethodUnknown,
        Problem::PaymentMethodUnavailable,
        Problem::TokenMissing,
        Problem::TributeUnknown,
        Problem::HonoreeName(NameError::Missing),
        Problem::HonoreeName(NameError::TooLong),
        Problem::HonoreeName(NameError::Invalid),
        Problem::TributeMessage(MessageError::TooLong),
        Problem::TributeMessage(MessageError::Invalid),
        Problem::NotifyName(NameError::Missing),
        Problem::NotifyName(NameError::TooLong),
        Problem::NotifyName(NameError::Invalid),
        Problem::NotifyEmail(EmailError::Missing),
        Problem::NotifyEmail(EmailError::TooLong),
        Problem::NotifyEmail(EmailError::Invalid),
        Problem::CompanyName(NameError::Missing),
        Problem::CompanyName(NameError::TooLong),
        Problem::CompanyName(NameError::Invalid),
        Problem::CompanyRegistrationInvalid,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Problem::FrequencyUnknown => "frequency-unknown",
            Problem::Amount(AmountError::Missing) => "amount-missing",
            Problem::Amount(AmountError::NotANumber) => "amount-not-a-number",
            Problem::Amount(AmountError::TooPrecise) => "amount-too-precise",
            Problem::Amount(AmountError::BelowMinimum) => "amount-below-minimum",
            Problem::Amount(AmountError::AboveMaximum) => "amount-above-maximum",
            Problem::CurrencyUnknown => "currency-unknown",
            Problem::Email(EmailError::Missing) => "email-missing",
            Problem::Email(EmailError::TooLong) => "email-too-long",
            Problem::Email(EmailError::Invalid) => "email-invalid",
            Problem::Name(NameError::TooLong) => "name-too-long",
            Problem::Name(NameError::Invalid | NameError::Missing) => "name-invalid",
            Problem::NameNeededForReceipt => "name-needed-for-receipt",
            Problem::ReceiptUnknown => "receipt-unknown",
            Problem::ReceiptName(NameError::Missing) => "receipt-name-missing",
            Problem::ReceiptName(NameError::TooLong) => "receipt-name-too-long",
            Problem::ReceiptName(NameError::Invalid) => "receipt-name-invalid",
            Problem::PaymentMethodUnknown => "payment-method-unknown",
            Problem::PaymentMethodUnavailable => "payment-method-unavailable",
            Problem::TokenMissing => "token-missing",
            Problem::TributeUnknown => "tribute-unknown",
            Problem::HonoreeName(NameError::Missing) => "honoree-name-missing",
            Problem::HonoreeName(NameError::TooLong) => "honoree-name-too-long",
            Problem::HonoreeName(NameError::Invalid) => "honoree-name-invalid",
            Problem::TributeMessage(MessageError::TooLong) => "tribute-message-too-long",
            Problem::TributeMessage(MessageError::Invalid) => "tribute-message-invalid",
            Problem::NotifyName(NameError::Missing) => "notify-name-missing",
            Problem::NotifyName(NameError::TooLong) => "notify-name-too-long",
            Problem::NotifyName(NameError::Invalid) => "notify-name-invalid",
            Problem::NotifyEmail(EmailError::Missing) => "notify-email-missing",
            Problem::NotifyEmail(EmailError::TooLong) => "notify-email-too-long",
            Problem::NotifyEmail(EmailError::Invalid) => "notify-email-invalid",
            Problem::CompanyName(NameError::Missing) => "company-name-missing",
            Problem::CompanyName(NameError::TooLong) => "company-name-too-long",
            Problem::CompanyName(NameError::Invalid) => "company-name-invalid",
            Problem::CompanyRegistrationInvalid => "company-registration-invalid",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldError {
    pub field: Field,
    pub problem: Problem,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_codes_are_distinct_enough_for_messages() {
        let mut codes: Vec<_> = Problem::ALL.iter().map(|p| p.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        // Name(Missing) shares "name-invalid": the optional donor name is never "missing".
        assert_eq!(codes.len(), Problem::ALL.len() - 1);
    }
}

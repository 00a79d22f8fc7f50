//! The donation form: the raw fields as submitted, the checks, and the request they parse into.
//!
//! The same parsing runs in the browser (instant feedback in the donation widget) and on the
//! server (the truth). Every field is parsed into a type that cannot hold a bad value, so code
//! past [`DonationForm::parse`] never re-checks anything.

use serde::{Deserialize, Serialize};

use super::donation::{Frequency, PaymentMethod};
use super::donor::{Email, EmailError, NameError, PersonName, Receipt};
use super::identifiers::{FormToken, ReferralCode};
use super::money::{parse_amount, AmountError, AmountLimits, Currency, Money};

/// The donation form exactly as submitted: every field text, every field optional, so that no
/// input, however odd, is rejected before it can be answered with a helpful message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DonationForm {
    pub frequency: String,
    /// A preset amount in major units ("300"), or [`DonationForm::OTHER_AMOUNT`].
    pub amount: String,
    pub custom_amount: String,
    pub currency: String,
    pub email: String,
    pub name: String,
    pub receipt: String,
    pub receipt_name: String,
    /// Present ("yes") only when the box is ticked, as browsers send checkboxes.
    pub marketing: Option<String>,
    pub token: String,
    pub referral: String,
    /// `card` or `offline`; empty means offline, which every site offers.
    pub payment_method: String,
    /// When the server showed the form, signed (see `server::form_guard`): a form sent back
    /// sooner than a person could fill it is refused. Not part of the gift.
    pub shown: String,
    /// A field people never see and programs fill in (a honeypot). Not part of the gift.
    pub homepage: String,
}

/// A form field, as named in the HTML form.
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
}

impl Field {
    pub fn name(self) -> &'static str {
        match self {
            Field::Frequency => "frequency",
            Field::Amount => "amount",
            Field::Currency => "currency",
            Field::Email => "email",
            Field::Name => "name",
            Field::Receipt => "receipt",
            Field::ReceiptName => "receipt_name",
            Field::PaymentMethod => "payment_method",
            Field::Token => "token",
        }
    }
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
}

impl Problem {
    pub const ALL: [Problem; 21] = [
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
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldError {
    pub field: Field,
    pub problem: Problem,
}

/// What the site accepts: its one currency and the smallest and largest gift (content), and
/// whether card payments are on (configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GivingRules {
    pub currency: Currency,
    pub limits: AmountLimits,
    pub card_payments: bool,
}

/// A gift that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DonationRequest {
    pub amount: Money,
    pub frequency: Frequency,
    pub email: Email,
    pub name: Option<PersonName>,
    pub receipt: Receipt,
    pub marketing_opt_in: bool,
    pub token: FormToken,
    pub referral: Option<ReferralCode>,
    pub payment_method: PaymentMethod,
}

impl DonationForm {
    /// The `amount` value of the "other amount" choice.
    pub const OTHER_AMOUNT: &'static str = "other";

    /// Parses every field and reports every problem at once, in form order.
    pub fn parse(&self, rules: GivingRules) -> Result<DonationRequest, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut fail = |field, problem| errors.push(FieldError { field, problem });

        let frequency = Frequency::parse(&self.frequency);
        if frequency.is_none() {
            fail(Field::Frequency, Problem::FrequencyUnknown);
        }
        // An empty currency means the form's default; anything else must be the site's own.
        let currency_ok = self.currency.trim().is_empty()
            || Currency::from_code(&self.currency) == Some(rules.currency);
        if !currency_ok {
            fail(Field::Currency, Problem::CurrencyUnknown);
        }
        let amount = parse_amount(self.amount_text(), rules.currency, rules.limits)
            .map_err(|error| fail(Field::Amount, Problem::Amount(error)))
            .ok();
        let email = Email::parse(&self.email)
            .map_err(|error| fail(Field::Email, Problem::Email(error)))
            .ok();
        let name = PersonName::parse_optional(&self.name)
            .map_err(|error| fail(Field::Name, Problem::Name(error)))
            .ok();
        let receipt = match self.receipt.trim() {
            Receipt::OWN_NAME => match &name {
                Some(Some(_)) => Some(Receipt::InDonorName),
                Some(None) => {
                    fail(Field::Name, Problem::NameNeededForReceipt);
                    None
                }
                None => None,
            },
            Receipt::OTHER_NAME => PersonName::parse(&self.receipt_name)
                .map(Receipt::InOtherName)
                .map_err(|error| fail(Field::ReceiptName, Problem::ReceiptName(error)))
                .ok(),
            Receipt::NONE => Some(Receipt::NoReceipt),
            _ => {
                fail(Field::Receipt, Problem::ReceiptUnknown);
                None
            }
        };
        let payment_method = match self.payment_method.trim() {
            "" => Some(PaymentMethod::Offline),
            code => match PaymentMethod::parse(code) {
                Some(PaymentMethod::Card) if !rules.card_payments => {
                    fail(Field::PaymentMethod, Problem::PaymentMethodUnavailable);
                    None
                }
                Some(method) => Some(method),
                None => {
                    fail(Field::PaymentMethod, Problem::PaymentMethodUnknown);
                    None
                }
            },
        };
        let token = FormToken::parse(&self.token);
        if token.is_none() {
            fail(Field::Token, Problem::TokenMissing);
        }

        match (
            frequency,
            amount,
            email,
            name,
            receipt,
            token,
            payment_method,
        ) {
            (
                Some(frequency),
                Some(amount),
                Some(email),
                Some(name),
                Some(receipt),
                Some(token),
                Some(payment_method),
            ) if errors.is_empty() => Ok(DonationRequest {
                amount,
                frequency,
                email,
                name,
                receipt,
                marketing_opt_in: self.marketing.is_some(),
                token,
                referral: ReferralCode::parse(&self.referral),
                payment_method,
            }),
            _ => Err(errors),
        }
    }

    /// The amount the donor chose: the preset, or what they typed for "other".
    pub fn amount_text(&self) -> &str {
        if self.amount.trim() == Self::OTHER_AMOUNT {
            &self.custom_amount
        } else {
            &self.amount
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const RULES: GivingRules = GivingRules {
        currency: Currency::Hkd,
        limits: AmountLimits {
            min_minor: 5_000,
            max_minor: 10_000_000,
        },
        card_payments: false,
    };

    fn valid_form() -> DonationForm {
        DonationForm {
            frequency: "monthly".into(),
            amount: "300".into(),
            currency: "HKD".into(),
            email: "mei@example.org".into(),
            name: "Chan Tai Man".into(),
            receipt: "own_name".into(),
            token: "0123456789abcdef0123456789abcdef.fedcba9876543210fedcba9876543210".into(),
            ..DonationForm::default()
        }
    }

    fn problems(form: &DonationForm) -> Vec<(Field, Problem)> {
        form.parse(RULES)
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.problem))
            .collect()
    }
    #[test]
    fn a_complete_form_parses() {
        let request = valid_form().parse(RULES).unwrap();
        assert_eq!(request.amount, Money::new(30_000, Currency::Hkd));
        assert_eq!(request.frequency, Frequency::Monthly);
        assert_eq!(request.receipt, Receipt::InDonorName);
        assert!(!request.marketing_opt_in, "consent is never assumed");
        assert_eq!(request.referral, None);
    }

    #[test]
    fn other_amount_uses_the_typed_amount() {
        let form = DonationForm {
            amount: "other".into(),
            custom_amount: "1,250.50".into(),
            ..valid_form()
        };
        assert_eq!(form.parse(RULES).unwrap().amount.minor, 125_050);
    }

    #[test]
    fn every_problem_is_reported_against_its_field() {
        let form = DonationForm {
            frequency: "weekly".into(),
            amount: "other".into(),
            custom_amount: "lots".into(),
            currency: "USD".into(),
            email: "not-an-email".into(),
            name: "x".repeat(101),
            receipt: "maybe".into(),
            token: String::new(),
            ..DonationForm::default()
        };
        assert_eq!(
            problems(&form),
            vec![
                (Field::Frequency, Problem::FrequencyUnknown),
                (Field::Currency, Problem::CurrencyUnknown),
                (Field::Amount, Problem::Amount(AmountError::NotANumber)),
                (Field::Email, Problem::Email(EmailError::Invalid)),
                (Field::Name, Problem::Name(NameError::TooLong)),
                (Field::Receipt, Problem::ReceiptUnknown),
                (Field::Token, Problem::TokenMissing),
            ]
        );
    }

    #[test]
    fn card_payment_is_accepted_only_where_a_card_provider_is_on() {
        let card = DonationForm {
            payment_method: "card".into(),
            ..valid_form()
        };
        assert_eq!(
            problems(&card),
            vec![(Field::PaymentMethod, Problem::PaymentMethodUnavailable)]
        );
        let with_cards = GivingRules {
            card_payments: true,
            ..RULES
        };
        assert_eq!(
            card.parse(with_cards).unwrap().payment_method,
            PaymentMethod::Card
        );
        // An older form without the choice means a transfer, which every site offers.
        assert_eq!(
            valid_form().parse(with_cards).unwrap().payment_method,
            PaymentMethod::Offline
        );
        let unknown = DonationForm {
            payment_method: "bitcoin".into(),
            ..valid_form()
        };
        assert_eq!(
            problems(&unknown),
            vec![(Field::PaymentMethod, Problem::PaymentMethodUnknown)]
        );
    }

    #[test]
    fn receipts_need_the_name_they_are_made_out_to() {
        let own_without_name = DonationForm {
            name: " ".into(),
            ..valid_form()
        };
        assert_eq!(
            problems(&own_without_name),
            vec![(Field::Name, Problem::NameNeededForReceipt)]
        );
        let other_without_name = DonationForm {
            receipt: "other_name".into(),
            ..valid_form()
        };
        assert_eq!(
            problems(&other_without_name),
            vec![(Field::ReceiptName, Problem::ReceiptName(NameError::Missing))]
        );
        let other = DonationForm {
            receipt: "other_name".into(),
            receipt_name: "Lee Family Trust".into(),
            name: String::new(),
            ..valid_form()
        };
        assert_eq!(
            other.parse(RULES).unwrap().receipt,
            Receipt::InOtherName(PersonName::parse("Lee Family Trust").unwrap())
        );
        let none = DonationForm {
            receipt: "none".into(),
            name: String::new(),
            ..valid_form()
        };
        assert_eq!(none.parse(RULES).unwrap().receipt, Receipt::NoReceipt);
    }

    #[test]
    fn problem_codes_are_distinct_enough_for_messages() {
        let mut codes: Vec<_> = Problem::ALL.iter().map(|p| p.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        // Name(Missing) shares "name-invalid": the optional donor name is never "missing".
        assert_eq!(codes.len(), Problem::ALL.len() - 1);
    }

    proptest! {
        #[test]
        fn any_form_parses_or_fails_without_panicking(
            frequency in ".{0,20}", amount in ".{0,40}", custom in ".{0,40}",
            currency in ".{0,8}", email in ".{0,300}", name in ".{0,120}",
            receipt in ".{0,12}", receipt_name in ".{0,120}", token in ".{0,40}",
            referral in ".{0,40}", marketing in proptest::option::of(".{0,5}"),
            payment_method in ".{0,8}", card_payments: bool,
        ) {
            let form = DonationForm {
                frequency, amount, custom_amount: custom, currency, email, name, receipt,
                receipt_name, marketing, token, referral, payment_method,
                ..DonationForm::default()
            };
            match form.parse(GivingRules { card_payments, ..RULES }) {
                Ok(request) => {
                    prop_assert!(card_payments || request.payment_method == PaymentMethod::Offline);
                    prop_assert!(request.amount.minor >= RULES.limits.min_minor);
                    prop_assert!(request.amount.minor <= RULES.limits.max_minor);
                }
                Err(errors) => prop_assert!(!errors.is_empty()),
            }
        }

        #[test]
        fn accepted_amounts_round_trip(minor in 5_000u64..=10_000_000) {
            let money = Money::new(minor, Currency::Hkd);
            for text in [money.to_string(), money.plain_decimal()] {
                let parsed = parse_amount(&text, Currency::Hkd, RULES.limits);
                prop_assert_eq!(parsed, Ok(money), "{}", text);
            }
        }

        #[test]
        fn any_text_amount_never_panics(text in "\\PC{0,40}") {
            let _ = parse_amount(&text, Currency::Hkd, RULES.limits);
        }

    }
}

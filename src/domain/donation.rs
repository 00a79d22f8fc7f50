//! A gift as a donor offers it: the raw form, and the checked request it parses into.
//!
//! The same parsing runs in the browser (instant feedback in the donation widget) and on the
//! server (the truth). Every field is parsed into a type that cannot hold a bad value, so code
//! past [`DonationForm::parse`] never re-checks anything.

use serde::{Deserialize, Serialize};

use super::money::{parse_amount, AmountError, AmountLimits, Currency, Money};

/// Longest email address SMTP allows (RFC 5321: 254 octets in a path).
pub const EMAIL_MAX_BYTES: usize = 254;
/// Longest name we keep, in characters: enough for any real name, short enough for a receipt.
pub const NAME_MAX_CHARS: usize = 100;

/// One-off or monthly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Frequency {
    OneOff,
    Monthly,
}

impl Frequency {
    pub const ALL: [Frequency; 2] = [Frequency::OneOff, Frequency::Monthly];

    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::OneOff => "one_off",
            Frequency::Monthly => "monthly",
        }
    }

    pub fn parse(value: &str) -> Option<Frequency> {
        Frequency::ALL
            .into_iter()
            .find(|frequency| frequency.as_str() == value.trim())
    }
}

/// How the donor pays: an offline transfer (FPS or bank, confirmed by staff) or a hosted card
/// checkout (card, Alipay, WeChat Pay), which is offered only when the site has one configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentMethod {
    Offline,
    Card,
}

impl PaymentMethod {
    pub const ALL: [PaymentMethod; 2] = [PaymentMethod::Card, PaymentMethod::Offline];

    /// The stored and submitted code.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Offline => "offline",
            PaymentMethod::Card => "card",
        }
    }

    pub fn parse(value: &str) -> Option<PaymentMethod> {
        PaymentMethod::ALL
            .into_iter()
            .find(|method| method.as_str() == value.trim())
    }
}

/// An email address we can send a receipt to. Deliberately stricter than RFC 5322 (no quoted
/// local parts, no IP literals), which real donors never use and which mail systems mangle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmailError {
    Missing,
    TooLong,
    Invalid,
}

impl Email {
    pub fn parse(input: &str) -> Result<Email, EmailError> {
        let email = input.trim();
        if email.is_empty() {
            return Err(EmailError::Missing);
        }
        if email.len() > EMAIL_MAX_BYTES {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = email.split_once('@').ok_or(EmailError::Invalid)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && !"@<>()[]\\,;:\"".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c == '-' || c.is_alphanumeric())
            })
            && labels
                .last()
                .is_some_and(|tld| !tld.chars().all(|c| c.is_ascii_digit()));
        if local_ok && domain_ok {
            Ok(Email(email.to_string()))
        } else {
            Err(EmailError::Invalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form used to recognise the same donor twice: the domain part of an address is
    /// case-insensitive, and in practice so is the local part.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }
}

/// A person's name as they want it on a receipt: trimmed, not empty, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NameError {
    Missing,
    TooLong,
    Invalid,
}

impl PersonName {
    pub fn parse(input: &str) -> Result<PersonName, NameError> {
        let name = input.trim();
        if name.is_empty() {
            Err(NameError::Missing)
        } else if name.chars().count() > NAME_MAX_CHARS {
            Err(NameError::TooLong)
        } else if name.chars().any(char::is_control) {
            Err(NameError::Invalid)
        } else {
            Ok(PersonName(name.to_string()))
        }
    }

    /// An optional name: empty means none given.
    pub fn parse_optional(input: &str) -> Result<Option<PersonName>, NameError> {
        match PersonName::parse(input) {
            Ok(name) => Ok(Some(name)),
            Err(NameError::Missing) => Ok(None),
            Err(error) => Err(error),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What the donor asked for as a receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Receipt {
    InDonorName,
    InOtherName(PersonName),
    NoReceipt,
}

impl Receipt {
    /// The stored code: `own_name`, `other_name` or `none`.
    pub fn code(&self) -> &'static str {
        match self {
            Receipt::InDonorName => "own_name",
            Receipt::InOtherName(_) => "other_name",
            Receipt::NoReceipt => "none",
        }
    }
}

/// The idempotency token the server puts in every donation form. Submitting the same token
/// again returns the donation it already made instead of making another.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FormToken(String);

impl FormToken {
    pub const LENGTH: usize = 32;

    /// 32 lowercase hex digits (128 random bits, see `server::donations`).
    pub fn parse(input: &str) -> Option<FormToken> {
        let token = input.trim();
        (token.len() == Self::LENGTH
            && token
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        .then(|| FormToken(token.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A supporter's personal share code (see the sharing issue): letters, digits and dashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralCode(String);

impl ReferralCode {
    /// Length of the codes the server issues.
    pub const ISSUED_LENGTH: usize = 10;

    /// A new code from random bytes (the server supplies them): 10 characters from the
    /// reference alphabet, about 10^15 possibilities, so one code says nothing about another.
    pub fn from_random(bytes: [u8; Self::ISSUED_LENGTH]) -> ReferralCode {
        ReferralCode(
            bytes
                .iter()
                .map(|b| {
                    char::from(Reference::ALPHABET[usize::from(*b) % Reference::ALPHABET.len()])
                })
                .collect(),
        )
    }

    pub fn parse(input: &str) -> Option<ReferralCode> {
        let code = input.trim();
        ((4..=32).contains(&code.len())
            && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .then(|| ReferralCode(code.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

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
            "own_name" => match &name {
                Some(Some(_)) => Some(Receipt::InDonorName),
                Some(None) => {
                    fail(Field::Name, Problem::NameNeededForReceipt);
                    None
                }
                None => None,
            },
            "other_name" => PersonName::parse(&self.receipt_name)
                .map(Receipt::InOtherName)
                .map_err(|error| fail(Field::ReceiptName, Problem::ReceiptName(error)))
                .ok(),
            "none" => Some(Receipt::NoReceipt),
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

/// Where a donation is in its life. Moves only forward: see [`DonationStatus::mark_paid`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DonationStatus {
    Pending,
    Paid,
    Failed,
    Expired,
    Cancelled,
}

/// Why a donation cannot be marked paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusError {
    /// Failed and cancelled gifts are closed; a payment for one needs a new donation.
    Closed(DonationStatus),
}

/// The result of an allowed transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Changed,
    /// Already in the target state: confirming twice is harmless.
    Unchanged,
}

impl DonationStatus {
    pub const ALL: [DonationStatus; 5] = [
        DonationStatus::Pending,
        DonationStatus::Paid,
        DonationStatus::Failed,
        DonationStatus::Expired,
        DonationStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DonationStatus::Pending => "pending",
            DonationStatus::Paid => "paid",
            DonationStatus::Failed => "failed",
            DonationStatus::Expired => "expired",
            DonationStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(value: &str) -> Option<DonationStatus> {
        DonationStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == value)
    }

    /// Staff confirm an offline gift when the money arrives. A pending gift becomes paid; so
    /// does an expired one, because bank transfers can arrive late and the money is real.
    pub fn mark_paid(self) -> Result<Transition, StatusError> {
        match self {
            DonationStatus::Pending | DonationStatus::Expired => Ok(Transition::Changed),
            DonationStatus::Paid => Ok(Transition::Unchanged),
            DonationStatus::Failed | DonationStatus::Cancelled => Err(StatusError::Closed(self)),
        }
    }

    /// The statuses from which [`DonationStatus::mark_paid`] changes anything.
    pub fn payable() -> impl Iterator<Item = DonationStatus> {
        DonationStatus::ALL
            .into_iter()
            .filter(|status| status.mark_paid() == Ok(Transition::Changed))
    }
}

/// A donation's public reference, e.g. `LBC-7K3Q9X`: short enough to read out on the phone and
/// type into a bank app, from an alphabet without look-alikes (no 0/O, 1/I/L).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference(String);

impl Reference {
    pub const PREFIX: &'static str = "LBC-";
    pub const ALPHABET: &'static [u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    pub const CODE_LENGTH: usize = 6;

    /// Builds a reference from random bytes (the server supplies them).
    pub fn from_random(bytes: [u8; Self::CODE_LENGTH]) -> Reference {
        let code: String = bytes
            .iter()
            .map(|b| char::from(Self::ALPHABET[usize::from(*b) % Self::ALPHABET.len()]))
            .collect();
        Reference(format!("{}{code}", Self::PREFIX))
    }

    /// Reads a reference as a person might type it: any case, spaces around, dash optional.
    pub fn parse(input: &str) -> Option<Reference> {
        let upper = input.trim().to_ascii_uppercase();
        let code = upper
            .strip_prefix(Self::PREFIX)
            .or_else(|| upper.strip_prefix(&Self::PREFIX[..Self::PREFIX.len() - 1]))?;
        (code.len() == Self::CODE_LENGTH && code.bytes().all(|b| Self::ALPHABET.contains(&b)))
            .then(|| Reference(format!("{}{code}", Self::PREFIX)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
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
            token: "0123456789abcdef0123456789abcdef".into(),
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
    fn emails_are_checked_for_shape_and_length() {
        for good in ["a@b.co", "mei.chan+gift@example.org.hk", "小明@例子.中国"] {
            assert!(Email::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "plain",
            "@example.org",
            "a@",
            "a@b",
            "a@@b.org",
            "a b@c.org",
            "a@-b.org",
            "a..b@c.org",
            ".a@c.org",
            "a@c.123",
            "a@c..org",
            "<a@c.org>",
        ] {
            assert_eq!(Email::parse(bad), Err(EmailError::Invalid), "{bad}");
        }
        assert_eq!(Email::parse("  "), Err(EmailError::Missing));
        let long = format!("{}@example.org", "a".repeat(250));
        assert_eq!(Email::parse(&long), Err(EmailError::TooLong));
    }

    #[test]
    fn references_are_unambiguous_and_read_back_leniently() {
        let reference = Reference::from_random([0, 1, 30, 31, 200, 255]);
        assert_eq!(reference.as_str().len(), 10);
        assert!(reference.as_str().starts_with("LBC-"));
        for ambiguous in ['0', 'O', '1', 'I', 'L'] {
            assert!(!reference.as_str()[4..].contains(ambiguous));
        }
        assert_eq!(
            Reference::parse(" lbc-7k3q9x "),
            Reference::parse("LBC-7K3Q9X")
        );
        assert_eq!(
            Reference::parse("LBC7K3Q9X").unwrap().as_str(),
            "LBC-7K3Q9X"
        );
        assert_eq!(
            Reference::parse("LBC-7K3Q90"),
            None,
            "0 is not in the alphabet"
        );
        assert_eq!(Reference::parse("LBC-7K3Q9"), None);
        assert_eq!(Reference::parse("../etc/passwd"), None);
    }

    #[test]
    fn only_pending_or_expired_gifts_become_paid() {
        use DonationStatus::*;
        assert_eq!(Pending.mark_paid(), Ok(Transition::Changed));
        assert_eq!(Expired.mark_paid(), Ok(Transition::Changed));
        assert_eq!(Paid.mark_paid(), Ok(Transition::Unchanged));
        assert_eq!(Failed.mark_paid(), Err(StatusError::Closed(Failed)));
        assert_eq!(Cancelled.mark_paid(), Err(StatusError::Closed(Cancelled)));
        assert_eq!(
            DonationStatus::payable().collect::<Vec<_>>(),
            [Pending, Expired]
        );
        for status in DonationStatus::ALL {
            assert_eq!(DonationStatus::parse(status.as_str()), Some(status));
        }
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

        #[test]
        fn accepted_emails_round_trip(local in "[a-z0-9._+-]{1,30}", domain in "[a-z0-9]{1,20}", tld in "[a-z]{2,6}") {
            let text = format!("{local}@{domain}.{tld}");
            if let Ok(email) = Email::parse(&text) {
                prop_assert_eq!(Email::parse(email.as_str()), Ok(email.clone()));
                prop_assert_eq!(email.as_str(), text.as_str());
            }
        }

        #[test]
        fn any_text_email_never_panics(text in "\\PC{0,300}") {
            if let Ok(email) = Email::parse(&text) {
                prop_assert!(email.as_str().len() <= EMAIL_MAX_BYTES);
            }
        }

        #[test]
        fn accepted_names_round_trip(text in "\\PC{0,120}") {
            if let Ok(name) = PersonName::parse(&text) {
                prop_assert!(name.as_str().chars().count() <= NAME_MAX_CHARS);
                prop_assert_eq!(PersonName::parse(name.as_str()), Ok(name.clone()));
            }
        }

        #[test]
        fn references_round_trip(bytes in proptest::array::uniform6(any::<u8>())) {
            let reference = Reference::from_random(bytes);
            prop_assert_eq!(Reference::parse(reference.as_str()), Some(reference.clone()));
        }

        #[test]
        fn any_text_reference_or_token_never_panics(text in "\\PC{0,40}") {
            if let Some(reference) = Reference::parse(&text) {
                prop_assert_eq!(Reference::parse(reference.as_str()), Some(reference.clone()));
            }
            if let Some(token) = FormToken::parse(&text) {
                prop_assert_eq!(token.as_str().len(), FormToken::LENGTH);
            }
        }
    }
}

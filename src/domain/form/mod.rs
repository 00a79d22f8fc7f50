//! The donation form: the raw fields as submitted, the checks, and the request they parse into.
//!
//! The same parsing runs in the browser (instant feedback in the donation widget) and on the
//! server (the truth). Every field is parsed into a type that cannot hold a bad value, so code
//! past [`DonationForm::parse`] never re-checks anything.
//!
//! Its fields' names, element ids and limits are written once, in [`inputs`]; what can be
//! wrong with them, in `problem` ([`Field`], [`Problem`]).

pub mod inputs;
mod problem;

pub use problem::{Field, FieldError, Problem};

use serde::{Deserialize, Serialize};

use super::attribution::{Attribution, CampaignTag, PartnerCode, StorySlug};
use super::donation::{Frequency, PaymentMethod};
use super::donor::{BusinessRegistration, Email, PersonName, Receipt};
use super::fees::FeeRate;
use super::identifiers::{FormToken, ReferralCode};
use super::money::{parse_amount, AmountLimits, Currency, Money};
use super::tribute::{Tribute, TributeKind, TributeMessage, TributeNotice};

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
    /// Present when the donor ticks "cover the fee" (card gifts only).
    pub cover_fee: Option<String>,
    /// Empty, or a [`TributeKind`] code: the gift is in someone's honour or memory.
    pub tribute: String,
    pub honoree_name: String,
    pub tribute_message: String,
    /// Present when the donor wants someone told of the tribute by email.
    pub notify: Option<String>,
    pub notify_name: String,
    pub notify_email: String,
    /// Present when the notification may say the amount.
    pub notify_amount: Option<String>,
    /// For a receipt issued to a company (`receipt` = `company`).
    pub company_name: String,
    pub company_registration: String,
    /// Where the gift came from (see `domain::attribution`): never refused, only cleaned.
    pub partner: String,
    pub story: String,
    pub utm_source: String,
    pub utm_medium: String,
    pub utm_campaign: String,
}

/// What the site accepts: its one currency and the smallest and largest gift (content), and
/// whether card payments are on (configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GivingRules {
    pub currency: Currency,
    pub limits: AmountLimits,
    pub card_payments: bool,
    /// What the card provider charges, for "cover the fee" (content).
    pub card_fee: FeeRate,
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
    /// The processing fee the donor chose to add (zero if not, and always for transfers):
    /// charged on top of `amount`.
    pub fee: Money,
    pub tribute: Option<Tribute>,
    pub attribution: Attribution,
}

impl DonationRequest {
    /// What the donor is charged: the gift and any fee they cover.
    pub fn charged(&self) -> Money {
        Money::new(self.amount.minor + self.fee.minor, self.amount.currency)
    }
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
            Receipt::COMPANY => {
                let company = PersonName::parse(&self.company_name)
                    .map_err(|error| fail(Field::CompanyName, Problem::CompanyName(error)))
                    .ok();
                let registration = BusinessRegistration::parse_optional(&self.company_registration)
                    .map_err(|_| {
                        fail(
                            Field::CompanyRegistration,
                            Problem::CompanyRegistrationInvalid,
                        )
                    })
                    .ok();
                match (company, registration) {
                    (Some(company), Some(registration)) => Some(Receipt::InCompanyName {
                        company,
                        registration,
                    }),
                    _ => None,
                }
            }
            _ => {
                fail(Field::Receipt, Problem::ReceiptUnknown);
                None
            }
        };
        let tribute = self.tribute(&mut fail);
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
        // The fee exists only for card payments; a ticked box on a transfer adds nothing.
        let fee = match (amount, payment_method) {
            (Some(amount), Some(PaymentMethod::Card)) if self.cover_fee.is_some() => {
                rules.card_fee.cover(amount)
            }
            _ => Money::new(0, rules.currency),
        };

        match (
            frequency,
            amount,
            email,
            name,
            receipt,
            token,
            payment_method,
            tribute,
        ) {
            (
                Some(frequency),
                Some(amount),
                Some(email),
                Some(name),
                Some(receipt),
                Some(token),
                Some(payment_method),
                Some(tribute),
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
                fee,
                tribute,
                attribution: self.attribution(),
            }),
            _ => Err(errors),
        }
    }

    /// The tribute, if any: `Some(None)` for none, `None` when a field is wrong (reported
    /// through `fail`).
    fn tribute(&self, fail: &mut impl FnMut(Field, Problem)) -> Option<Option<Tribute>> {
        let kind = match self.tribute.trim() {
            "" => return Some(None),
            code => match TributeKind::parse(code) {
                Some(kind) => Some(kind),
                None => {
                    fail(Field::Tribute, Problem::TributeUnknown);
                    None
                }
            },
        };
        let honoree = PersonName::parse(&self.honoree_name)
            .map_err(|error| fail(Field::HonoreeName, Problem::HonoreeName(error)))
            .ok();
        let message = TributeMessage::parse_optional(&self.tribute_message)
            .map_err(|error| fail(Field::TributeMessage, Problem::TributeMessage(error)))
            .ok();
        let notify = if self.notify.is_some() {
            let name = PersonName::parse(&self.notify_name)
                .map_err(|error| fail(Field::NotifyName, Problem::NotifyName(error)))
                .ok();
            let email = Email::parse(&self.notify_email)
                .map_err(|error| fail(Field::NotifyEmail, Problem::NotifyEmail(error)))
                .ok();
            match (name, email) {
                (Some(name), Some(email)) => Some(Some(TributeNotice {
                    name,
                    email,
                    show_amount: self.notify_amount.is_some(),
                })),
                _ => None,
            }
        } else {
            Some(None)
        };
        Some(Some(Tribute {
            kind: kind?,
            honoree: honoree?,
            message: message?,
            notify: notify?,
        }))
    }

    /// Where the gift came from, cleaned (never a reason to refuse a gift).
    pub fn attribution(&self) -> Attribution {
        Attribution {
            source: CampaignTag::clean(&self.utm_source),
            medium: CampaignTag::clean(&self.utm_medium),
            campaign: CampaignTag::clean(&self.utm_campaign),
            partner: PartnerCode::parse(&self.partner),
            story: StorySlug::parse(&self.story),
        }
    }

    /// The fee "cover the fee" would add to the amount now chosen, if it parses: what the
    /// widget shows next to the box, from the same function the server charges with.
    pub fn fee_preview(&self, rules: GivingRules) -> Option<Money> {
        parse_amount(self.amount_text(), rules.currency, rules.limits)
            .ok()
            .map(|amount| rules.card_fee.cover(amount))
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
    use crate::domain::donor::{EmailError, NameError};
    use crate::domain::money::AmountError;
    use proptest::prelude::*;

    const RULES: GivingRules = GivingRules {
        currency: Currency::Hkd,
        limits: AmountLimits {
            min_minor: 5_000,
            max_minor: 10_000_000,
        },
        card_payments: false,
        card_fee: FeeRate {
            basis_points: 340,
            fixed_minor: 235,
        },
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
    fn the_fee_is_added_only_to_card_gifts_whose_donor_ticks_the_box() {
        let cards = GivingRules {
            card_payments: true,
            ..RULES
        };
        let card = DonationForm {
            payment_method: "card".into(),
            cover_fee: Some("yes".into()),
            ..valid_form()
        };
        let request = card.parse(cards).unwrap();
        assert_eq!(request.fee, RULES.card_fee.cover(request.amount));
        assert_eq!(request.charged().minor, 30_000 + 1_300);
        assert_eq!(card.fee_preview(cards), Some(request.fee));
        let unticked = DonationForm {
            cover_fee: None,
            ..card.clone()
        };
        assert_eq!(unticked.parse(cards).unwrap().fee.minor, 0);
        let transfer = DonationForm {
            payment_method: "offline".into(),
            ..card
        };
        assert_eq!(transfer.parse(cards).unwrap().fee.minor, 0);
    }

    #[test]
    fn a_tribute_needs_its_honoree_and_a_notice_its_address() {
        let tribute = DonationForm {
            tribute: "memory".into(),
            honoree_name: "Grandma Wong".into(),
            tribute_message: "She taught us all to read.".into(),
            notify: Some("yes".into()),
            notify_name: "Wong Siu Ming".into(),
            notify_email: "ming@example.org".into(),
            ..valid_form()
        };
        let parsed = tribute.parse(RULES).unwrap().tribute.unwrap();
        assert_eq!(parsed.kind, TributeKind::Memory);
        assert_eq!(parsed.honoree.as_str(), "Grandma Wong");
        let notice = parsed.notify.unwrap();
        assert_eq!(notice.email.as_str(), "ming@example.org");
        assert!(!notice.show_amount, "the amount is left out unless chosen");
        let bad = DonationForm {
            honoree_name: " ".into(),
            notify_email: "ming@".into(),
            notify_name: String::new(),
            ..tribute.clone()
        };
        assert_eq!(
            problems(&bad),
            vec![
                (Field::HonoreeName, Problem::HonoreeName(NameError::Missing)),
                (Field::NotifyName, Problem::NotifyName(NameError::Missing)),
                (
                    Field::NotifyEmail,
                    Problem::NotifyEmail(EmailError::Invalid)
                ),
            ]
        );
        // Without the box ticked, the notice's fields are not read at all.
        let quiet = DonationForm {
            notify: None,
            notify_email: "ming@".into(),
            ..tribute
        };
        assert_eq!(quiet.parse(RULES).unwrap().tribute.unwrap().notify, None);
        let unknown = DonationForm {
            tribute: "birthday".into(),
            ..valid_form()
        };
        assert_eq!(
            problems(&unknown),
            vec![
                (Field::Tribute, Problem::TributeUnknown),
                (Field::HonoreeName, Problem::HonoreeName(NameError::Missing)),
            ]
        );
    }

    #[test]
    fn a_company_receipt_names_the_company() {
        let company = DonationForm {
            receipt: "company".into(),
            company_name: "Harbour Lights Ltd".into(),
            company_registration: "12345678".into(),
            ..valid_form()
        };
        let receipt = company.parse(RULES).unwrap().receipt;
        assert_eq!(
            receipt.issued_to(None).unwrap().as_str(),
            "Harbour Lights Ltd"
        );
        let bad = DonationForm {
            company_name: String::new(),
            company_registration: "12-34".into(),
            ..company
        };
        assert_eq!(
            problems(&bad),
            vec![
                (Field::CompanyName, Problem::CompanyName(NameError::Missing)),
                (
                    Field::CompanyRegistration,
                    Problem::CompanyRegistrationInvalid
                ),
            ]
        );
    }

    #[test]
    fn hostile_attribution_is_cleaned_never_refused() {
        let form = DonationForm {
            utm_source: "<script>alert(1)</script>".repeat(20),
            utm_medium: "\u{0}\u{7}".into(),
            partner: "St-Marys".into(),
            story: "../../etc/passwd".into(),
            ..valid_form()
        };
        let attribution = form.parse(RULES).unwrap().attribution;
        assert_eq!(attribution.source.unwrap().as_str().chars().count(), 64);
        assert_eq!(attribution.partner.unwrap().as_str(), "st-marys");
        assert_eq!(attribution.story, None);
    }

    proptest! {
        #[test]
        fn any_form_parses_or_fails_without_panicking(
            frequency in ".{0,20}", amount in ".{0,40}", custom in ".{0,40}",
            currency in ".{0,8}", email in ".{0,300}", name in ".{0,120}",
            receipt in ".{0,12}", receipt_name in ".{0,120}", token in ".{0,40}",
            referral in ".{0,40}", marketing in proptest::option::of(".{0,5}"),
            payment_method in ".{0,8}", card_payments: bool,
            tribute in ".{0,8}", honoree_name in ".{0,120}", notify_email in ".{0,60}",
            company_name in ".{0,120}", utm_source in "\\PC{0,200}", cover_fee: bool,
        ) {
            let form = DonationForm {
                frequency, amount, custom_amount: custom, currency, email, name, receipt,
                receipt_name, marketing, token, referral, payment_method, tribute,
                honoree_name, notify_email, company_name, utm_source,
                cover_fee: cover_fee.then(|| "yes".to_string()),
                notify: Some("yes".into()),
                ..DonationForm::default()
            };
            match form.parse(GivingRules { card_payments, ..RULES }) {
                Ok(request) => {
                    prop_assert!(card_payments || request.payment_method == PaymentMethod::Offline);
                    prop_assert!(request.amount.minor >= RULES.limits.min_minor);
                    prop_assert!(request.amount.minor <= RULES.limits.max_minor);
                    prop_assert!(request.fee.minor == 0 || request.payment_method == PaymentMethod::Card);
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
        fn every_amount_shows_the_fee_it_is_charged(minor in 5_000u64..=10_000_000, preset in 0usize..4) {
            // The widget's figure (`fee_preview`) and the server's charge (`parse`) come from
            // the same function, for the presets and for any typed amount.
            let rules = GivingRules { card_payments: true, ..RULES };
            let presets = ["150", "300", "600", "1200"];
            for amount in [presets[preset].to_string(), Money::new(minor, Currency::Hkd).plain_decimal()] {
                let form = DonationForm {
                    amount: "other".into(),
                    custom_amount: amount.clone(),
                    payment_method: "card".into(),
                    cover_fee: Some("yes".into()),
                    ..valid_form()
                };
                let request = form.parse(rules).unwrap();
                prop_assert_eq!(form.fee_preview(rules), Some(request.fee), "{}", amount);
                prop_assert!(rules.card_fee.net_of(request.charged().minor) >= request.amount.minor);
            }
        }

        #[test]
        fn any_text_amount_never_panics(text in "\\PC{0,40}") {
            let _ = parse_amount(&text, Currency::Hkd, RULES.limits);
        }

    }
}

//! Every input of the donation form, written once: its form name, its element id, the ids of
//! its hint and error elements, and its longest value. The server's markup, its messages and
//! the `DonationEnhancer` island all read them from here, so the three cannot drift apart.
//!
//! Everything is a `const` of `&'static str`s: the island reads what it needs without
//! formatting or allocating anything.

use super::super::donor::{EMAIL_MAX_BYTES, NAME_MAX_CHARS};
use super::super::tribute::MESSAGE_MAX_CHARS;
use super::problem::Field;

/// One input of the donation form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Input {
    /// The `name` it is posted under: a field of [`DonationForm`](super::DonationForm).
    pub name: &'static str,
    /// The `id` a problem with it points to (the error summary's link, `aria-invalid`, the
    /// island's focus): the input's own; for a group of radio buttons, the first button's (the
    /// others add `-{value}`); for a hidden input, the control its problem is shown beside.
    pub id: &'static str,
    /// The element describing it, when it has a hint.
    pub hint_id: Option<&'static str>,
    /// The element that shows its problem, when it can have one.
    pub error_id: Option<&'static str>,
    /// Its `maxlength`: the limit its domain type enforces.
    pub max_length: Option<usize>,
}

impl Input {
    const fn new(name: &'static str, id: &'static str) -> Input {
        Input {
            name,
            id,
            hint_id: None,
            error_id: None,
            max_length: None,
        }
    }

    const fn hint(self, hint_id: &'static str) -> Input {
        Input {
            hint_id: Some(hint_id),
            ..self
        }
    }

    const fn error(self, error_id: &'static str) -> Input {
        Input {
            error_id: Some(error_id),
            ..self
        }
    }

    const fn max_length(self, max_length: usize) -> Input {
        Input {
            max_length: Some(max_length),
            ..self
        }
    }
}

/// The submit button, where a problem with the (hidden) token is shown.
pub const SUBMIT_ID: &str = "donate-submit";
/// The "other amount" choice among the amounts ([`AMOUNT`] with the value
/// [`DonationForm::OTHER_AMOUNT`](super::DonationForm::OTHER_AMOUNT)).
pub const OTHER_AMOUNT_ID: &str = "donate-amount-other";
/// The figure "cover the fee" would add, next to its box.
pub const FEE_FIGURE_ID: &str = "fee-figure";

/// The longest business registration number the box takes: the full certificate number
/// (`12345678-000-08-24-6`, 20 characters) with room for the spaces people type.
const REGISTRATION_MAX_CHARS: usize = 24;

pub const FREQUENCY: Input = Input::new("frequency", "donate-frequency").error("frequency-error");
/// The suggested amounts and "other amount" (radio buttons).
pub const AMOUNT: Input = Input::new("amount", "donate-amount")
    .hint("amount-hint")
    .error("amount-error");
/// The amount typed for "other amount". Every amount problem points here: a suggested amount
/// cannot be wrong, what was typed can.
pub const CUSTOM_AMOUNT: Input = Input {
    name: "custom_amount",
    id: "donate-custom-amount",
    ..AMOUNT
};
/// Hidden: a problem with it is shown with the amount's.
pub const CURRENCY: Input = Input {
    name: "currency",
    max_length: None,
    ..CUSTOM_AMOUNT
};
pub const EMAIL: Input = Input::new("email", "donate-email")
    .hint("email-hint")
    .error("email-error")
    .max_length(EMAIL_MAX_BYTES);
pub const NAME: Input = Input::new("name", "donate-name")
    .hint("name-hint")
    .error("name-error")
    .max_length(NAME_MAX_CHARS);
pub const RECEIPT: Input = Input::new("receipt", "donate-receipt")
    .hint("receipt-hint")
    .error("receipt-error");
pub const RECEIPT_NAME: Input = Input::new("receipt_name", "donate-receipt-name")
    .error("receipt-name-error")
    .max_length(NAME_MAX_CHARS);
pub const COMPANY_NAME: Input = Input::new("company_name", "donate-company-name")
    .error("company-name-error")
    .max_length(NAME_MAX_CHARS);
pub const COMPANY_REGISTRATION: Input =
    Input::new("company_registration", "donate-company-registration")
        .error("company-registration-error")
        .max_length(REGISTRATION_MAX_CHARS);
pub const TRIBUTE: Input = Input::new("tribute", "donate-tribute").error("tribute-error");
pub const HONOREE_NAME: Input = Input::new("honoree_name", "donate-honoree-name")
    .error("honoree-name-error")
    .max_length(NAME_MAX_CHARS);
pub const TRIBUTE_MESSAGE: Input = Input::new("tribute_message", "donate-tribute-message")
    .error("tribute-message-error")
    .max_length(MESSAGE_MAX_CHARS);
/// "Tell someone" (a checkbox).
pub const NOTIFY: Input = Input::new("notify", "donate-notify").hint("notify-hint");
pub const NOTIFY_NAME: Input = Input::new("notify_name", "donate-notify-name")
    .error("notify-name-error")
    .max_length(NAME_MAX_CHARS);
pub const NOTIFY_EMAIL: Input = Input::new("notify_email", "donate-notify-email")
    .error("notify-email-error")
    .max_length(EMAIL_MAX_BYTES);
/// "The notice may say the amount" (a checkbox).
pub const NOTIFY_AMOUNT: Input = Input::new("notify_amount", "donate-notify-amount");
pub const MARKETING: Input = Input::new("marketing", "donate-marketing");
/// "Cover the fee" (a checkbox, card gifts only).
pub const COVER_FEE: Input = Input::new("cover_fee", "donate-cover-fee").hint("cover-fee-hint");
pub const PAYMENT_METHOD: Input =
    Input::new("payment_method", "donate-method").error("method-error");
/// Hidden: a problem with it is shown under the submit button.
pub const TOKEN: Input = Input::new("token", SUBMIT_ID).error("token-error");
/// The field people never see and programs fill in.
pub const HOMEPAGE: Input = Input::new("homepage", "donate-homepage");

/// Hidden inputs that are never wrong and have no element id: when the form was shown, the
/// visit's share code and where the gift came from.
pub mod hidden {
    pub const SHOWN: &str = "shown";
    pub const REFERRAL: &str = "referral";
    pub const STORY: &str = "story";
    pub const PARTNER: &str = "partner";
    pub const UTM_SOURCE: &str = "utm_source";
    pub const UTM_MEDIUM: &str = "utm_medium";
    pub const UTM_CAMPAIGN: &str = "utm_campaign";
}

impl Field {
    /// The input this field's problems are shown at: its error element, and the element the
    /// summary links to and the island marks and focuses.
    pub const fn input(self) -> &'static Input {
        match self {
            Field::Frequency => &FREQUENCY,
            Field::Amount => &CUSTOM_AMOUNT,
            Field::Currency => &CURRENCY,
            Field::Email => &EMAIL,
            Field::Name => &NAME,
            Field::Receipt => &RECEIPT,
            Field::ReceiptName => &RECEIPT_NAME,
            Field::PaymentMethod => &PAYMENT_METHOD,
            Field::Token => &TOKEN,
            Field::Tribute => &TRIBUTE,
            Field::HonoreeName => &HONOREE_NAME,
            Field::TributeMessage => &TRIBUTE_MESSAGE,
            Field::NotifyName => &NOTIFY_NAME,
            Field::NotifyEmail => &NOTIFY_EMAIL,
            Field::CompanyName => &COMPANY_NAME,
            Field::CompanyRegistration => &COMPANY_REGISTRATION,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INPUTS: [Input; 24] = [
        FREQUENCY,
        AMOUNT,
        CUSTOM_AMOUNT,
        CURRENCY,
        EMAIL,
        NAME,
        RECEIPT,
        RECEIPT_NAME,
        COMPANY_NAME,
        COMPANY_REGISTRATION,
        TRIBUTE,
        HONOREE_NAME,
        TRIBUTE_MESSAGE,
        NOTIFY,
        NOTIFY_NAME,
        NOTIFY_EMAIL,
        NOTIFY_AMOUNT,
        MARKETING,
        COVER_FEE,
        PAYMENT_METHOD,
        TOKEN,
        HOMEPAGE,
        // Not inputs, but ids on the same page.
        Input::new("", OTHER_AMOUNT_ID),
        Input::new("", FEE_FIGURE_ID),
    ];

    const FIELDS: [Field; 16] = [
        Field::Frequency,
        Field::Amount,
        Field::Currency,
        Field::Email,
        Field::Name,
        Field::Receipt,
        Field::ReceiptName,
        Field::PaymentMethod,
        Field::Token,
        Field::Tribute,
        Field::HonoreeName,
        Field::TributeMessage,
        Field::NotifyName,
        Field::NotifyEmail,
        Field::CompanyName,
        Field::CompanyRegistration,
    ];

    #[test]
    fn every_field_shows_its_problems_somewhere() {
        for field in FIELDS {
            assert!(field.input().error_id.is_some(), "{field:?}");
        }
    }

    #[test]
    fn each_element_has_its_own_id() {
        // The currency points at the amount box, whose hint and error both amount inputs share.
        assert_eq!(
            (CURRENCY.id, CURRENCY.error_id),
            (CUSTOM_AMOUNT.id, AMOUNT.error_id)
        );
        assert_eq!(CUSTOM_AMOUNT.hint_id, AMOUNT.hint_id);
        assert_eq!(CUSTOM_AMOUNT.error_id, AMOUNT.error_id);
        let mut ids: Vec<&str> = INPUTS
            .iter()
            .filter(|input| ![CURRENCY, CUSTOM_AMOUNT].contains(input))
            .flat_map(|input| [Some(input.id), input.hint_id, input.error_id])
            .flatten()
            .chain([CUSTOM_AMOUNT.id])
            .collect();
        let count = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), count, "an id is used twice");
    }

    /// Every field of the form has its input here, under the name the form posts.
    #[cfg(feature = "ssr")]
    #[test]
    fn the_names_are_the_forms_fields() {
        let ticked = Some("yes".to_string());
        let form = super::super::DonationForm {
            marketing: ticked.clone(),
            cover_fee: ticked.clone(),
            notify: ticked.clone(),
            notify_amount: ticked,
            ..Default::default()
        };
        let posted = serde_urlencoded::to_string(&form).unwrap();
        let mut posted: Vec<&str> = posted
            .split('&')
            .filter_map(|pair| pair.split('=').next())
            .collect();
        let mut names: Vec<&str> = INPUTS
            .iter()
            .map(|input| input.name)
            .filter(|name| !name.is_empty())
            .chain([
                hidden::SHOWN,
                hidden::REFERRAL,
                hidden::STORY,
                hidden::PARTNER,
                hidden::UTM_SOURCE,
                hidden::UTM_MEDIUM,
                hidden::UTM_CAMPAIGN,
            ])
            .collect();
        posted.sort_unstable();
        names.sort_unstable();
        assert_eq!(names, posted);
    }

    #[test]
    fn limits_are_the_domain_types_own() {
        assert_eq!(EMAIL.max_length, Some(254));
        assert_eq!(NAME.max_length, Some(100));
        assert_eq!(TRIBUTE_MESSAGE.max_length, Some(500));
    }
}

//! Who gives and what they ask for on paper: the donor's email and name, and the receipt.
//!
//! Each type can only hold a value that passed its checks, so code past parsing never
//! re-checks anything.

/// Longest email address SMTP allows (RFC 5321: 254 octets in a path).
pub const EMAIL_MAX_BYTES: usize = 254;
/// Longest name we keep, in characters: enough for any real name, short enough for a receipt.
pub const NAME_MAX_CHARS: usize = 100;

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

/// A business registration number without its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidRegistration;

/// A Hong Kong business registration number, as printed on a company's certificate: the
/// 8-digit number, optionally followed by the rest of the certificate number
/// (`12345678-000-08-24-6`). Spaces are dropped; the digits are kept as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessRegistration(String);

impl BusinessRegistration {
    /// An optional number: empty means none given; anything else must have the shape.
    pub fn parse_optional(
        input: &str,
    ) -> Result<Option<BusinessRegistration>, InvalidRegistration> {
        let text: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if text.is_empty() {
            return Ok(None);
        }
        let parts: Vec<&str> = text.split('-').collect();
        let digits =
            |part: &str, len: usize| part.len() == len && part.bytes().all(|b| b.is_ascii_digit());
        let shaped = match parts.as_slice() {
            [number] => digits(number, 8),
            [number, branch, a, b, check] => {
                digits(number, 8)
                    && digits(branch, 3)
                    && digits(a, 2)
                    && digits(b, 2)
                    && check.len() == 1
                    && check.bytes().all(|b| b.is_ascii_alphanumeric())
            }
            _ => false,
        };
        if shaped {
            Ok(Some(BusinessRegistration(text.to_ascii_uppercase())))
        } else {
            Err(InvalidRegistration)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whom a receipt is made out to, as the tax rules tell them apart: a person (the donor, or
/// someone else they name), who claims for salaries tax or personal assessment, or a company,
/// which claims for profits tax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HolderKind {
    Person,
    Company,
}

impl HolderKind {
    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            HolderKind::Person => "person",
            HolderKind::Company => "company",
        }
    }

    pub fn parse(code: &str) -> Option<HolderKind> {
        match code {
            "person" => Some(HolderKind::Person),
            "company" => Some(HolderKind::Company),
            _ => None,
        }
    }
}

/// What the donor asked for as a receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Receipt {
    InDonorName,
    InOtherName(PersonName),
    /// Issued to a company the donor gives for, with its business registration number if given.
    InCompanyName {
        company: PersonName,
        registration: Option<BusinessRegistration>,
    },
    NoReceipt,
}

impl Receipt {
    /// The code of a receipt in the donor's own name (as submitted and stored).
    pub const OWN_NAME: &'static str = "own_name";
    /// The code of a receipt in another name, given in the form's `receipt_name`.
    pub const OTHER_NAME: &'static str = "other_name";
    /// The code of "no receipt, thank you".
    pub const NONE: &'static str = "none";
    /// The code of a receipt issued to a company, named in the form's `company_name`.
    pub const COMPANY: &'static str = "company";

    /// The stored and submitted code.
    pub fn code(&self) -> &'static str {
        match self {
            Receipt::InDonorName => Receipt::OWN_NAME,
            Receipt::InOtherName(_) => Receipt::OTHER_NAME,
            Receipt::InCompanyName { .. } => Receipt::COMPANY,
            Receipt::NoReceipt => Receipt::NONE,
        }
    }

    /// Reads a stored receipt choice back: the code and, for `other_name`, the name.
    pub fn from_code(code: &str, other_name: Option<PersonName>) -> Option<Receipt> {
        match (code, other_name) {
            (Receipt::OWN_NAME, _) => Some(Receipt::InDonorName),
            (Receipt::OTHER_NAME, Some(name)) => Some(Receipt::InOtherName(name)),
            (Receipt::NONE, _) => Some(Receipt::NoReceipt),
            _ => None,
        }
    }

    /// A receipt choice as a donor changes it in My gifts: the choice's code and the fields
    /// that go with it (the other name, or the company's name and registration number).
    /// `None` when the choice or its fields do not parse; the form says so and changes nothing.
    pub fn from_choice(
        code: &str,
        other_name: &str,
        company: &str,
        registration: &str,
    ) -> Option<Receipt> {
        match code.trim() {
            Receipt::OWN_NAME => Some(Receipt::InDonorName),
            Receipt::OTHER_NAME => PersonName::parse(other_name).ok().map(Receipt::InOtherName),
            Receipt::COMPANY => Some(Receipt::InCompanyName {
                company: PersonName::parse(company).ok()?,
                registration: BusinessRegistration::parse_optional(registration).ok()?,
            }),
            Receipt::NONE => Some(Receipt::NoReceipt),
            _ => None,
        }
    }

    /// Whether the donor wants a receipt at all.
    pub fn wanted(&self) -> bool {
        !matches!(self, Receipt::NoReceipt)
    }

    /// The name the receipt is made out to, given the donor's own.
    pub fn issued_to<'a>(&'a self, donor_name: Option<&'a PersonName>) -> Option<&'a PersonName> {
        match self {
            Receipt::InOtherName(name) => Some(name),
            Receipt::InCompanyName { company, .. } => Some(company),
            Receipt::InDonorName | Receipt::NoReceipt => donor_name,
        }
    }

    /// Whether the receipt is made out to a company or to a person.
    pub fn holder_kind(&self) -> HolderKind {
        match self {
            Receipt::InCompanyName { .. } => HolderKind::Company,
            _ => HolderKind::Person,
        }
    }

    /// The company's registration number, for a receipt issued to a company.
    pub fn registration(&self) -> Option<&BusinessRegistration> {
        match self {
            Receipt::InCompanyName { registration, .. } => registration.as_ref(),
            _ => None,
        }
    }

    /// Who the receipt is made out to as printed: the name, and a company's registration
    /// ("Harbour Lights Ltd (BR 12345678)").
    pub fn issued_to_line(&self, donor_name: Option<&PersonName>) -> Option<String> {
        let name = self.issued_to(donor_name)?.as_str();
        Some(match self.registration() {
            Some(number) => format!("{name} (BR {})", number.as_str()),
            None => name.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
    fn stored_receipt_choices_read_back() {
        let name = PersonName::parse("Lee Family Trust").unwrap();
        assert_eq!(
            Receipt::from_code("other_name", Some(name.clone())),
            Some(Receipt::InOtherName(name.clone()))
        );
        assert_eq!(Receipt::from_code("other_name", None), None);
        assert_eq!(
            Receipt::from_code("own_name", None),
            Some(Receipt::InDonorName)
        );
        assert_eq!(Receipt::from_code("none", None), Some(Receipt::NoReceipt));
        assert_eq!(Receipt::from_code("maybe", None), None);
        for receipt in [
            Receipt::InDonorName,
            Receipt::InOtherName(name.clone()),
            Receipt::NoReceipt,
        ] {
            let other = match &receipt {
                Receipt::InOtherName(name) => Some(name.clone()),
                _ => None,
            };
            assert_eq!(Receipt::from_code(receipt.code(), other), Some(receipt));
        }
        let donor = PersonName::parse("Chan Mei").unwrap();
        assert_eq!(Receipt::InDonorName.issued_to(Some(&donor)), Some(&donor));
        assert_eq!(
            Receipt::InOtherName(name.clone()).issued_to(Some(&donor)),
            Some(&name)
        );
        assert!(!Receipt::NoReceipt.wanted());
    }

    #[test]
    fn company_receipts_carry_the_registration_number() {
        assert_eq!(BusinessRegistration::parse_optional(" "), Ok(None));
        for good in ["12345678", "1234 5678", "12345678-000-08-24-6"] {
            assert!(
                BusinessRegistration::parse_optional(good)
                    .unwrap()
                    .is_some(),
                "{good}"
            );
        }
        for bad in [
            "1234567",
            "123456789",
            "ABCDEFGH",
            "12345678-0-08-24-6",
            "12345678--",
        ] {
            assert!(BusinessRegistration::parse_optional(bad).is_err(), "{bad}");
        }
        let receipt = Receipt::InCompanyName {
            company: PersonName::parse("Harbour Lights Ltd").unwrap(),
            registration: BusinessRegistration::parse_optional("12345678").unwrap(),
        };
        let donor = PersonName::parse("Chan Mei").unwrap();
        assert_eq!(receipt.code(), "company");
        assert_eq!(receipt.holder_kind(), HolderKind::Company);
        assert_eq!(Receipt::InDonorName.holder_kind(), HolderKind::Person);
        for kind in [HolderKind::Person, HolderKind::Company] {
            assert_eq!(HolderKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(
            receipt.issued_to_line(Some(&donor)).unwrap(),
            "Harbour Lights Ltd (BR 12345678)"
        );
    }

    proptest! {
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

    }
}

//! A donation as the site knows it once it is stored: every field typed, so pages, payments and
//! receipts read it without parsing anything again.

use super::attribution::Attribution;
use super::donor::{Email, PersonName, Receipt};
use super::identifiers::{Reference, ReferralCode};
use super::money::Money;
use super::status::DonationStatus;
use super::time::Timestamp;
use super::tribute::Tribute;
use super::Locale;

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
/// A stored gift. Built once from its database row (see `server::db`); a row that cannot be
/// read is an error there, never a default here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Donation {
    /// The database id; never shown to anyone.
    pub id: String,
    pub reference: Reference,
    /// The secret in the donor's own link to their gift.
    pub access_key: String,
    pub status: DonationStatus,
    pub amount: Money,
    pub frequency: Frequency,
    pub payment_method: PaymentMethod,
    pub email: Email,
    pub donor_name: Option<PersonName>,
    pub receipt: Receipt,
    /// Whether the donor agreed to hear from the charity, and when they answered.
    pub marketing_consent: bool,
    pub consent_recorded_at: Timestamp,
    /// The language the donor gave in (receipts are written in it).
    pub locale: Locale,
    pub referral: Option<ReferralCode>,
    pub created_at: Timestamp,
    pub paid_at: Option<Timestamp>,
    /// The hosted checkout made for it, if any.
    pub checkout: Option<Checkout>,
    /// How many checkouts were made for it and retired (their price or method no longer
    /// held): each new one is a new request at the provider.
    pub checkout_round: u32,
    /// A monthly card gift's subscription at the payment provider.
    pub subscription_id: Option<String>,
    /// When a monthly gift ended at the provider.
    pub ended_at: Option<Timestamp>,
    /// Why staff need to look at it (e.g. a payment that did not match).
    pub flag: Option<String>,
    /// A monthly card gift paused until then, as the provider confirmed.
    pub paused_until: Option<Timestamp>,
    /// When a monthly card gift is next charged, as the provider last said.
    pub next_charge_at: Option<Timestamp>,
    /// The processing fee the donor covers, charged on top of `amount` (zero if none).
    pub fee: Money,
    pub tribute: Option<Tribute>,
    pub attribution: Attribution,
}

/// A hosted checkout page made for a donation, so the donor always returns to the same one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkout {
    pub session_id: String,
    pub url: String,
}

impl Donation {
    pub fn is_monthly(&self) -> bool {
        self.frequency == Frequency::Monthly
    }

    /// What each payment of this gift charges: the gift and the fee the donor covers.
    pub fn charged(&self) -> Money {
        Money::new(self.amount.minor + self.fee.minor, self.amount.currency)
    }

    pub fn by_card(&self) -> bool {
        self.payment_method == PaymentMethod::Card
    }

    /// The name the receipt is made out to, if any.
    pub fn receipt_name(&self) -> Option<&PersonName> {
        self.receipt.issued_to(self.donor_name.as_ref())
    }

    /// The checkout already made for this gift, if it is still the way it is paid.
    pub fn open_checkout(&self) -> Option<&Checkout> {
        self.checkout.as_ref().filter(|_| self.by_card())
    }
}

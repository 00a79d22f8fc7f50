//! What an event changes, and what applying it records: the provider's event, the change to a
//! payment or a gift, an exception for staff and the outcome.

use serde::{Deserialize, Serialize};

use crate::payments::NewPayment;
use sharecare_domain::dispute::DisputeState;
use sharecare_domain::money::Money;
use sharecare_domain::time::Timestamp;

/// One event from a payment provider, as stored to handle it once.
#[derive(Debug, Clone, Copy)]
pub struct ProviderEvent<'a> {
    pub provider: &'a str,
    pub event_id: &'a str,
    pub event_type: &'a str,
    pub received_at: Timestamp,
}

/// What a provider event changes, decided by the donations service and applied atomically with
/// the event's record. Every change only moves a donation forward.
#[derive(Debug, Clone)]
pub enum EventChange {
    Payment(NewPayment),
    /// The checkout lapsed unpaid: a pending donation becomes expired, if that checkout is
    /// still how it is paid (not one retired when the donor changed the method or fee).
    Expire {
        donation_id: String,
        session_id: Option<String>,
    },
    /// The payment was tried and failed (a bank debit or wallet that did not go through after
    /// the checkout completed): a pending donation becomes failed.
    Fail {
        donation_id: String,
    },
    /// A payment that does not match its donation: kept for staff, not recorded as paying it.
    Exception(NewException),
    /// A monthly gift ended at the provider.
    EndSubscription {
        donation_id: String,
        at: Timestamp,
    },
    /// A monthly gift's subscription as the provider now has it: its amount, whether (and
    /// until when) collection is paused, when it is next charged. The donor's requests
    /// it fulfils are confirmed, each with an email.
    SubscriptionState {
        donation_id: String,
        amount_minor: Option<u64>,
        paused_until: Option<Timestamp>,
        next_charge_at: Option<Timestamp>,
        /// When the provider reported this state: an older report than the last one applied
        /// changes nothing (Stripe delivers in no order).
        as_of: Timestamp,
    },
    /// A change to a payment already recorded (or, if not yet, as soon as it is).
    ToPayment(PaymentChange),
    /// Recorded only (an event about something this site does not act on).
    Nothing,
}

/// A change to a recorded payment, found by its payment intent (or, for a link, its invoice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PaymentChange {
    /// Refunded in part or in full: `refunded_minor` is the charge's running total as the
    /// provider reported it `reported_at` (none for changes stored before that was kept).
    Refund {
        payment_intent_id: String,
        refunded_minor: u64,
        #[serde(default)]
        reported_at: Option<Timestamp>,
    },
    /// A refund failed or was cancelled `failed_at`: its money is back, and counts again
    /// unless a later report of the charge's total already says so.
    RefundFailed {
        payment_intent_id: String,
        refund_id: String,
        amount_minor: u64,
        failed_at: Timestamp,
    },
    /// A dispute reached a stage: an inquiry, its close, a chargeback, its outcome.
    Dispute {
        payment_intent_id: String,
        dispute_id: String,
        amount_minor: u64,
        state: DisputeState,
    },
    /// A monthly payment (recorded under its invoice) is paid by this payment intent, which
    /// later refunds and disputes name.
    Link {
        invoice_id: String,
        payment_intent_id: String,
    },
}

/// A payment that did not match its donation, or named none of ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewException {
    pub id: String,
    /// `amount_mismatch`, `currency_mismatch` or `unknown_donation`.
    pub kind: &'static str,
    /// The donation it was meant for and what that expected; none for `unknown_donation`.
    pub expected: Option<ExpectedPayment>,
    pub received_minor: Option<i64>,
    pub received_currency: Option<String>,
    /// The provider's id for what was paid (a checkout session, an invoice), to look it up there.
    pub source_id: Option<String>,
    /// What the provider said of the charge, so a payment accepted from it is the one taken.
    pub paid_at: Option<Timestamp>,
    pub payment_intent_id: Option<String>,
    pub subscription_id: Option<String>,
    pub created_at: Timestamp,
}

/// The donation a payment was meant for, and its amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedPayment {
    pub donation_id: String,
    pub amount: Money,
}

impl NewException {
    pub fn donation_id(&self) -> Option<&str> {
        self.expected
            .as_ref()
            .map(|expected| expected.donation_id.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventOutcome {
    /// First delivery: `changed` says whether anything moved.
    Applied { changed: bool },
    /// First delivery, about a payment not recorded yet: kept, applied when it is.
    Waiting,
    /// This event id was handled before; nothing was changed.
    AlreadyHandled,
}

/// An event waiting for its payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingChange {
    pub event_id: String,
    pub change: PaymentChange,
}

/// An exception with what the provider said of its charge, to accept it as a payment.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ExceptionRecord {
    pub id: String,
    pub kind: String,
    pub donation_id: Option<String>,
    pub received_minor: Option<i64>,
    pub received_currency: Option<String>,
    pub source_id: Option<String>,
    pub paid_at: Option<Timestamp>,
    pub payment_intent_id: Option<String>,
    pub subscription_id: Option<String>,
    pub created_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
}

/// An exception as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OpenException {
    pub id: String,
    pub kind: String,
    pub donation_id: Option<String>,
    pub received_minor: Option<i64>,
    pub received_currency: Option<String>,
    pub source_id: Option<String>,
    pub created_at: Timestamp,
}

//! What payment providers report, in the site's own terms: a provider's webhook event is
//! translated into a [`PaymentEvent`] by its adapter (which reads no database), and the
//! donations service decides what that changes.

use sharecare_domain::dispute::DisputeState;
use sharecare_domain::time::Timestamp;

/// An event as received from a provider, translated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedEvent {
    /// Which provider sent it (stored with the event id, which is unique per provider).
    pub provider: &'static str,
    /// The provider's event id: each is applied once.
    pub id: String,
    /// The provider's name for the kind of event, kept for the record.
    pub kind: String,
    /// When the provider says it happened (Stripe's `created`), which may be long before it
    /// arrives: a redelivery, a delayed webhook, the sweep.
    pub occurred_at: Option<Timestamp>,
    pub event: PaymentEvent,
}

/// How an event names the donation it is about: the ids are tried in this order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DonationLookup {
    /// The donation's own id, carried in the provider's metadata.
    pub id: Option<String>,
    /// The donation's reference (the checkout's client reference).
    pub reference: Option<String>,
    /// A monthly gift's subscription at the provider.
    pub subscription_id: Option<String>,
}

/// The price a charge was made at, as the provider has it: the amounts the site set on the
/// checkout or subscription (its metadata), or the lines of the invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Priced {
    pub amount_minor: u64,
    /// Upper case, as the site writes currency codes.
    pub currency: String,
    /// What of it the donor added towards card costs, when the price says.
    pub fee_minor: Option<u64>,
}

/// What happened, as far as the site cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentEvent {
    /// Money was taken: a one-off payment, or one month of a monthly gift.
    Paid {
        donation: DonationLookup,
        /// The charge's id at the provider; the same charge reported twice is one payment.
        source_id: String,
        payment_intent_id: Option<String>,
        subscription_id: Option<String>,
        /// What was taken, as the provider reports it (checked against the donation).
        amount_minor: Option<i64>,
        currency: Option<String>,
        /// When the money was taken, if the event says (an invoice's
        /// `status_transitions.paid_at`); else the event's own time stands for it.
        paid_at: Option<Timestamp>,
        /// What the provider priced this charge at, if the event says: a payment is checked
        /// against that, not against the donation as it stands now (which may have changed
        /// since: a new monthly amount, the fee box unticked).
        priced: Option<Priced>,
    },
    /// The hosted checkout lapsed without payment.
    CheckoutExpired {
        donation: DonationLookup,
        /// The checkout that lapsed: only the donation's current one ends it.
        session_id: Option<String>,
    },
    /// The checkout completed but its payment failed afterwards (a delayed method).
    PaymentFailed { donation: DonationLookup },
    /// A monthly gift stopped at the provider.
    SubscriptionEnded { donation: DonationLookup },
    /// A monthly gift's subscription changed at the provider (its amount, a pause, the next
    /// charge's date): how it is now.
    SubscriptionUpdated {
        donation: DonationLookup,
        amount_minor: Option<u64>,
        paused_until: Option<Timestamp>,
        next_charge_at: Option<Timestamp>,
    },
    /// A charge was refunded, in part or in full: `refunded_minor` is the running total.
    Refunded {
        payment_intent_id: String,
        refunded_minor: u64,
    },
    /// A refund failed or was cancelled: its money is back with the charity.
    RefundFailed {
        payment_intent_id: String,
        refund_id: String,
        amount_minor: u64,
    },
    /// A monthly payment recorded under its invoice is paid by this payment intent (refunds
    /// and disputes of it name the payment intent).
    InvoicePaidBy {
        invoice_id: String,
        payment_intent_id: String,
    },
    /// A card payment's dispute reached a stage: an inquiry, its close, a chargeback, or
    /// the chargeback's outcome.
    Disputed {
        payment_intent_id: String,
        dispute_id: String,
        amount_minor: u64,
        state: DisputeState,
    },
    /// Nothing the site acts on (recorded so a redelivery is recognised).
    Ignored,
}

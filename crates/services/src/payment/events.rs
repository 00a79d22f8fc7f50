//! What payment providers report, in the site's own terms: a provider's webhook event is
//! translated into a [`PaymentEvent`] by its adapter (which reads no database), and the
//! donations service decides what that changes.

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
    },
    /// The hosted checkout lapsed without payment.
    CheckoutExpired { donation: DonationLookup },
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
    /// A monthly payment recorded under its invoice is paid by this payment intent (refunds
    /// and disputes of it name the payment intent).
    InvoicePaidBy {
        invoice_id: String,
        payment_intent_id: String,
    },
    /// A card payment is disputed (a chargeback): opened, then won or lost.
    Disputed {
        payment_intent_id: String,
        dispute_id: String,
        amount_minor: u64,
        outcome: DisputeOutcome,
    },
    /// Nothing the site acts on (recorded so a redelivery is recognised).
    Ignored,
}

/// Where a dispute stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisputeOutcome {
    /// Open: the money is held back until it closes.
    Open,
    /// Closed in the charity's favour: the money stays.
    Won,
    /// Closed in the cardholder's favour: the money is gone.
    Lost,
}

//! Applying what a payment provider reports. The provider's adapter has already translated its
//! event into a [`PaymentEvent`]; here the service finds the donation it is about and decides
//! what changes, and the database applies that atomically with the event's record, once.

use super::{payment_for, Donations};
use crate::limits::CardEvent;
use crate::payment::events::Priced;
use crate::payment::{DonationLookup, PaymentEvent, ReceivedEvent};
use sharecare_db::{
    DbError, EventChange, EventOutcome, ExpectedPayment, NewException, PaymentChange, ProviderEvent,
};
use sharecare_domain::donation::Donation;
use sharecare_domain::money::Money;
use sharecare_domain::secrets::random_hex;
use sharecare_domain::time::Timestamp;

/// A monthly payment Stripe could not link to a payment intent is asked about again after this.
const LINK_ASKED_AGAIN_AFTER: std::time::Duration = std::time::Duration::from_secs(600);
/// At most this many invoices are asked about at a time.
const LINKS_PER_ASK: i64 = 20;

impl Donations {
    /// Applies a provider's event once: a redelivery (even a concurrent one) changes nothing.
    /// Any database failure is an error, so the provider delivers the event again.
    #[tracing::instrument(name = "apply_event", skip_all, fields(event = %received.id, kind = %received.kind, reference))]
    pub async fn apply_provider_event(
        &self,
        received: &ReceivedEvent,
    ) -> Result<EventOutcome, DbError> {
        let change = self.change_for(received).await?;
        let record = ProviderEvent {
            provider: received.provider,
            event_id: &received.id,
            event_type: &received.kind,
            received_at: Timestamp::now(),
        };
        let outcome = self.db.apply_provider_event(&record, &change).await?;
        match outcome {
            EventOutcome::Applied { changed } => {
                tracing::info!(changed, "payment event handled");
                // The event is stored: what follows must not make the provider deliver it
                // again (it would find it handled). Changes still waiting are applied by the
                // reconciliation sweep if this fails.
                if changed {
                    if let Err(error) = self.changed_by(&change).await {
                        crate::warn_throttled!("after-event", %error, "cannot apply waiting changes after an event; the sweep will");
                    }
                }
            }
            EventOutcome::Waiting => {
                tracing::info!("payment event kept until its payment is recorded");
                // A refund or dispute names the payment intent; a month whose
                // `invoice_payment.paid` was lost is not linked to it yet. Stripe can say.
                if let Err(error) = self.link_monthly_payments(Timestamp::now()).await {
                    crate::warn_throttled!("link-months", %error, "cannot link monthly payments now; the sweep will");
                }
            }
            EventOutcome::AlreadyHandled => {}
        }
        Ok(outcome)
    }

    /// What follows a change: totals and pages learn of it, receipts go out, and changes that
    /// waited for a payment now recorded (or now linked) are applied.
    async fn changed_by(&self, change: &EventChange) -> Result<(), DbError> {
        match change {
            EventChange::Payment(payment) => {
                metrics::counter!("sharecare_payments_total").increment(1);
                self.payment_recorded(&payment.donation_id).await;
                self.apply_waiting_changes().await?;
            }
            EventChange::ToPayment(PaymentChange::Link { .. }) => {
                self.apply_waiting_changes().await?;
            }
            EventChange::ToPayment(payment_change) => {
                let kind = match payment_change {
                    PaymentChange::Refund { .. } => "refund",
                    PaymentChange::RefundFailed { .. } => "refund_failed",
                    _ => "dispute",
                };
                metrics::counter!("sharecare_payment_changes_total", "kind" => kind).increment(1);
                self.totals_changed().await;
            }
            EventChange::Expire { donation_id, .. }
            | EventChange::Fail { donation_id }
            | EventChange::EndSubscription { donation_id, .. }
            | EventChange::SubscriptionState { donation_id, .. } => {
                self.receipts_due.notify_one();
                self.status_changed(donation_id).await;
            }
            EventChange::Exception(exception) => {
                if let Some(donation_id) = exception.donation_id() {
                    self.status_changed(donation_id).await;
                }
            }
            EventChange::Nothing => {}
        }
        Ok(())
    }

    /// Asks the provider which payment intent paid each monthly payment not yet linked to one
    /// (least recently asked first, each at most every few minutes) and links it, as
    /// `invoice_payment.paid` would have; then what waited for those payments is applied.
    /// Returns how many were linked.
    pub async fn link_monthly_payments(&self, now: Timestamp) -> Result<u64, DbError> {
        let Some(stripe) = self.payments.stripe() else {
            return Ok(0);
        };
        let unlinked = self
            .db
            .unlinked_monthly_payments(now.minus(LINK_ASKED_AGAIN_AFTER), LINKS_PER_ASK)
            .await?;
        let mut linked = 0;
        for invoice_id in unlinked {
            match stripe.invoice_payment_intent(&invoice_id).await {
                Ok(payment_intent) => {
                    if self
                        .db
                        .link_monthly_payment(&invoice_id, payment_intent.as_deref(), now)
                        .await?
                    {
                        linked += 1;
                    }
                }
                Err(error) => {
                    crate::warn_throttled!("link-months", %error, "cannot ask Stripe about an invoice's payment; later");
                    break;
                }
            }
        }
        if linked > 0 {
            tracing::info!(linked, "monthly payments linked to their payment intents");
            self.apply_waiting_changes().await?;
        }
        Ok(linked)
    }

    /// Applies the changes that waited for a payment which is now recorded.
    pub async fn apply_waiting_changes(&self) -> Result<u64, DbError> {
        let mut applied = 0;
        // One change can unblock another tried before it in the same pass (a month's refund
        // waits for the invoice payment that links its charge): pass again until a pass
        // applies nothing. Each pass applies at least one, so this ends.
        loop {
            let mut this_pass = 0;
            for waiting in self.db.waiting_changes().await? {
                if let Some(changed) = self
                    .db
                    .apply_waiting_change(&waiting, Timestamp::now())
                    .await?
                {
                    tracing::info!(event = %waiting.event_id, changed, "a payment event that waited is applied");
                    this_pass += 1;
                }
            }
            applied += this_pass;
            if this_pass == 0 {
                break;
            }
        }
        if applied > 0 {
            self.totals_changed().await;
        }
        Ok(applied)
    }

    /// Decides what an event changes. Reads the donation it is about (amount and currency
    /// never change, so reading outside the event's transaction is safe).
    async fn change_for(&self, received: &ReceivedEvent) -> Result<EventChange, DbError> {
        Ok(match &received.event {
            PaymentEvent::Paid {
                donation,
                source_id,
                payment_intent_id,
                subscription_id,
                amount_minor,
                currency,
                paid_at,
                priced,
            } => {
                // Receipts are dated, and numbered in the tax year, by when the money was
                // taken, not when the news arrived (a gift at 23:58 on 31 March delivered after
                // midnight belongs to the year that ended). Never later than now.
                let now = Timestamp::now();
                let paid_at = paid_at
                    .or(received.occurred_at)
                    .map_or(now, |at| at.min(now));
                let held =
                    |change| with_charge(change, paid_at, payment_intent_id, subscription_id);
                let Some(donation) = self.donation_of(received, donation).await? else {
                    // Money taken for no gift of ours (another site on the same account, a
                    // test, a deleted pledge): never dropped, kept for staff to look into.
                    return Ok(held(exception(
                        "unknown_donation",
                        None,
                        *amount_minor,
                        currency.as_deref(),
                        Some(source_id.clone()),
                    )));
                };
                let (expected, fee_minor) = expected_charge(&donation, priced.as_ref());
                if let Some(flag) = mismatch(
                    &donation,
                    expected,
                    *amount_minor,
                    currency.as_deref(),
                    source_id,
                ) {
                    return Ok(held(flag));
                }
                let mut payment = payment_for(&donation, source_id.clone(), paid_at);
                payment.amount = expected;
                payment.fee_minor = fee_minor;
                payment.payment_intent_id = payment_intent_id.clone();
                payment.subscription_id = subscription_id.clone();
                EventChange::Payment(payment)
            }
            PaymentEvent::CheckoutExpired {
                donation,
                session_id,
            } => {
                match self.donation_of(received, donation).await? {
                    Some(donation) => {
                        if donation.by_card() && donation.status.awaits_payment() {
                            // Card-testing runs leave many lapsed checkouts behind.
                            self.limits
                                .breaker()
                                .record(CardEvent::PaymentFailed, Timestamp::now())
                                .await;
                        }
                        EventChange::Expire {
                            donation_id: donation.id,
                            session_id: session_id.clone(),
                        }
                    }
                    None => EventChange::Nothing,
                }
            }
            PaymentEvent::PaymentFailed { donation } => {
                match self.donation_of(received, donation).await? {
                    Some(donation) => {
                        if donation.by_card() {
                            self.limits
                                .breaker()
                                .record(CardEvent::PaymentFailed, Timestamp::now())
                                .await;
                        }
                        EventChange::Fail {
                            donation_id: donation.id,
                        }
                    }
                    None => EventChange::Nothing,
                }
            }
            PaymentEvent::SubscriptionUpdated {
                donation,
                amount_minor,
                paused_until,
                next_charge_at,
            } => match self.donation_of(received, donation).await? {
                Some(donation) => EventChange::SubscriptionState {
                    donation_id: donation.id,
                    amount_minor: *amount_minor,
                    paused_until: *paused_until,
                    next_charge_at: *next_charge_at,
                    as_of: received.occurred_at.unwrap_or_else(Timestamp::now),
                },
                None => EventChange::Nothing,
            },
            PaymentEvent::SubscriptionEnded { donation } => {
                match self.donation_of(received, donation).await? {
                    Some(donation) => EventChange::EndSubscription {
                        donation_id: donation.id,
                        at: Timestamp::now(),
                    },
                    None => EventChange::Nothing,
                }
            }
            PaymentEvent::Refunded {
                payment_intent_id,
                refunded_minor,
            } => EventChange::ToPayment(PaymentChange::Refund {
                payment_intent_id: payment_intent_id.clone(),
                refunded_minor: *refunded_minor,
                reported_at: received.occurred_at,
            }),
            PaymentEvent::RefundFailed {
                payment_intent_id,
                refund_id,
                amount_minor,
            } => EventChange::ToPayment(PaymentChange::RefundFailed {
                payment_intent_id: payment_intent_id.clone(),
                refund_id: refund_id.clone(),
                amount_minor: *amount_minor,
                failed_at: received.occurred_at.unwrap_or_else(Timestamp::now),
            }),
            PaymentEvent::InvoicePaidBy {
                invoice_id,
                payment_intent_id,
            } => EventChange::ToPayment(PaymentChange::Link {
                invoice_id: invoice_id.clone(),
                payment_intent_id: payment_intent_id.clone(),
            }),
            PaymentEvent::Disputed {
                payment_intent_id,
                dispute_id,
                amount_minor,
                state,
            } => EventChange::ToPayment(PaymentChange::Dispute {
                payment_intent_id: payment_intent_id.clone(),
                dispute_id: dispute_id.clone(),
                amount_minor: *amount_minor,
                state: *state,
            }),
            PaymentEvent::Ignored => EventChange::Nothing,
        })
    }

    /// The donation an event names: by id, then by reference, then by subscription.
    async fn donation_of(
        &self,
        received: &ReceivedEvent,
        lookup: &DonationLookup,
    ) -> Result<Option<Donation>, DbError> {
        let mut found = None;
        if let Some(id) = &lookup.id {
            found = self.db.donation_by_id(id).await?;
        }
        if found.is_none() {
            if let Some(reference) = lookup
                .reference
                .as_deref()
                .and_then(sharecare_domain::identifiers::Reference::parse)
            {
                found = self.db.donation_by_reference(&reference).await?;
            }
        }
        if found.is_none() {
            if let Some(subscription_id) = &lookup.subscription_id {
                found = self.db.donation_by_subscription_id(subscription_id).await?;
            }
        }
        match &found {
            Some(donation) => {
                tracing::Span::current().record("reference", donation.reference.as_str());
            }
            None => tracing::warn!(
                event = %received.id,
                kind = %received.kind,
                "payment event for no known donation"
            ),
        }
        Ok(found)
    }
}

/// A payment whose amount or currency differs from the donation's is not taken as paying it:
/// it becomes an exception for staff, with the amounts.
/// What a charge should have taken, and the part of it the donor added towards card costs:
/// what the provider priced it at when it says (in the gift's currency), since the donation may
/// have changed since the price was set (a new monthly amount not yet confirmed, a redelivered
/// month from before a change, an older checkout paid after the fee box changed); else the
/// donation as it stands.
fn expected_charge(donation: &Donation, priced: Option<&Priced>) -> (Money, Option<u64>) {
    match priced {
        Some(priced)
            if priced
                .currency
                .eq_ignore_ascii_case(donation.amount.currency.code()) =>
        {
            (
                Money::new(priced.amount_minor, donation.amount.currency),
                priced.fee_minor.filter(|fee| *fee <= priced.amount_minor),
            )
        }
        _ => (donation.charged(), None),
    }
}

fn mismatch(
    donation: &Donation,
    expected: Money,
    amount: Option<i64>,
    currency: Option<&str>,
    source_id: &str,
) -> Option<EventChange> {
    let amount_ok = amount.and_then(|a| u64::try_from(a).ok()) == Some(expected.minor);
    let currency_ok = currency.is_some_and(|c| c.eq_ignore_ascii_case(expected.currency.code()));
    if amount_ok && currency_ok {
        return None;
    }
    let kind = if currency_ok {
        "amount_mismatch"
    } else {
        "currency_mismatch"
    };
    Some(exception(
        kind,
        Some(ExpectedPayment {
            donation_id: donation.id.clone(),
            amount: expected,
        }),
        amount,
        currency,
        Some(source_id.to_string()),
    ))
}

/// A payment kept for staff instead of recorded; logged and counted.
fn exception(
    kind: &'static str,
    expected: Option<ExpectedPayment>,
    received_minor: Option<i64>,
    received_currency: Option<&str>,
    source_id: Option<String>,
) -> EventChange {
    tracing::warn!(kind, "a payment is kept for staff instead of recorded");
    metrics::counter!("sharecare_payment_exceptions_total", "kind" => kind).increment(1);
    EventChange::Exception(NewException {
        id: random_hex::<16>(),
        kind,
        expected,
        received_minor,
        received_currency: received_currency.map(str::to_ascii_uppercase),
        source_id,
        paid_at: None,
        payment_intent_id: None,
        subscription_id: None,
        created_at: Timestamp::now(),
    })
}

/// An exception about a charge, with what the provider said of it (when, which payment intent
/// and subscription), so finance staff can accept it as the payment it is.
fn with_charge(
    change: EventChange,
    paid_at: Timestamp,
    payment_intent_id: &Option<String>,
    subscription_id: &Option<String>,
) -> EventChange {
    match change {
        EventChange::Exception(exception) => EventChange::Exception(NewException {
            paid_at: Some(paid_at),
            payment_intent_id: payment_intent_id.clone(),
            subscription_id: subscription_id.clone(),
            ..exception
        }),
        other => other,
    }
}

//! Stripe's webhook events, read in the shapes of the pinned API version ([`API_VERSION`],
//! 2025-03-31.basil: invoices carry no payment intent and charges no invoice; an
//! `invoice_payment.paid` event links the two), and translated into provider-neutral
//! [`PaymentEvent`]s. Nothing here reads the database: finding the donation and deciding what
//! changes is the donations service's job.

use serde::Deserialize;
use serde_json::Value;

use super::{API_VERSION, PROVIDER};
use crate::payment::events::Priced;
use crate::payment::{DonationLookup, PaymentEvent, ReceivedEvent};
use sharecare_domain::dispute::DisputeState;
use sharecare_domain::time::Timestamp;

/// A webhook event, as much of it as we read.
#[derive(Debug, Clone, Deserialize)]
pub struct StripeEvent {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// The API version the event was rendered in (the webhook endpoint's).
    #[serde(default)]
    pub api_version: Option<String>,
    /// When it happened, in Unix seconds.
    #[serde(default)]
    pub created: Option<i64>,
    pub data: EventData,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EventData {
    pub object: Value,
}
/// Translates a Stripe event into the site's terms, reading only the event itself.
pub fn translate(event: &StripeEvent) -> ReceivedEvent {
    if let Some(version) = event.api_version.as_deref().filter(|v| *v != API_VERSION) {
        // The webhook endpoint must be set to the pinned version (docs/staff.md): other shapes may
        // not be read right.
        crate::warn_throttled!(
            "stripe-version",
            version,
            expected = API_VERSION,
            "a Stripe event in another API version"
        );
    }
    ReceivedEvent {
        provider: PROVIDER,
        id: event.id.clone(),
        kind: event.kind.clone(),
        occurred_at: event.created.map(Timestamp::from_seconds),
        event: payment_event(event),
    }
}

fn payment_event(event: &StripeEvent) -> PaymentEvent {
    let object = &event.data.object;
    match event.kind.as_str() {
        "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
            // Some methods (bank debits) complete the session before the money arrives; the
            // async_payment_succeeded event follows when it does.
            if text(object, "payment_status") != Some("paid") {
                return PaymentEvent::Ignored;
            }
            let payment_intent = owned(object, "payment_intent");
            let invoice = owned(object, "invoice");
            let session_id = text(object, "id").unwrap_or(&event.id).to_string();
            // A monthly gift's first charge is its first invoice, which `invoice.paid` reports
            // too: both name the invoice, so it is recorded once.
            let source_id = invoice
                .or_else(|| payment_intent.clone())
                .unwrap_or(session_id);
            PaymentEvent::Paid {
                donation: session_donation(object),
                source_id,
                payment_intent_id: payment_intent,
                subscription_id: owned(object, "subscription"),
                amount_minor: object.get("amount_total").and_then(Value::as_i64),
                currency: owned(object, "currency"),
                // The session does not say when it was paid: the event's time does.
                paid_at: None,
                priced: metadata_price(object.get("metadata")),
            }
        }
        "checkout.session.expired" => PaymentEvent::CheckoutExpired {
            donation: session_donation(object),
            session_id: owned(object, "id"),
        },
        "checkout.session.async_payment_failed" => PaymentEvent::PaymentFailed {
            donation: session_donation(object),
        },
        "invoice.paid" => {
            let amount = object.get("amount_paid").and_then(Value::as_i64);
            // A free first month (a trial, a coupon) pays nothing.
            if amount == Some(0) {
                return PaymentEvent::Ignored;
            }
            let subscription = invoice_subscription(object).map(str::to_string);
            PaymentEvent::Paid {
                donation: DonationLookup {
                    id: metadata_donation_id(invoice_metadata(object)),
                    reference: None,
                    subscription_id: subscription.clone(),
                },
                source_id: text(object, "id").unwrap_or(&event.id).to_string(),
                payment_intent_id: owned(object, "payment_intent"),
                subscription_id: subscription,
                amount_minor: amount,
                currency: owned(object, "currency"),
                paid_at: object
                    .pointer("/status_transitions/paid_at")
                    .and_then(Value::as_i64)
                    .map(Timestamp::from_seconds),
                // The subscription's metadata as it was when the invoice was made (the site
                // rewrites it with each new amount); else what the invoice's lines bill.
                priced: metadata_price(invoice_metadata(object)).or_else(|| lines_price(object)),
            }
        }
        "customer.subscription.updated" => {
            // In 2025-03-31.basil the billing period lives on the items.
            let item = object.pointer("/items/data/0");
            let seconds =
                |value: Option<&Value>| value.and_then(Value::as_i64).map(Timestamp::from_seconds);
            let next_charge_at = if text(object, "status") == Some("trialing") {
                seconds(object.get("trial_end"))
            } else {
                seconds(item.and_then(|item| item.get("current_period_end")))
            };
            PaymentEvent::SubscriptionUpdated {
                donation: DonationLookup {
                    id: metadata_donation_id(object.get("metadata")),
                    reference: None,
                    subscription_id: owned(object, "id"),
                },
                amount_minor: item
                    .and_then(|item| item.pointer("/price/unit_amount"))
                    .and_then(Value::as_u64),
                paused_until: object
                    .get("pause_collection")
                    .filter(|pause| !pause.is_null())
                    .map(|pause| seconds(pause.get("resumes_at")).unwrap_or(Timestamp::MAX)),
                next_charge_at,
            }
        }
        "customer.subscription.deleted" => PaymentEvent::SubscriptionEnded {
            donation: DonationLookup {
                id: metadata_donation_id(object.get("metadata")),
                reference: None,
                subscription_id: owned(object, "id"),
            },
        },
        // A charge names its payment intent; a monthly payment's is learnt from
        // `invoice_payment.paid`.
        "charge.refunded" => match owned(object, "payment_intent") {
            Some(payment_intent_id) => PaymentEvent::Refunded {
                payment_intent_id,
                refunded_minor: object
                    .get("amount_refunded")
                    .and_then(Value::as_u64)
                    .unwrap_or(0),
            },
            None => PaymentEvent::Ignored,
        },
        // A refund's own events: one that failed (the bank returned it) or was cancelled gives
        // the money back; other statuses are told by `charge.refunded`.
        "refund.failed" | "refund.updated" | "charge.refund.updated" => match (
            text(object, "status"),
            owned(object, "payment_intent"),
            owned(object, "id"),
        ) {
            (Some("failed" | "canceled"), Some(payment_intent_id), Some(refund_id)) => {
                PaymentEvent::RefundFailed {
                    payment_intent_id,
                    refund_id,
                    amount_minor: object.get("amount").and_then(Value::as_u64).unwrap_or(0),
                }
            }
            _ => PaymentEvent::Ignored,
        },
        "invoice_payment.paid" => match (
            owned(object, "invoice"),
            object
                .pointer("/payment/payment_intent")
                .and_then(Value::as_str),
        ) {
            (Some(invoice_id), Some(payment_intent_id)) => PaymentEvent::InvoicePaidBy {
                invoice_id,
                payment_intent_id: payment_intent_id.to_string(),
            },
            _ => PaymentEvent::Ignored,
        },
        // Every dispute event carries the dispute; its status says where it stands, whichever
        // event brings it (Stripe promises no order): `warning_*` is an inquiry, which
        // withdraws no money.
        "charge.dispute.created"
        | "charge.dispute.updated"
        | "charge.dispute.closed"
        | "charge.dispute.funds_withdrawn"
        | "charge.dispute.funds_reinstated" => match (
            text(object, "status").and_then(DisputeState::from_stripe_status),
            owned(object, "payment_intent"),
            owned(object, "id"),
        ) {
            (Some(state), Some(payment_intent_id), Some(dispute_id)) => PaymentEvent::Disputed {
                payment_intent_id,
                dispute_id,
                amount_minor: object.get("amount").and_then(Value::as_u64).unwrap_or(0),
                state,
            },
            _ => PaymentEvent::Ignored,
        },
        _ => PaymentEvent::Ignored,
    }
}

/// A Checkout Session names its donation in its metadata, and by reference.
fn session_donation(session: &Value) -> DonationLookup {
    DonationLookup {
        id: metadata_donation_id(session.get("metadata")),
        reference: owned(session, "client_reference_id"),
        subscription_id: None,
    }
}

/// Where an invoice carries its subscription's metadata: `parent.subscription_details` in
/// current API versions, `subscription_details` in older ones.
fn invoice_metadata(invoice: &Value) -> Option<&Value> {
    invoice
        .pointer("/parent/subscription_details/metadata")
        .or_else(|| invoice.pointer("/subscription_details/metadata"))
}

fn invoice_subscription(invoice: &Value) -> Option<&str> {
    invoice
        .pointer("/parent/subscription_details/subscription")
        .and_then(Value::as_str)
        .or_else(|| text(invoice, "subscription"))
}

/// The price the site wrote into a checkout's or subscription's metadata (`amount_minor`,
/// `currency`, `fee_minor`; Stripe keeps metadata as strings).
fn metadata_price(metadata: Option<&Value>) -> Option<Priced> {
    let metadata = metadata?;
    let number = |key: &str| metadata.get(key)?.as_str()?.parse::<u64>().ok();
    Some(Priced {
        amount_minor: number("amount_minor")?,
        currency: metadata.get("currency")?.as_str()?.to_ascii_uppercase(),
        fee_minor: number("fee_minor"),
    })
}

/// What an invoice's lines bill in all, in the invoice's currency (when Stripe sent every line).
fn lines_price(invoice: &Value) -> Option<Priced> {
    let lines = invoice.get("lines")?;
    if lines.get("has_more").and_then(Value::as_bool) == Some(true) {
        return None;
    }
    let amounts: Option<Vec<u64>> = lines
        .get("data")?
        .as_array()?
        .iter()
        .map(|line| line.get("amount").and_then(Value::as_u64))
        .collect();
    let amounts = amounts.filter(|amounts| !amounts.is_empty())?;
    Some(Priced {
        amount_minor: amounts.iter().sum(),
        currency: text(invoice, "currency")?.to_ascii_uppercase(),
        fee_minor: None,
    })
}

fn metadata_donation_id(metadata: Option<&Value>) -> Option<String> {
    Some(metadata?.get("donation_id")?.as_str()?.to_string())
}

fn text<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object.get(key).and_then(Value::as_str)
}

fn owned(object: &Value, key: &str) -> Option<String> {
    text(object, key).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(kind: &str, object: Value) -> StripeEvent {
        serde_json::from_value(json!({ "id": "evt_1", "type": kind, "data": { "object": object } }))
            .unwrap()
    }

    #[test]
    fn a_paid_session_is_a_payment_of_its_donation() {
        let received = translate(&event(
            "checkout.session.completed",
            json!({
                "id": "cs_1", "payment_status": "paid", "payment_intent": "pi_1",
                "amount_total": 30000, "currency": "hkd", "client_reference_id": "LBC-7K3Q9X",
                "metadata": { "donation_id": "d1", "amount_minor": "30000", "currency": "HKD",
                              "fee_minor": "0" },
            }),
        ));
        assert_eq!(
            (received.provider, received.id.as_str()),
            ("stripe", "evt_1")
        );
        assert_eq!(
            received.event,
            PaymentEvent::Paid {
                donation: DonationLookup {
                    id: Some("d1".into()),
                    reference: Some("LBC-7K3Q9X".into()),
                    subscription_id: None,
                },
                source_id: "pi_1".into(),
                payment_intent_id: Some("pi_1".into()),
                subscription_id: None,
                amount_minor: Some(30_000),
                currency: Some("hkd".into()),
                paid_at: None,
                priced: Some(Priced {
                    amount_minor: 30_000,
                    currency: "HKD".into(),
                    fee_minor: Some(0),
                }),
            }
        );
    }

    #[test]
    fn an_invoice_is_priced_by_its_subscription_metadata_else_by_its_lines() {
        let priced = |invoice: Value| match translate(&event("invoice.paid", invoice)).event {
            PaymentEvent::Paid { priced, .. } => priced,
            other => panic!("{other:?}"),
        };
        let lines = json!({ "object": "list", "has_more": false,
                            "data": [{ "amount": 20000 }, { "amount": 500 }] });
        assert_eq!(
            priced(json!({
                "id": "in_1", "amount_paid": 20500, "currency": "hkd", "lines": lines,
                "parent": { "subscription_details": { "subscription": "sub_1",
                    "metadata": { "donation_id": "d1", "amount_minor": "20500",
                                  "currency": "HKD", "fee_minor": "500" } } },
            })),
            Some(Priced {
                amount_minor: 20_500,
                currency: "HKD".into(),
                fee_minor: Some(500),
            })
        );
        assert_eq!(
            priced(json!({
                "id": "in_1", "amount_paid": 20500, "currency": "hkd", "lines": lines,
                "parent": { "subscription_details": { "subscription": "sub_1",
                    "metadata": { "donation_id": "d1" } } },
            })),
            Some(Priced {
                amount_minor: 20_500,
                currency: "HKD".into(),
                fee_minor: None,
            })
        );
        let more_lines = json!({ "object": "list", "has_more": true, "data": [{ "amount": 1 }] });
        assert_eq!(
            priced(
                json!({ "id": "in_1", "amount_paid": 20500, "currency": "hkd",
                           "lines": more_lines })
            ),
            None
        );
    }

    #[test]
    fn unpaid_sessions_free_invoices_and_other_events_change_nothing() {
        let unpaid = event(
            "checkout.session.completed",
            json!({ "id": "cs_1", "payment_status": "unpaid" }),
        );
        let free = event("invoice.paid", json!({ "id": "in_1", "amount_paid": 0 }));
        let other = event("customer.created", json!({ "id": "cus_1" }));
        for event in [unpaid, free, other] {
            assert_eq!(translate(&event).event, PaymentEvent::Ignored);
        }
    }

    #[test]
    fn invoices_lead_back_through_the_subscription() {
        let received = translate(&event(
            "invoice.paid",
            json!({
                "id": "in_2", "amount_paid": 30000, "currency": "hkd",
                "parent": { "subscription_details": {
                    "subscription": "sub_1", "metadata": { "donation_id": "d1" } } },
            }),
        ));
        let PaymentEvent::Paid {
            donation,
            source_id,
            ..
        } = received.event
        else {
            panic!("an invoice payment is a payment");
        };
        assert_eq!(source_id, "in_2");
        assert_eq!(donation.id.as_deref(), Some("d1"));
        assert_eq!(donation.subscription_id.as_deref(), Some("sub_1"));
    }

    #[test]
    fn every_dispute_event_says_where_its_dispute_stands() {
        let dispute = |kind: &str, status: &str| {
            translate(&event(
                kind,
                json!({ "id": "dp_1", "object": "dispute", "amount": 30000, "currency": "hkd",
                        "payment_intent": "pi_1", "status": status }),
            ))
            .event
        };
        let state = |event: PaymentEvent| match event {
            PaymentEvent::Disputed { state, .. } => Some(state),
            _ => None,
        };
        assert_eq!(
            state(dispute("charge.dispute.created", "warning_needs_response")),
            Some(DisputeState::Inquiry)
        );
        assert_eq!(
            state(dispute("charge.dispute.closed", "warning_closed")),
            Some(DisputeState::InquiryClosed)
        );
        assert_eq!(
            state(dispute("charge.dispute.updated", "needs_response")),
            Some(DisputeState::Open)
        );
        assert_eq!(
            state(dispute("charge.dispute.funds_reinstated", "won")),
            Some(DisputeState::Won)
        );
        assert_eq!(
            dispute("charge.dispute.created", "unheard_of"),
            PaymentEvent::Ignored
        );
    }

    #[test]
    fn a_refund_that_failed_or_was_cancelled_gives_its_money_back() {
        let refund = |kind: &str, status: &str| {
            translate(&event(
                kind,
                json!({ "id": "re_1", "object": "refund", "amount": 5000, "currency": "hkd",
                        "charge": "ch_1", "payment_intent": "pi_1", "status": status }),
            ))
            .event
        };
        let given_back = PaymentEvent::RefundFailed {
            payment_intent_id: "pi_1".to_string(),
            refund_id: "re_1".to_string(),
            amount_minor: 5000,
        };
        assert_eq!(refund("refund.failed", "failed"), given_back);
        assert_eq!(refund("refund.updated", "canceled"), given_back);
        assert_eq!(refund("refund.updated", "succeeded"), PaymentEvent::Ignored);
        assert_eq!(refund("refund.updated", "pending"), PaymentEvent::Ignored);
    }
}

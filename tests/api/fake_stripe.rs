//! A fake Stripe for the tests: the Checkout Sessions endpoint the site calls, a hosted
//! "checkout" page a browser can pay on, and webhooks signed the way Stripe documents them
//! (`Stripe-Signature: t=...,v1=hex(HMAC-SHA256(secret, "{t}.{body}"))`). Signing is written
//! here independently of the site's verifier, so the two check each other.
//!
//! Used by the Rust tests (`tests/payments.rs`) and, as `examples/fake_stripe.rs`, by the
//! browser tests.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

pub const SECRET_KEY: &str = "sk_test_fake_0123456789";
pub const WEBHOOK_SECRET: &str = "whsec_test_fake_0123456789";

/// A Checkout Session the fake made.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub idempotency_key: String,
    pub params: Vec<(String, String)>,
    /// When it was made (Unix seconds), as its `created`.
    pub created: i64,
}

impl Session {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    pub fn amount(&self) -> i64 {
        self.param("line_items[0][price_data][unit_amount]")
            .and_then(|amount| amount.parse().ok())
            .unwrap_or(0)
    }

    pub fn currency(&self) -> &str {
        self.param("line_items[0][price_data][currency]")
            .unwrap_or("")
    }

    pub fn is_subscription(&self) -> bool {
        self.param("mode") == Some("subscription")
    }
}

#[derive(Default)]
struct Ledger {
    sessions: Vec<Session>,
    /// Successful answers by idempotency key: a repeat gets the same session back.
    answers: HashMap<String, Value>,
    /// Every key sent to the sessions endpoint, failures included.
    keys_seen: Vec<String>,
    /// Statuses to answer the next requests with (429, 500...).
    forced: VecDeque<u16>,
    /// Sessions the donor paid on the hosted page.
    paid: Vec<String>,
    /// Sessions the site expired (`POST /v1/checkout/sessions/{id}/expire`).
    expired: Vec<String>,
    /// Every `Stripe-Version` the site sent.
    versions_seen: Vec<String>,
    /// API calls the site made, and how many of them retrieved a session.
    requests: usize,
    retrievals: usize,
    /// Refunds asked for: (idempotency key, payment intent, amount), one per new key.
    refunds: Vec<(String, String, i64)>,
    /// Refund answers by idempotency key: a repeat gets the same refund, and no new event.
    refund_answers: HashMap<String, Value>,
    /// Every call on `/v1/subscriptions/{id}` and `/v1/billing_portal/sessions`, in order.
    subscription_calls: Vec<SubscriptionCall>,
    /// How each subscription stands, by id, once changed (else as its session made it).
    subscriptions: HashMap<String, SubscriptionState>,
    /// The invoices Stripe has paid, by subscription: every one an `invoice.paid` event was
    /// made for, and renewals whose webhook was lost.
    invoices: Vec<(String, Value)>,
    /// Every query the site sent to `GET /v1/invoices` and `GET /v1/invoice_payments`.
    invoice_lists: Vec<String>,
    invoice_payment_lookups: Vec<String>,
}

/// A call the site made about a subscription (or a billing-portal session).
#[derive(Debug, Clone)]
pub struct SubscriptionCall {
    pub method: String,
    pub path: String,
    pub idempotency_key: String,
    pub params: Vec<(String, String)>,
}

impl SubscriptionCall {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// A subscription as the fake keeps it.
#[derive(Debug, Clone)]
struct SubscriptionState {
    amount: i64,
    /// `pause_collection.resumes_at` while paused.
    paused_until: Option<i64>,
    trial_end: Option<i64>,
    canceled: bool,
}

struct Shared {
    base_url: String,
    webhook_url: Mutex<Option<String>>,
    ledger: Mutex<Ledger>,
    /// Answer every request with this status (0: off).
    always: AtomicU16,
    /// Paying sends no webhooks (an outage of Stripe's deliveries).
    hold_webhooks: std::sync::atomic::AtomicBool,
    next_id: AtomicU64,
    http: reqwest::Client,
}

#[derive(Clone)]
pub struct FakeStripe {
    shared: Arc<Shared>,
}

impl FakeStripe {
    /// Starts on a free port.
    pub async fn start() -> FakeStripe {
        FakeStripe::start_on("127.0.0.1:0").await
    }

    pub async fn start_on(address: &str) -> FakeStripe {
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .expect("the fake Stripe binds");
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new(Shared {
            base_url,
            webhook_url: Mutex::new(None),
            ledger: Mutex::new(Ledger::default()),
            always: AtomicU16::new(0),
            hold_webhooks: std::sync::atomic::AtomicBool::new(false),
            next_id: AtomicU64::new(1),
            http: reqwest::Client::new(),
        });
        let router = Router::new()
            .route("/v1/checkout/sessions", post(create_session))
            .route("/v1/checkout/sessions/{id}", get(retrieve_session))
            .route("/v1/checkout/sessions/{id}/expire", post(expire_session))
            .route("/v1/refunds", post(create_refund))
            .route("/v1/invoices", get(list_invoices))
            .route("/v1/invoice_payments", get(list_invoice_payments))
            .route(
                "/v1/subscriptions/{id}",
                get(retrieve_subscription)
                    .post(update_subscription)
                    .delete(cancel_subscription),
            )
            .route("/v1/billing_portal/sessions", post(create_portal_session))
            .route("/portal/{id}", get(portal_page))
            .route("/pay/{id}", get(checkout_page).post(pay))
            .route("/healthz", get(|| async { "ok" }))
            .with_state(shared.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        FakeStripe { shared }
    }

    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// Where signed webhooks go (the site's `/webhooks/stripe`).
    pub fn send_webhooks_to(&self, url: &str) {
        *self.shared.webhook_url.lock().unwrap() = Some(url.to_string());
    }

    /// The next requests are answered with these statuses, in order.
    pub fn fail_next(&self, statuses: &[u16]) {
        self.shared
            .ledger
            .lock()
            .unwrap()
            .forced
            .extend(statuses.iter().copied());
    }

    /// Every request is answered with `status` until set back to 0.
    pub fn fail_always(&self, status: u16) {
        self.shared.always.store(status, Ordering::SeqCst);
    }

    pub fn sessions(&self) -> Vec<Session> {
        self.shared.ledger.lock().unwrap().sessions.clone()
    }

    pub fn keys_seen(&self) -> Vec<String> {
        self.shared.ledger.lock().unwrap().keys_seen.clone()
    }

    /// Every `Stripe-Version` header the site sent.
    pub fn versions_seen(&self) -> Vec<String> {
        self.shared.ledger.lock().unwrap().versions_seen.clone()
    }

    /// The refunds the site asked for: (idempotency key, payment intent, amount).
    pub fn refunds(&self) -> Vec<(String, String, i64)> {
        self.shared.ledger.lock().unwrap().refunds.clone()
    }

    /// The calls the site made about subscriptions and billing-portal sessions.
    pub fn subscription_calls(&self) -> Vec<SubscriptionCall> {
        self.shared
            .ledger
            .lock()
            .unwrap()
            .subscription_calls
            .clone()
    }

    /// How many API calls the site made.
    pub fn requests(&self) -> usize {
        self.shared.ledger.lock().unwrap().requests
    }

    /// How many times the site asked about a session (the reconciliation sweep).
    pub fn retrievals(&self) -> usize {
        self.shared.ledger.lock().unwrap().retrievals
    }

    /// From now on, paying sends no webhooks (the deliveries are down); the session is paid
    /// all the same, as retrieving it shows.
    pub fn hold_webhooks(&self) {
        self.shared.hold_webhooks.store(true, Ordering::SeqCst);
    }

    /// The donor pays a session on the hosted page (with its webhooks, unless held).
    pub async fn pay(&self, session: &Session) {
        // The answer redirects to the site's public address, which is not to be followed.
        let browser = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let response = browser
            .post(format!("{}/pay/{}", self.base_url(), session.id))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success() || response.status().is_redirection());
    }

    /// `invoice_payment.paid` for month `n`: the invoice is paid by that month's payment intent.
    pub fn invoice_payment_paid_event(&self, session: &Session, month: u32) -> Value {
        self.event(
            "invoice_payment.paid",
            json!({
                "id": format!("inpay_{}_{month}", session.id),
                "object": "invoice_payment",
                "invoice": invoice_id(session, month),
                "amount_paid": session.amount(),
                "currency": session.currency(),
                "status": "paid",
                "payment": { "type": "payment_intent", "payment_intent": month_payment_intent(session, month) },
            }),
        )
    }

    /// `charge.refunded` for month `n` of a monthly gift (the charge names only its payment
    /// intent, as in the pinned API version).
    pub fn refund_month_event(&self, session: &Session, month: u32, amount_refunded: i64) -> Value {
        self.event(
            "charge.refunded",
            json!({
                "id": format!("ch_{}_{month}", session.id),
                "object": "charge",
                "amount": session.amount(),
                "amount_refunded": amount_refunded,
                "currency": session.currency(),
                "payment_intent": month_payment_intent(session, month),
                "refunded": amount_refunded >= session.amount(),
            }),
        )
    }

    /// `charge.dispute.created` (`status` None) or `charge.dispute.closed` with `status` (`won`
    /// or `lost`) for a one-off gift's payment.
    pub fn dispute_event(&self, session: &Session, status: Option<&str>) -> Value {
        match status {
            None => self.dispute_event_at(session, "charge.dispute.created", "needs_response"),
            Some(status) => self.dispute_event_at(session, "charge.dispute.closed", status),
        }
    }

    /// A dispute event of `kind` (`charge.dispute.created`, `.updated`, `.closed`,
    /// `.funds_withdrawn`, `.funds_reinstated`) for a one-off gift's payment, the dispute at
    /// `status`: `warning_needs_response`, `warning_under_review` and `warning_closed` for an
    /// inquiry (no money withdrawn, `case_type: inquiry`); `needs_response`, `under_review`,
    /// `won` and `lost` for a chargeback. The Dispute object's shape in 2025-03-31.basil.
    pub fn dispute_event_at(&self, session: &Session, kind: &str, status: &str) -> Value {
        let inquiry = status.starts_with("warning_");
        self.event(
            kind,
            json!({
                "id": format!("dp_{}", session.id),
                "object": "dispute",
                "amount": session.amount(),
                "balance_transactions": [],
                "charge": format!("ch_{}", session.id),
                "created": now_seconds(),
                "currency": session.currency(),
                "enhanced_eligibility_types": [],
                "evidence_details": {
                    "due_by": now_seconds() + 7 * 86_400,
                    "enhanced_eligibility": {},
                    "has_evidence": false,
                    "past_due": false,
                    "submission_count": 0,
                },
                "is_charge_refundable": inquiry,
                "livemode": false,
                "metadata": {},
                "payment_intent": payment_intent_id(session),
                "payment_method_details": {
                    "card": {
                        "brand": "visa",
                        "case_type": if inquiry { "inquiry" } else { "chargeback" },
                        "network_reason_code": "10.4",
                    },
                    "type": "card",
                },
                "reason": "fraudulent",
                "status": status,
            }),
        )
    }

    /// A Stripe event envelope around `object`.
    pub fn event(&self, kind: &str, object: Value) -> Value {
        self.event_created(kind, object, now_seconds())
    }

    /// A Stripe event envelope around `object`, made at `created` (Unix seconds): what a
    /// delayed or redelivered event looks like when it finally arrives.
    pub fn event_created(&self, kind: &str, object: Value, created: i64) -> Value {
        let id = format!(
            "evt_test_{}",
            self.shared.next_id.fetch_add(1, Ordering::SeqCst)
        );
        json!({
            "id": id,
            "object": "event",
            "api_version": "2025-03-31.basil",
            "created": created,
            "livemode": false,
            "type": kind,
            "data": { "object": object },
        })
    }

    /// `checkout.session.completed` for a session, as Stripe sends it once the donor paid.
    pub fn completed_event(&self, session: &Session) -> Value {
        self.completed_event_at(session, now_seconds())
    }

    /// `checkout.session.completed` for a session the donor paid at `paid_at` (Unix seconds):
    /// the event is made then, whenever it arrives.
    pub fn completed_event_at(&self, session: &Session, paid_at: i64) -> Value {
        self.event_created(
            "checkout.session.completed",
            session_object(session, "complete", "paid"),
            paid_at,
        )
    }

    /// `checkout.session.async_payment_failed`: the session completed, but the payment (a
    /// delayed method) then failed, so it stays unpaid.
    pub fn async_payment_failed_event(&self, session: &Session) -> Value {
        self.event(
            "checkout.session.async_payment_failed",
            session_object(session, "complete", "unpaid"),
        )
    }

    /// `checkout.session.expired` for a session the donor never paid.
    pub fn expired_event(&self, session: &Session) -> Value {
        self.event(
            "checkout.session.expired",
            session_object(session, "expired", "unpaid"),
        )
    }

    /// `invoice.paid` for month `n` of a subscription session.
    pub fn invoice_paid_event(&self, session: &Session, month: u32) -> Value {
        self.invoice_paid_event_at(session, month, now_seconds())
    }

    /// `invoice.paid` for month `n`, paid at `paid_at` (its `status_transitions.paid_at`), the
    /// event made a little later, as Stripe does.
    pub fn invoice_paid_event_at(&self, session: &Session, month: u32, paid_at: i64) -> Value {
        self.event_created(
            "invoice.paid",
            self.paid_invoice(session, month, paid_at),
            paid_at + 2,
        )
    }

    /// Stripe charges month `n` at `paid_at`, but no webhook reaches the site (it was lost
    /// after Stripe's retries): only asking Stripe finds it.
    pub fn renew_without_webhook(&self, session: &Session, month: u32, paid_at: i64) {
        self.paid_invoice(session, month, paid_at);
    }

    /// Month `n`'s invoice, paid at `paid_at`, as Stripe now has it.
    fn paid_invoice(&self, session: &Session, month: u32, paid_at: i64) -> Value {
        let invoice = invoice_object(session, month, paid_at);
        self.remember_invoice(session, &invoice);
        invoice
    }

    fn remember_invoice(&self, session: &Session, invoice: &Value) {
        let mut ledger = self.shared.ledger.lock().unwrap();
        let id = invoice["id"].clone();
        if !ledger.invoices.iter().any(|(_, known)| known["id"] == id) {
            ledger
                .invoices
                .push((subscription_id(session), invoice.clone()));
        }
    }

    /// The sessions the site expired.
    pub fn expired_sessions(&self) -> Vec<String> {
        self.shared.ledger.lock().unwrap().expired.clone()
    }

    /// `invoice.paid` for month `n`, billed at `amount` (its lines, and the subscription's
    /// metadata copied onto it, say so): a month billed before or after a change of amount.
    pub fn invoice_paid_event_billed(
        &self,
        session: &Session,
        month: u32,
        paid_at: i64,
        amount: i64,
    ) -> Value {
        let invoice = invoice_object_billed(session, month, paid_at, amount);
        self.remember_invoice(session, &invoice);
        self.event_created("invoice.paid", invoice, paid_at + 2)
    }

    /// The queries the site sent to `GET /v1/invoices` (the sweep asking for missed months).
    pub fn invoice_lists(&self) -> Vec<String> {
        self.shared.ledger.lock().unwrap().invoice_lists.clone()
    }

    /// The invoices the site asked `GET /v1/invoice_payments` about.
    pub fn invoice_payment_lookups(&self) -> Vec<String> {
        self.shared
            .ledger
            .lock()
            .unwrap()
            .invoice_payment_lookups
            .clone()
    }

    /// `customer.subscription.updated` made at `created` (Unix seconds), the subscription then
    /// charging `amount` a month and paused until `paused_until` (Unix seconds) if given.
    pub fn subscription_updated_event_at(
        &self,
        session: &Session,
        amount: i64,
        paused_until: Option<i64>,
        created: i64,
    ) -> Value {
        let state = SubscriptionState {
            amount,
            paused_until,
            trial_end: None,
            canceled: false,
        };
        self.event_created(
            "customer.subscription.updated",
            subscription_object(session, &state),
            created,
        )
    }

    pub fn subscription_deleted_event(&self, session: &Session) -> Value {
        self.event(
            "customer.subscription.deleted",
            json!({
                "id": subscription_id(session),
                "object": "subscription",
                "status": "canceled",
                "metadata": {
                    "donation_id": session.param("subscription_data[metadata][donation_id]"),
                    "reference": session.param("subscription_data[metadata][reference]"),
                },
            }),
        )
    }

    pub fn refund_event(&self, session: &Session, amount_refunded: i64) -> Value {
        self.refund_event_at(session, amount_refunded, now_seconds())
    }

    /// `charge.refunded` for a one-off gift's payment, sent at `created` (Unix seconds): the
    /// charge's `amount_refunded` is the running total of its refunds that have not failed.
    pub fn refund_event_at(&self, session: &Session, amount_refunded: i64, created: i64) -> Value {
        self.event_created(
            "charge.refunded",
            json!({
                "id": format!("ch_{}", session.id),
                "object": "charge",
                "amount": session.amount(),
                "amount_refunded": amount_refunded,
                "currency": session.currency(),
                "payment_intent": payment_intent_id(session),
                "refunded": amount_refunded >= session.amount(),
            }),
            created,
        )
    }

    /// A Refund's own event (`refund.failed`, or `refund.updated` with `status` `failed` or
    /// `canceled`, `succeeded`, `pending`) for a one-off gift's payment, sent at `created`.
    /// The Refund object's shape in 2025-03-31.basil.
    pub fn refund_object_event_at(
        &self,
        session: &Session,
        kind: &str,
        refund_id: &str,
        amount: i64,
        status: &str,
        created: i64,
    ) -> Value {
        let failed = status == "failed";
        self.event_created(
            kind,
            json!({
                "id": refund_id,
                "object": "refund",
                "amount": amount,
                "balance_transaction": format!("txn_{refund_id}"),
                "charge": format!("ch_{}", session.id),
                "created": created - 3_600,
                "currency": session.currency(),
                "destination_details": { "type": "card", "card": { "type": "refund" } },
                "failure_balance_transaction": failed.then(|| format!("txn_{refund_id}_failure")),
                "failure_reason": failed.then_some("expired_or_canceled_card"),
                "metadata": {},
                "payment_intent": payment_intent_id(session),
                "reason": "requested_by_customer",
                "receipt_number": null,
                "source_transfer_reversal": null,
                "status": status,
                "transfer_reversal": null,
            }),
            created,
        )
    }

    /// Delivers an event and expects the site to take it (200).
    pub async fn deliver_ok(&self, event: &Value) {
        let response = self.deliver(event).await;
        assert_eq!(response.status(), StatusCode::OK, "{}", event["type"]);
    }

    /// Signs and posts an event to the site, as Stripe delivers it.
    pub async fn deliver(&self, event: &Value) -> reqwest::Response {
        let body = serde_json::to_vec(event).unwrap();
        let header = sign(&body, WEBHOOK_SECRET, now_seconds());
        self.post_webhook(body, Some(header)).await
    }

    /// Signs and posts an event to the webhook endpoint at `url` (one of several instances).
    pub async fn deliver_to(&self, url: &str, event: &Value) -> reqwest::Response {
        let body = serde_json::to_vec(event).unwrap();
        self.shared
            .http
            .post(url)
            .header("content-type", "application/json")
            .header(
                "stripe-signature",
                sign(&body, WEBHOOK_SECRET, now_seconds()),
            )
            .body(body)
            .send()
            .await
            .expect("the site answers")
    }

    /// Posts a raw body with any header (or none): for tampering tests.
    pub async fn post_webhook(
        &self,
        body: Vec<u8>,
        signature: Option<String>,
    ) -> reqwest::Response {
        let url = self
            .shared
            .webhook_url
            .lock()
            .unwrap()
            .clone()
            .expect("send_webhooks_to was called");
        let mut request = self
            .shared
            .http
            .post(url)
            .header("content-type", "application/json");
        if let Some(signature) = signature {
            request = request.header("stripe-signature", signature);
        }
        request.body(body).send().await.expect("the site answers")
    }
}

/// `t={t},v1={hex HMAC-SHA256 of "{t}.{body}"}`, per Stripe's webhook documentation.
pub fn sign(body: &[u8], secret: &str, timestamp: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("t={timestamp},v1={hex}")
}

pub fn now_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The subscription a monthly gift's session started.
pub fn subscription_of(session: &Session) -> String {
    subscription_id(session)
}

fn subscription_id(session: &Session) -> String {
    format!("sub_{}", session.id)
}

fn payment_intent_id(session: &Session) -> String {
    format!("pi_{}", session.id)
}

/// The payment intent that paid month `n` of a monthly gift.
fn month_payment_intent(session: &Session, month: u32) -> String {
    format!("pi_{}_{month}", session.id)
}

fn invoice_id(session: &Session, month: u32) -> String {
    format!("in_{}_{month}", session.id)
}

fn session_object(session: &Session, status: &str, payment_status: &str) -> Value {
    let subscription = session.is_subscription();
    let paid = payment_status == "paid";
    let metadata: serde_json::Map<String, Value> = session
        .params
        .iter()
        .filter_map(|(key, value)| {
            let name = key.strip_prefix("metadata[")?.strip_suffix(']')?;
            Some((name.to_string(), Value::String(value.clone())))
        })
        .collect();
    json!({
        "id": session.id,
        "object": "checkout.session",
        "created": session.created,
        "mode": session.param("mode"),
        "status": status,
        "payment_status": payment_status,
        "amount_total": session.amount(),
        "currency": session.currency(),
        "client_reference_id": session.param("client_reference_id"),
        "customer_email": session.param("customer_email"),
        "metadata": metadata,
        "payment_intent": (!subscription && paid).then(|| payment_intent_id(session)),
        "subscription": (subscription && paid).then(|| subscription_id(session)),
        "invoice": (subscription && paid).then(|| invoice_id(session, 1)),
        "success_url": session.param("success_url"),
        "cancel_url": session.param("cancel_url"),
    })
}

fn invoice_object(session: &Session, month: u32, paid_at: i64) -> Value {
    invoice_object_billed(session, month, paid_at, session.amount())
}

/// Month `n`'s invoice, billed at `amount`, in the 2025-03-31.basil shape: the subscription's
/// metadata as it was when the invoice was made (the site rewrites the price in it with each
/// change of amount, and the fee cover ends then), and one line for the month.
fn invoice_object_billed(session: &Session, month: u32, paid_at: i64, amount: i64) -> Value {
    let mut metadata: serde_json::Map<String, Value> = session
        .params
        .iter()
        .filter_map(|(key, value)| {
            let name = key
                .strip_prefix("subscription_data[metadata][")?
                .strip_suffix(']')?;
            Some((name.to_string(), Value::String(value.clone())))
        })
        .collect();
    if amount != session.amount() && metadata.contains_key("amount_minor") {
        metadata.insert("amount_minor".into(), Value::String(amount.to_string()));
        metadata.insert("fee_minor".into(), Value::String("0".into()));
    }
    json!({
        "id": invoice_id(session, month),
        "object": "invoice",
        "created": paid_at - 3_600,
        "status": "paid",
        "status_transitions": {
            "finalized_at": paid_at - 3_600,
            "marked_uncollectible_at": null,
            "paid_at": paid_at,
            "voided_at": null,
        },
        "amount_due": amount,
        "amount_paid": amount,
        "amount_remaining": 0,
        "currency": session.currency(),
        "billing_reason": if month == 1 { "subscription_create" } else { "subscription_cycle" },
        "lines": {
            "object": "list",
            "has_more": false,
            "data": [{
                "id": format!("il_{}_{month}", session.id),
                "object": "line_item",
                "amount": amount,
                "currency": session.currency(),
                "quantity": 1,
                "pricing": { "type": "price_details", "unit_amount_decimal": amount.to_string() },
            }],
        },
        "parent": {
            "type": "subscription_details",
            "subscription_details": {
                "subscription": subscription_id(session),
                "metadata": metadata,
            },
        },
    })
}

fn stripe_error(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap();
    (
        status,
        axum::Json(json!({ "error": { "type": "api_error", "message": "fake failure" } })),
    )
        .into_response()
}

fn authorized(shared: &Shared, headers: &HeaderMap) -> bool {
    let mut ledger = shared.ledger.lock().unwrap();
    ledger.requests += 1;
    if let Some(version) = headers.get("stripe-version").and_then(|v| v.to_str().ok()) {
        ledger.versions_seen.push(version.to_string());
    }
    drop(ledger);
    headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        == Some(&format!("Bearer {SECRET_KEY}"))
}

/// `GET /v1/checkout/sessions/{id}`: the session as it stands (paid once the donor paid).
async fn retrieve_session(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !authorized(&shared, &headers) {
        return stripe_error(401);
    }
    shared.ledger.lock().unwrap().retrievals += 1;
    let Some(session) = find_session(&shared, &id) else {
        return stripe_error(404);
    };
    let (paid, expired) = {
        let ledger = shared.ledger.lock().unwrap();
        (ledger.paid.contains(&id), ledger.expired.contains(&id))
    };
    let object = if paid {
        session_object(&session, "complete", "paid")
    } else if expired {
        session_object(&session, "expired", "unpaid")
    } else {
        session_object(&session, "open", "unpaid")
    };
    axum::Json(object).into_response()
}

/// `POST /v1/checkout/sessions/{id}/expire`: an open session can no longer be paid; Stripe
/// answers with it and sends `checkout.session.expired`. A paid one cannot be expired (400).
async fn expire_session(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !authorized(&shared, &headers) {
        return stripe_error(401);
    }
    let Some(session) = find_session(&shared, &id) else {
        return stripe_error(404);
    };
    {
        let mut ledger = shared.ledger.lock().unwrap();
        if ledger.paid.contains(&id) {
            drop(ledger);
            return stripe_error(400);
        }
        if !ledger.expired.contains(&id) {
            ledger.expired.push(id.clone());
        }
    }
    let object = session_object(&session, "expired", "unpaid");
    let fake = FakeStripe {
        shared: shared.clone(),
    };
    deliver_later(
        &shared,
        fake.event("checkout.session.expired", object.clone()),
    );
    axum::Json(object).into_response()
}

async fn create_session(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Form(params): Form<Vec<(String, String)>>,
) -> Response {
    if !authorized(&shared, &headers) {
        return stripe_error(401);
    }
    let key = headers
        .get("idempotency-key")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let mut ledger = shared.ledger.lock().unwrap();
    ledger.keys_seen.push(key.clone());
    let always = shared.always.load(Ordering::SeqCst);
    if always != 0 {
        return stripe_error(always);
    }
    if let Some(status) = ledger.forced.pop_front() {
        return stripe_error(status);
    }
    if let Some(answer) = ledger.answers.get(&key) {
        return axum::Json(answer.clone()).into_response();
    }
    let id = format!("cs_test_{}", shared.next_id.fetch_add(1, Ordering::SeqCst));
    let url = format!("{}/pay/{id}", shared.base_url);
    let answer = json!({ "id": id, "object": "checkout.session", "url": url, "status": "open" });
    ledger.sessions.push(Session {
        id,
        idempotency_key: key.clone(),
        params,
        created: now_seconds(),
    });
    if !key.is_empty() {
        ledger.answers.insert(key, answer.clone());
    }
    axum::Json(answer).into_response()
}

/// `POST /v1/refunds`: a refund of part or all of a payment intent. Like Stripe, the money
/// comes back through a `charge.refunded` event (its `amount_refunded` the running total),
/// sent after the answer.
async fn create_refund(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Form(params): Form<Vec<(String, String)>>,
) -> Response {
    if !authorized(&shared, &headers) {
        return stripe_error(401);
    }
    let key = headers
        .get("idempotency-key")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let param = |name: &str| {
        params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    let (Some(payment_intent), Some(amount)) = (
        param("payment_intent"),
        param("amount").and_then(|amount| amount.parse::<i64>().ok()),
    ) else {
        return stripe_error(400);
    };
    let (answer, refunded_so_far, new) = {
        let mut ledger = shared.ledger.lock().unwrap();
        if let Some(answer) = ledger.refund_answers.get(&key) {
            return axum::Json(answer.clone()).into_response();
        }
        ledger
            .refunds
            .push((key.clone(), payment_intent.clone(), amount));
        let so_far: i64 = ledger
            .refunds
            .iter()
            .filter(|(_, pi, _)| *pi == payment_intent)
            .map(|(_, _, amount)| amount)
            .sum();
        let id = format!("re_test_{}", shared.next_id.fetch_add(1, Ordering::SeqCst));
        let answer =
            json!({ "id": id, "object": "refund", "status": "succeeded", "amount": amount });
        ledger.refund_answers.insert(key, answer.clone());
        (answer, so_far, true)
    };
    // The session this payment intent paid (`pi_{session}` or `pi_{session}_{month}`).
    let stripped = payment_intent.trim_start_matches("pi_");
    let session = find_session(&shared, stripped).or_else(|| {
        stripped
            .rsplit_once('_')
            .and_then(|(session, _)| find_session(&shared, session))
    });
    if let (Some(session), true) = (session, new) {
        let fake = FakeStripe {
            shared: shared.clone(),
        };
        let event = fake.event(
            "charge.refunded",
            json!({
                "id": format!("ch_{payment_intent}"),
                "object": "charge",
                "amount": session.amount(),
                "amount_refunded": refunded_so_far,
                "currency": session.currency(),
                "payment_intent": payment_intent,
                "refunded": refunded_so_far >= session.amount(),
            }),
        );
        tokio::spawn(async move {
            fake.deliver(&event).await;
        });
    }
    axum::Json(answer).into_response()
}

#[derive(serde::Deserialize)]
struct InvoiceListQuery {
    subscription: Option<String>,
    status: Option<String>,
    #[serde(rename = "created[gte]")]
    created_gte: Option<i64>,
    limit: Option<usize>,
    starting_after: Option<String>,
}

/// `GET /v1/invoices?subscription=…&status=paid&created[gte]=…`: a subscription's invoices,
/// newest first, a page at a time (`limit`, `starting_after`, `has_more`), as Stripe lists them.
async fn list_invoices(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Response {
    if !authorized(&shared, &headers) {
        return stripe_error(401);
    }
    let raw = raw.unwrap_or_default();
    let Ok(query) = serde_urlencoded::from_str::<InvoiceListQuery>(&raw) else {
        return stripe_error(400);
    };
    let mut ledger = shared.ledger.lock().unwrap();
    ledger.invoice_lists.push(raw);
    let mut invoices: Vec<Value> = ledger
        .invoices
        .iter()
        .filter(|(subscription, _)| Some(subscription) == query.subscription.as_ref())
        .map(|(_, invoice)| invoice.clone())
        .filter(|invoice| {
            query
                .status
                .as_deref()
                .is_none_or(|status| invoice["status"] == status)
        })
        .filter(|invoice| {
            query
                .created_gte
                .is_none_or(|gte| invoice["created"].as_i64().unwrap_or(0) >= gte)
        })
        .collect();
    invoices.sort_by_key(|invoice| std::cmp::Reverse(invoice["created"].as_i64()));
    if let Some(after) = &query.starting_after {
        if let Some(place) = invoices.iter().position(|invoice| invoice["id"] == *after) {
            invoices.drain(..=place);
        }
    }
    let limit = query.limit.unwrap_or(10).clamp(1, 100);
    let has_more = invoices.len() > limit;
    invoices.truncate(limit);
    axum::Json(json!({
        "object": "list",
        "url": "/v1/invoices",
        "has_more": has_more,
        "data": invoices,
    }))
    .into_response()
}

#[derive(serde::Deserialize)]
struct InvoicePaymentQuery {
    invoice: Option<String>,
}

/// `GET /v1/invoice_payments?invoice=…`: the Invoice Payment that paid a known invoice (month
/// `n` of a session's subscription is paid by `pi_{session}_{n}`), in the 2025-03-31.basil shape.
async fn list_invoice_payments(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(query): Query<InvoicePaymentQuery>,
) -> Response {
    if !authorized(&shared, &headers) {
        return stripe_error(401);
    }
    let invoice = query.invoice.unwrap_or_default();
    let mut ledger = shared.ledger.lock().unwrap();
    ledger.invoice_payment_lookups.push(invoice.clone());
    let known = ledger
        .invoices
        .iter()
        .find(|(_, known)| known["id"] == invoice.as_str())
        .map(|(_, known)| known.clone());
    let data: Vec<Value> = known
        .into_iter()
        .filter_map(|known| {
            let (_, month) = invoice.rsplit_once('_')?;
            let session = invoice.strip_prefix("in_")?.rsplit_once('_')?.0;
            Some(json!({
                "id": format!("inpay_{session}_{month}"),
                "object": "invoice_payment",
                "amount_paid": known["amount_paid"],
                "amount_requested": known["amount_paid"],
                "created": known["created"],
                "currency": known["currency"],
                "invoice": invoice,
                "is_default": true,
                "livemode": false,
                "payment": { "type": "payment_intent", "payment_intent": format!("pi_{session}_{month}") },
                "status": "paid",
                "status_transitions": { "canceled_at": null, "paid_at": known["status_transitions"]["paid_at"] },
            }))
        })
        .collect();
    axum::Json(json!({
        "object": "list",
        "url": "/v1/invoice_payments",
        "has_more": false,
        "data": data,
    }))
    .into_response()
}

fn find_session(shared: &Shared, id: &str) -> Option<Session> {
    shared
        .ledger
        .lock()
        .unwrap()
        .sessions
        .iter()
        .find(|session| session.id == id)
        .cloned()
}

/// The hosted page: the amount, a Pay button and a way back.
async fn checkout_page(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let Some(session) = find_session(&shared, &id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let cancel = session
        .param("cancel_url")
        .unwrap_or("/")
        .replace('&', "&amp;");
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><title>Fake Stripe Checkout</title></head><body>\
         <main><h1>Fake Stripe Checkout</h1>\
         <p id=\"amount\">{} {}</p>\
         <form method=\"post\"><button type=\"submit\" id=\"pay\">Pay</button></form>\
         <form method=\"post\" action=\"/pay/{id}?delay_ms=1500\"><button type=\"submit\" id=\"pay-slow\">Pay (slow confirmation)</button></form>\
         <a id=\"cancel\" href=\"{cancel}\">Back to the site</a></main></body></html>",
        session.amount(),
        session.currency()
    ))
    .into_response()
}

#[derive(serde::Deserialize)]
struct PayQuery {
    delay_ms: Option<u64>,
}

/// The donor pays: Stripe sends the signed events and returns the donor to the success URL.
/// With `delay_ms` the events follow the redirect, as they often do in real life.
async fn pay(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(query): Query<PayQuery>,
) -> Response {
    let Some(session) = find_session(&shared, &id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    shared.ledger.lock().unwrap().paid.push(id.clone());
    let fake = FakeStripe {
        shared: shared.clone(),
    };
    let mut events = vec![fake.completed_event(&session)];
    if session.is_subscription() {
        events.push(fake.invoice_paid_event(&session, 1));
        events.push(fake.invoice_payment_paid_event(&session, 1));
    }
    if shared.hold_webhooks.load(Ordering::SeqCst) {
        events.clear();
    }
    let deliver_all = async move {
        for event in &events {
            let response = fake.deliver(event).await;
            assert!(
                response.status().is_success(),
                "webhook refused: {}",
                response.status()
            );
        }
    };
    match query.delay_ms {
        Some(delay) => {
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(delay)).await;
                deliver_all.await;
            });
        }
        None => deliver_all.await,
    }
    Redirect::to(session.param("success_url").unwrap_or("/")).into_response()
}

/// The session that started subscription `sub_{session}`.
fn session_of_subscription(shared: &Shared, id: &str) -> Option<Session> {
    find_session(shared, id.strip_prefix("sub_")?).filter(Session::is_subscription)
}

fn idempotency_key(headers: &HeaderMap) -> String {
    headers
        .get("idempotency-key")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

fn subscription_state(shared: &Shared, session: &Session) -> SubscriptionState {
    shared
        .ledger
        .lock()
        .unwrap()
        .subscriptions
        .get(&subscription_id(session))
        .cloned()
        .unwrap_or(SubscriptionState {
            amount: session.amount(),
            paused_until: None,
            trial_end: None,
            canceled: false,
        })
}

/// A subscription object in the pinned API version (the period on the item).
fn subscription_object(session: &Session, state: &SubscriptionState) -> Value {
    let now = now_seconds();
    let status = if state.canceled {
        "canceled"
    } else if state.trial_end.is_some() {
        "trialing"
    } else {
        "active"
    };
    json!({
        "id": subscription_id(session),
        "object": "subscription",
        "customer": format!("cus_{}", session.id),
        "status": status,
        "metadata": {
            "donation_id": session.param("subscription_data[metadata][donation_id]"),
            "reference": session.param("subscription_data[metadata][reference]"),
        },
        "pause_collection": state.paused_until.map(|resumes_at| json!({
            "behavior": "void",
            "resumes_at": resumes_at,
        })),
        "trial_end": state.trial_end,
        "items": { "object": "list", "data": [{
            "id": format!("si_{}", session.id),
            "object": "subscription_item",
            "current_period_start": now,
            "current_period_end": now + 30 * 86_400,
            "price": {
                "id": format!("price_{}", session.id),
                "product": format!("prod_{}", session.id),
                "currency": session.currency(),
                "unit_amount": state.amount,
                "recurring": { "interval": "month" },
            },
        }]},
    })
}

fn record_subscription_call(
    shared: &Shared,
    method: &str,
    path: String,
    headers: &HeaderMap,
    params: Vec<(String, String)>,
) {
    shared
        .ledger
        .lock()
        .unwrap()
        .subscription_calls
        .push(SubscriptionCall {
            method: method.to_string(),
            path,
            idempotency_key: idempotency_key(headers),
            params,
        });
}

/// Sends `event` to the site after answering, unless deliveries are held.
fn deliver_later(shared: &Arc<Shared>, event: Value) {
    if shared.hold_webhooks.load(Ordering::SeqCst) {
        return;
    }
    let fake = FakeStripe {
        shared: shared.clone(),
    };
    tokio::spawn(async move {
        fake.deliver(&event).await;
    });
}

async fn retrieve_subscription(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !authorized(&shared, &headers) {
        return stripe_error(401);
    }
    record_subscription_call(
        &shared,
        "GET",
        format!("/v1/subscriptions/{id}"),
        &headers,
        Vec::new(),
    );
    let Some(session) = session_of_subscription(&shared, &id) else {
        return stripe_error(404);
    };
    let state = subscription_state(&shared, &session);
    axum::Json(subscription_object(&session, &state)).into_response()
}

/// `POST /v1/subscriptions/{id}`: pause or resume collection, a new price, a trial until a new
/// billing day. A repeated idempotency key changes nothing and sends no second event.
async fn update_subscription(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(params): Form<Vec<(String, String)>>,
) -> Response {
    if !authorized(&shared, &headers) {
        return stripe_error(401);
    }
    let key = idempotency_key(&headers);
    let repeat = shared
        .ledger
        .lock()
        .unwrap()
        .subscription_calls
        .iter()
        .any(|call| !key.is_empty() && call.idempotency_key == key);
    record_subscription_call(
        &shared,
        "POST",
        format!("/v1/subscriptions/{id}"),
        &headers,
        params.clone(),
    );
    let Some(session) = session_of_subscription(&shared, &id) else {
        return stripe_error(404);
    };
    let mut state = subscription_state(&shared, &session);
    if state.canceled {
        return stripe_error(400);
    }
    if repeat {
        return axum::Json(subscription_object(&session, &state)).into_response();
    }
    let param = |name: &str| {
        params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    if param("pause_collection") == Some("") {
        state.paused_until = None;
    }
    if let Some(resumes_at) = param("pause_collection[resumes_at]").and_then(|v| v.parse().ok()) {
        state.paused_until = Some(resumes_at);
    }
    if let Some(amount) = param("items[0][price_data][unit_amount]").and_then(|v| v.parse().ok()) {
        state.amount = amount;
    }
    if let Some(trial_end) = param("trial_end").and_then(|v| v.parse().ok()) {
        state.trial_end = Some(trial_end);
    }
    shared
        .ledger
        .lock()
        .unwrap()
        .subscriptions
        .insert(subscription_id(&session), state.clone());
    let object = subscription_object(&session, &state);
    let fake = FakeStripe {
        shared: shared.clone(),
    };
    deliver_later(
        &shared,
        fake.event("customer.subscription.updated", object.clone()),
    );
    axum::Json(object).into_response()
}

/// `DELETE /v1/subscriptions/{id}`: cancels at once; a second cancel is a 404, as at Stripe.
async fn cancel_subscription(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    if !authorized(&shared, &headers) {
        return stripe_error(401);
    }
    let params: Vec<(String, String)> = serde_urlencoded::from_str(&body).unwrap_or_default();
    record_subscription_call(
        &shared,
        "DELETE",
        format!("/v1/subscriptions/{id}"),
        &headers,
        params,
    );
    let Some(session) = session_of_subscription(&shared, &id) else {
        return stripe_error(404);
    };
    let mut state = subscription_state(&shared, &session);
    if state.canceled {
        return stripe_error(404);
    }
    state.canceled = true;
    shared
        .ledger
        .lock()
        .unwrap()
        .subscriptions
        .insert(subscription_id(&session), state.clone());
    let object = subscription_object(&session, &state);
    let fake = FakeStripe {
        shared: shared.clone(),
    };
    deliver_later(
        &shared,
        fake.event("customer.subscription.deleted", object.clone()),
    );
    axum::Json(object).into_response()
}

/// `POST /v1/billing_portal/sessions`: a page where the donor would update their card.
async fn create_portal_session(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Form(params): Form<Vec<(String, String)>>,
) -> Response {
    if !authorized(&shared, &headers) {
        return stripe_error(401);
    }
    let return_url = params
        .iter()
        .find(|(key, _)| key == "return_url")
        .map(|(_, value)| value.clone())
        .unwrap_or_default();
    record_subscription_call(
        &shared,
        "POST",
        "/v1/billing_portal/sessions".into(),
        &headers,
        params,
    );
    let id = format!("bps_test_{}", shared.next_id.fetch_add(1, Ordering::SeqCst));
    shared
        .ledger
        .lock()
        .unwrap()
        .answers
        .insert(format!("portal:{id}"), json!(return_url));
    axum::Json(json!({
        "id": id,
        "object": "billing_portal.session",
        "url": format!("{}/portal/{id}", shared.base_url),
        "return_url": return_url,
    }))
    .into_response()
}

/// The billing portal's page: the card form is Stripe's; here only the way back.
async fn portal_page(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let Some(return_url) = shared
        .ledger
        .lock()
        .unwrap()
        .answers
        .get(&format!("portal:{id}"))
        .and_then(|value| value.as_str().map(str::to_string))
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><title>Fake Stripe billing portal</title></head><body>\
         <main><h1>Update your card</h1><a id=\"return\" href=\"{}\">Back to the site</a></main></body></html>",
        return_url.replace('&', "&amp;")
    ))
    .into_response()
}

//! What Stripe's invoices say about a monthly gift when a webhook was lost: the paid invoices
//! of a subscription (a renewal whose `invoice.paid` never arrived), and the payment intent
//! that paid an invoice (its `invoice_payment.paid` never arrived, so refunds and disputes,
//! which name the payment intent, cannot find the month). In 2025-03-31.basil invoices no
//! longer name their payment intent; the invoice payments API does.

use serde_json::Value;

use super::api::{checked_id, get_json};
use super::StripeSettings;
use crate::payment::ProviderError;
use sharecare_domain::time::Timestamp;

/// The payment intent that paid an invoice, if it is paid by one
/// (`GET /v1/invoice_payments?invoice=…&status=paid`).
pub(super) async fn payment_intent_of_invoice(
    http: &reqwest::Client,
    settings: &StripeSettings,
    invoice_id: &str,
) -> Result<Option<String>, ProviderError> {
    let invoice_id = checked_id(invoice_id)?;
    let list = get_json(
        http,
        settings,
        &format!("/v1/invoice_payments?invoice={invoice_id}&status=paid&limit=10"),
        "an invoice's payments",
    )
    .await?;
    Ok(list
        .get("data")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find_map(|payment| payment.pointer("/payment/payment_intent")?.as_str())
        .map(str::to_string))
}

/// A subscription's paid invoices created since `since`, oldest first, every page of them
/// (`GET /v1/invoices?subscription=…&status=paid&created[gte]=…`).
pub(super) async fn paid_invoices(
    http: &reqwest::Client,
    settings: &StripeSettings,
    subscription_id: &str,
    since: Timestamp,
) -> Result<Vec<Value>, ProviderError> {
    let subscription_id = checked_id(subscription_id)?;
    let mut invoices = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let cursor = after
            .as_deref()
            .map(|id| format!("&starting_after={id}"))
            .unwrap_or_default();
        let page = get_json(
            http,
            settings,
            &format!(
                "/v1/invoices?subscription={subscription_id}&status=paid\
                 &created[gte]={}&limit=100{cursor}",
                since.seconds().max(0)
            ),
            "a subscription's invoices",
        )
        .await?;
        let data = page
            .get("data")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let last = data
            .last()
            .and_then(|invoice| invoice.get("id"))
            .and_then(Value::as_str)
            .and_then(|id| checked_id(id).ok())
            .map(str::to_string);
        invoices.extend(data);
        let more = page.get("has_more").and_then(Value::as_bool) == Some(true);
        match (more, last) {
            (true, Some(last)) => after = Some(last),
            _ => break,
        }
    }
    // Stripe lists newest first; months are recorded in the order they were paid.
    invoices.reverse();
    Ok(invoices)
}

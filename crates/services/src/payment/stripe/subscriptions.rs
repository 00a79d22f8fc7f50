//! A monthly card gift's subscription, changed at the donor's request: pause collection for a
//! while and resume, change the amount (the item's inline price), move the billing day (a trial
//! until the new day), cancel, and a billing-portal session to update the card. Every POST
//! carries an idempotency key from the donor's request; the change takes effect on the site
//! when Stripe's `customer.subscription.*` webhook confirms it.

use secrecy::ExposeSecret;
use serde::Deserialize;

use super::api::{checked_id, get_json, post_form};
use super::{StripeSettings, API_VERSION};
use crate::payment::ProviderError;
use sharecare_domain::time::Timestamp;

/// A subscription as the site needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: String,
    pub customer: String,
    pub item_id: String,
    pub product_id: String,
    pub currency: String,
    pub amount_minor: u64,
}

#[derive(Debug, Deserialize)]
struct SubscriptionObject {
    id: String,
    customer: String,
    items: Items,
}

#[derive(Debug, Deserialize)]
struct Items {
    data: Vec<Item>,
}

#[derive(Debug, Deserialize)]
struct Item {
    id: String,
    price: Price,
}

#[derive(Debug, Deserialize)]
struct Price {
    product: String,
    currency: String,
    unit_amount: Option<u64>,
}

pub(super) async fn retrieve(
    http: &reqwest::Client,
    settings: &StripeSettings,
    id: &str,
) -> Result<Subscription, ProviderError> {
    let id = checked_id(id)?;
    let answer = get_json(
        http,
        settings,
        &format!("/v1/subscriptions/{id}"),
        "a subscription",
    )
    .await?;
    let object: SubscriptionObject = serde_json::from_value(answer)
        .map_err(|error| ProviderError::Unavailable(format!("unreadable subscription: {error}")))?;
    let item = object
        .items
        .data
        .into_iter()
        .next()
        .ok_or_else(|| ProviderError::Rejected("a subscription without items".into()))?;
    Ok(Subscription {
        id: object.id,
        customer: object.customer,
        item_id: item.id,
        product_id: item.price.product,
        currency: item.price.currency,
        amount_minor: item.price.unit_amount.unwrap_or(0),
    })
}

/// What a donor asks of their subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscriptionChange {
    /// Collect nothing until then, then carry on.
    Pause {
        resumes_at: Timestamp,
    },
    Resume,
    /// A new monthly amount from the next charge, without proration.
    Amount {
        minor: u64,
    },
    /// The next charge on this day, and monthly from there.
    NextCharge {
        at: Timestamp,
    },
}

/// Applies a change (`key`: the donor's request id, for Stripe's idempotency).
pub(super) async fn update(
    http: &reqwest::Client,
    settings: &StripeSettings,
    id: &str,
    change: &SubscriptionChange,
    key: &str,
) -> Result<(), ProviderError> {
    let id = checked_id(id)?;
    let params: Vec<(String, String)> = match change {
        SubscriptionChange::Pause { resumes_at } => vec![
            ("pause_collection[behavior]".into(), "void".into()),
            (
                "pause_collection[resumes_at]".into(),
                resumes_at.seconds().to_string(),
            ),
        ],
        // An empty value unsets the pause.
        SubscriptionChange::Resume => vec![("pause_collection".into(), String::new())],
        SubscriptionChange::Amount { minor } => {
            let current = retrieve(http, settings, id).await?;
            vec![
                ("items[0][id]".into(), current.item_id),
                (
                    "items[0][price_data][currency]".into(),
                    current.currency.clone(),
                ),
                ("items[0][price_data][product]".into(), current.product_id),
                (
                    "items[0][price_data][unit_amount]".into(),
                    minor.to_string(),
                ),
                (
                    "items[0][price_data][recurring][interval]".into(),
                    "month".into(),
                ),
                ("proration_behavior".into(), "none".into()),
                // The price the coming invoices are checked against; the fee cover ends with
                // the old amount.
                ("metadata[amount_minor]".into(), minor.to_string()),
                (
                    "metadata[currency]".into(),
                    current.currency.to_ascii_uppercase(),
                ),
                ("metadata[fee_minor]".into(), "0".into()),
            ]
        }
        SubscriptionChange::NextCharge { at } => vec![
            ("trial_end".into(), at.seconds().to_string()),
            ("proration_behavior".into(), "none".into()),
        ],
    };
    post_form(
        http,
        settings,
        &format!("/v1/subscriptions/{id}"),
        &format!("sharecare-change-{key}"),
        &params,
    )
    .await
    .map(|_| ())
}

/// Cancels at once, with the donor's reason for the charity's records. A DELETE is idempotent
/// by nature (a second one is a 404, taken as done); the key goes along so Stripe's request
/// log ties the call to the donor's request.
pub(super) async fn cancel(
    http: &reqwest::Client,
    settings: &StripeSettings,
    id: &str,
    reason: &str,
    key: &str,
) -> Result<(), ProviderError> {
    let id = checked_id(id)?;
    let mut request = http
        .delete(format!("{}/v1/subscriptions/{id}", settings.api_base))
        .bearer_auth(settings.secret_key.expose_secret())
        .header("Stripe-Version", API_VERSION)
        .header("Idempotency-Key", format!("sharecare-cancel-{key}"));
    if !reason.is_empty() {
        request = request.form(&[("cancellation_details[comment]", reason)]);
    }
    let response = request
        .send()
        .await
        .map_err(|error| ProviderError::Unavailable(error.to_string()))?;
    if response.status().is_success() || response.status().as_u16() == 404 {
        // 404: cancelled already (a repeated request).
        Ok(())
    } else {
        Err(ProviderError::Unavailable(format!(
            "{} cancelling a subscription",
            response.status()
        )))
    }
}

#[derive(Debug, Deserialize)]
struct PortalSession {
    url: String,
}

/// A billing-portal page where the donor updates their card, coming back to `return_url`.
pub(super) async fn card_update_url(
    http: &reqwest::Client,
    settings: &StripeSettings,
    subscription_id: &str,
    return_url: &str,
    key: &str,
) -> Result<String, ProviderError> {
    let subscription = retrieve(http, settings, subscription_id).await?;
    let params = vec![
        ("customer".to_string(), subscription.customer),
        ("return_url".to_string(), return_url.to_string()),
        (
            "flow_data[type]".to_string(),
            "payment_method_update".to_string(),
        ),
    ];
    let answer = post_form(
        http,
        settings,
        "/v1/billing_portal/sessions",
        &format!("sharecare-card-{key}"),
        &params,
    )
    .await?;
    let session: PortalSession = serde_json::from_value(answer).map_err(|error| {
        ProviderError::Unavailable(format!("unreadable portal session: {error}"))
    })?;
    Ok(session.url)
}

//! How donors pay. Each way of paying is a [`PaymentProvider`]; [`Payments`] holds the ones this
//! site has configured and starts the right one for a donation.
//!
//! - Offline transfer (FPS or bank, confirmed by staff): always on, needs no outside service.
//! - Stripe Checkout (card, Alipay, WeChat Pay): on when `STRIPE_SECRET_KEY` and
//!   `STRIPE_WEBHOOK_SECRET` are set. Card details are only ever entered on Stripe's page.

pub mod fps;
pub mod stripe;

pub use fps::{fps_payload, qr_svg};

use std::sync::Arc;

use futures_util::future::BoxFuture;

use crate::domain::donation::PaymentMethod;
use crate::domain::Locale;
use crate::server::db::{DbError, DonationRow};
use crate::server::donations::Donations;
use crate::server::giving::thank_you_path;

/// What the donor does after their gift is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextStep {
    /// Read the payment instructions on their thank-you page (offline transfer).
    ShowInstructions,
    /// Pay on the provider's hosted page.
    Checkout { session_id: String, url: String },
}

/// Why a payment could not be started. The donation stays pending either way.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("the payment service did not answer: {0}")]
    Unavailable(String),
    #[error("the payment service refused the request: {0}")]
    Rejected(String),
    #[error("no provider for {0} payments is configured")]
    NotConfigured(&'static str),
    #[error(transparent)]
    Database(#[from] DbError),
}

/// What a provider needs to start a payment for one donation.
#[derive(Debug, Clone)]
pub struct CheckoutRequest<'a> {
    pub donation: &'a DonationRow,
    pub locale: Locale,
    /// What the donor sees they are paying for, in their language.
    pub description: String,
    /// Where the provider sends the donor back, built from `PUBLIC_BASE_URL` only.
    pub success_url: String,
    pub cancel_url: String,
}

/// One way of paying.
pub trait PaymentProvider: Send + Sync {
    fn method(&self) -> PaymentMethod;

    /// Starts paying for a stored donation. Must be safe to call again for the same
    /// donation (a retried submit): it may not start a second payment.
    fn begin<'a>(
        &'a self,
        request: &'a CheckoutRequest<'a>,
    ) -> BoxFuture<'a, Result<NextStep, ProviderError>>;
}

/// FPS or bank transfer: the thank-you page shows how, and staff confirm the money.
#[derive(Debug, Clone, Copy, Default)]
pub struct OfflineTransfer;

impl PaymentProvider for OfflineTransfer {
    fn method(&self) -> PaymentMethod {
        PaymentMethod::Offline
    }

    fn begin<'a>(
        &'a self,
        _request: &'a CheckoutRequest<'a>,
    ) -> BoxFuture<'a, Result<NextStep, ProviderError>> {
        Box::pin(async { Ok(NextStep::ShowInstructions) })
    }
}

/// The payment providers this site offers.
pub struct Payments {
    providers: Vec<Arc<dyn PaymentProvider>>,
    stripe: Option<Arc<stripe::StripeCheckout>>,
    public_base_url: String,
}

impl Payments {
    /// Offline transfer always; Stripe when configured.
    pub fn new(public_base_url: &str, stripe: Option<stripe::StripeSettings>) -> Payments {
        let stripe = stripe.map(|settings| Arc::new(stripe::StripeCheckout::new(settings)));
        let mut providers: Vec<Arc<dyn PaymentProvider>> = vec![Arc::new(OfflineTransfer)];
        if let Some(stripe) = &stripe {
            providers.push(stripe.clone());
        }
        Payments {
            providers,
            stripe,
            public_base_url: public_base_url.to_string(),
        }
    }

    /// Whether donors can choose card / Alipay / WeChat Pay.
    pub fn card_payments(&self) -> bool {
        self.provider(PaymentMethod::Card).is_some()
    }

    /// The Stripe integration, for its webhook.
    pub fn stripe(&self) -> Option<&stripe::StripeCheckout> {
        self.stripe.as_deref()
    }

    fn provider(&self, method: PaymentMethod) -> Option<&dyn PaymentProvider> {
        self.providers
            .iter()
            .find(|provider| provider.method() == method)
            .map(|provider| provider.as_ref())
    }

    /// Starts paying for a stored donation with its method. A donation sent to a hosted
    /// checkout before goes back to the same one.
    pub async fn begin(
        &self,
        donations: &Donations,
        donation: &DonationRow,
        locale: Locale,
        description: String,
    ) -> Result<NextStep, ProviderError> {
        let method =
            PaymentMethod::parse(&donation.payment_method).unwrap_or(PaymentMethod::Offline);
        if let (Some(session_id), Some(url)) =
            (&donation.checkout_session_id, &donation.checkout_url)
        {
            if method == PaymentMethod::Card {
                return Ok(NextStep::Checkout {
                    session_id: session_id.clone(),
                    url: url.clone(),
                });
            }
        }
        let provider = self
            .provider(method)
            .ok_or(ProviderError::NotConfigured(method.as_str()))?;
        let page = format!(
            "{}{}",
            self.public_base_url,
            thank_you_path(locale, &donation.reference, &donation.access_key)
        );
        let request = CheckoutRequest {
            donation,
            locale,
            description,
            success_url: format!("{page}&checkout=success"),
            cancel_url: format!("{page}&checkout=cancelled"),
        };
        let next = provider.begin(&request).await?;
        if let NextStep::Checkout { session_id, url } = &next {
            donations
                .database()
                .set_checkout_session(&donation.id, session_id, url)
                .await?;
        }
        Ok(next)
    }
}

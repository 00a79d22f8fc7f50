//! How donors pay. Each way of paying is a [`PaymentProvider`], an adapter that talks to the
//! outside world and nothing else: no provider touches the database. [`Payments`] holds the
//! ones this site has configured and starts the right one for a donation; what a provider
//! reports back arrives as a provider-neutral [`PaymentEvent`] (see `events`), and the
//! donations service decides what it changes.
//!
//! - Offline transfer (FPS or bank, confirmed by staff): always on, needs no outside service.
//! - Stripe Checkout (card, Alipay, WeChat Pay): on when `STRIPE_SECRET_KEY` and
//!   `STRIPE_WEBHOOK_SECRET` are set. Card details are only ever entered on Stripe's page.

pub mod events;
pub mod fps;
pub mod offline;
pub mod stripe;

pub use events::{DonationLookup, PaymentEvent, ReceivedEvent};

use std::sync::Arc;

use futures_util::future::BoxFuture;

use sharecare_domain::donation::{Checkout, Donation, PaymentMethod};
use sharecare_domain::Locale;

/// What the donor does after their gift is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextStep {
    /// Read the payment instructions on their thank-you page (offline transfer).
    ShowInstructions,
    /// Pay on the provider's hosted page.
    Checkout(Checkout),
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
}

/// What a provider needs to start a payment for one stored donation.
#[derive(Debug, Clone)]
pub struct CheckoutRequest<'a> {
    pub donation: &'a Donation,
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

/// The payment providers this site offers.
pub struct Payments {
    providers: Vec<Arc<dyn PaymentProvider>>,
    stripe: Option<Arc<stripe::StripeCheckout>>,
}

impl Payments {
    /// Offline transfer always; Stripe when configured.
    pub fn new(stripe: Option<stripe::StripeSettings>) -> Payments {
        let stripe = stripe.map(|settings| Arc::new(stripe::StripeCheckout::new(settings)));
        let mut providers: Vec<Arc<dyn PaymentProvider>> = vec![Arc::new(offline::OfflineTransfer)];
        if let Some(stripe) = &stripe {
            providers.push(stripe.clone());
        }
        Payments { providers, stripe }
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

    /// Starts paying for a stored donation with the provider for its method.
    pub async fn begin(&self, request: &CheckoutRequest<'_>) -> Result<NextStep, ProviderError> {
        let method = request.donation.payment_method;
        self.provider(method)
            .ok_or(ProviderError::NotConfigured(method.as_str()))?
            .begin(request)
            .await
    }
}

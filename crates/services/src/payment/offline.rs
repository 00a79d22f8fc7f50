//! FPS or bank transfer: the thank-you page shows how, and staff confirm the money.

use futures_util::future::BoxFuture;

use super::{CheckoutRequest, NextStep, PaymentProvider, ProviderError};
use sharecare_domain::donation::PaymentMethod;

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

//! What every request handler and page can reach: the services, the content and a few facts
//! about this deployment.

use std::sync::Arc;

use leptos::config::LeptosOptions;

use crate::content::Content;
use crate::server::donations::Donations;
use crate::server::payment::Payments;
use crate::server::referrals::Referrals;
use crate::server::share_images::ShareImages;

/// Facts about this deployment that pages need but that are not campaign content.
#[derive(Debug, Clone)]
pub struct SiteInfo {
    /// No trailing slash, e.g. `https://give.example.org`.
    pub public_base_url: String,
    pub css_href: String,
    /// For the copyright line; read once at start so rendering never reads the clock.
    pub copyright_year: i32,
}

impl SiteInfo {
    /// Whether readers reach the site over HTTPS (cookies are then marked `Secure`).
    pub fn is_https(&self) -> bool {
        self.public_base_url.starts_with("https://")
    }
}

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub content: Arc<Content>,
    pub site: Arc<SiteInfo>,
    pub donations: Arc<Donations>,
    /// The ways donors can pay (offline transfer; Stripe Checkout when configured).
    pub payments: Arc<Payments>,
    pub referrals: Arc<Referrals>,
    /// Stories' share images, drawn once and kept.
    pub share_images: Arc<ShareImages>,
    /// Flips to `true` when the server begins to stop, so endless responses (the live progress
    /// stream) end and graceful shutdown can finish.
    pub stopping: tokio::sync::watch::Receiver<bool>,
}

//! What every request handler and page can reach: the services, the content and a few facts
//! about this deployment.

use sharecare_content::paths;
use std::sync::Arc;

use leptos::config::LeptosOptions;

use crate::config::Protection;
use crate::donations::Donations;
use crate::form_guard::FormGuard;
use crate::limits::{Limits, StreamGate};
use crate::payment::Payments;
use crate::referrals::Referrals;
use crate::share_images::ShareImages;
use sharecare_content::Content;

/// Facts about this deployment that pages need but that are not campaign content.
#[derive(Debug, Clone)]
pub struct SiteInfo {
    /// No trailing slash, e.g. `https://give.example.org`.
    pub public_base_url: String,
    pub css_href: String,
    /// For the copyright line; read once at start so rendering never reads the clock.
    pub copyright_year: i32,
    /// Where the card checkout's pages are (forms may be sent on there), when cards are on.
    pub checkout_origin: Option<String>,
    /// Whether the staff session cookie is `Secure` and `__Host-` (see `Settings`).
    pub admin_cookie_secure: bool,
}

impl SiteInfo {
    /// Whether readers reach the site over HTTPS (cookies are then marked `Secure`).
    pub fn is_https(&self) -> bool {
        self.public_base_url.starts_with("https://")
    }

    /// The site's own origin (`scheme://host[:port]`), which its forms' `Origin` must equal.
    pub fn origin(&self) -> String {
        paths::origin_of(&self.public_base_url)
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
    /// Signs form tokens and checks that forms come from people.
    pub form_guard: Arc<FormGuard>,
    /// Rate limits and the card-testing breaker.
    pub limits: Arc<Limits>,
    /// Client addresses, timeouts, caps (configuration).
    pub protection: Arc<Protection>,
    /// Caps on open event streams.
    pub streams: Arc<StreamGate>,
    /// Stories' share images, drawn once and kept.
    pub share_images: Arc<ShareImages>,
    /// Staff accounts and signing in.
    pub staff: Arc<crate::staff::Staff>,
    /// What staff read in the admin.
    pub records: Arc<crate::records::Records>,
    /// Donors looking after their own gifts.
    pub donors: Arc<crate::donors::Donors>,
    /// Pages the same for every reader of a language, rendered once and kept compressed.
    pub page_cache: Arc<crate::page_cache::PageCache>,
    /// Flips to `true` when the server begins to stop, so endless responses (the live progress
    /// stream) end and graceful shutdown can finish.
    pub stopping: tokio::sync::watch::Receiver<bool>,
}

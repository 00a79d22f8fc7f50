//! The HTTP layer: the router, the handlers (each thin: parse the request, ask a service,
//! render a page or redirect), cookies, rendering a page into a response, and the one error
//! type handlers return. Only this layer knows about axum; it sits above the views
//! (`sharecare_views::pages`) and the services (`sharecare_services`), which never import it.

pub mod admin;
pub mod attribution;
pub mod client;
pub mod cookies;
pub mod discovery;
pub mod donors;
pub mod embed;
pub mod error;
pub mod gift_session;
pub mod giving;
pub mod observe;
pub mod pages;
pub mod panics;
pub mod params;
pub mod referrals;
pub mod render;
pub mod router;
pub mod security;
pub mod serve;
pub mod share_images;
pub mod site;
pub mod streams;
pub mod webhooks;

pub use error::AppError;
pub use router::{build_router, protect};

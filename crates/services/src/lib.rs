//! Server-only services and infrastructure: the donations service and the payment providers,
//! receipts, share links and share images, the database, configuration and logs. Nothing here
//! knows about HTTP handlers or views (see `sharecare_web::http` and `sharecare_views::pages`).

pub mod assets;
pub mod backups;
pub mod changes;
pub mod config;
pub mod donations;
pub mod donors;
pub mod export;
pub mod form_guard;
pub mod limits;
pub mod mailer;
pub mod markup;
pub mod metrics;
pub mod page_cache;
pub mod payment;
pub mod qr;
pub mod receipts;
pub mod reconciliation;
pub mod records;
pub mod referrals;
pub mod retention;
pub mod sessions;
pub mod share_images;
pub mod staff;
pub mod state;
pub mod statements;
pub mod supervise;
pub mod telemetry;

//! Server-only parts: configuration, shared state, the HTTP router and start-up.

pub mod assets;
pub mod calendar;
pub mod config;
pub mod db;
pub mod discovery;
pub mod donations;
pub mod giving;
pub mod markup;
pub mod payment;
pub mod receipts;
pub mod referrals;
pub mod routes;
pub mod share_image;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod webhooks;

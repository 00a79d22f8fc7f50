//! Integration tests against the real application on free ports, on SQLite and PostgreSQL.
//!
//! One test binary with a module per subject (as zero2prod does): Leptos and sqlx are linked
//! once instead of once per file.

#[macro_use]
mod helpers;

mod accepted_exceptions;
mod accounting;
mod admin;
mod architecture;
mod backups;
mod client_addresses;
mod deploy;
mod disputes;
mod donations;
mod donors;
mod erasure;
mod event_order;
mod fake_stripe;
mod faults;
mod form_stamps;
mod giving_options;
mod instances;
mod migration_chain;
mod mismatch_orders;
mod missed_events;
mod page_cache;
mod pages;
mod payments;
mod processes;
mod receipt_dates;
mod refund_failures;
mod retention;
mod routes;
mod security;
mod smtp_sink;
mod staff_sessions;
mod startup;
mod stories;
mod tax_receipts;
mod transfers;

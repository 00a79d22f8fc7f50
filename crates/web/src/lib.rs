//! The site over HTTP: axum handlers, extractors, cookies, middleware and the one error type
//! (`http`), and the composition root that wires settings, database, services, state and
//! router (`startup`).

#![recursion_limit = "256"]

pub mod http;
pub mod startup;

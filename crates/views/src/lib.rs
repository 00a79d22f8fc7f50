//! The views: the document around every page (`app::shell`), one routed page per file
//! (`pages`) and the reusable parts (`components`). They render what the services hand them
//! (view types from `sharecare_services`) and place the islands; this crate does not depend on
//! the database layer, so a view cannot name a row.

#![recursion_limit = "256"]

pub mod app;
pub mod components;
pub mod pages;

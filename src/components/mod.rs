//! Reusable views. Server-rendered only; interactive parts live in `crate::islands`.

pub mod call_to_action;
pub mod layout;
pub mod stat_panel;
pub mod story;

//! Reusable views. Server-rendered only; interactive parts live in `sharecare_islands`.

pub mod call_to_action;
pub mod donation_form;
pub mod first_screen;
pub mod layout;
pub mod progress;
pub mod share;
pub mod stat_panel;
pub mod story;

//! Pure types shared by the server and the browser (the islands' WASM includes this crate):
//! amounts, emails, donations, the form and its checks, dates in Hong Kong. Nothing here does
//! I/O except `time::Timestamp::now` (the one place that reads the wall clock) and, on the
//! server, `secrets` (the operating system's random numbers).

pub mod admin;
pub mod attribution;
pub mod changes;
pub mod dispute;
pub mod donation;
pub mod donor;
pub mod fees;
pub mod form;
pub mod identifiers;
pub mod locale;
pub mod money;
pub mod number;
#[cfg(feature = "ssr")]
pub mod secrets;
pub mod staff;
pub mod status;
pub mod time;
pub mod tribute;

pub use locale::Locale;

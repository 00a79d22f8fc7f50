//! Pure types shared by the server and the browser. Nothing here does I/O, and nothing here
//! imports anything from the rest of the crate.

pub mod admin;
pub mod attribution;
pub mod changes;
pub mod donation;
pub mod donor;
pub mod fees;
pub mod form;
pub mod identifiers;
pub mod locale;
pub mod money;
pub mod number;
pub mod staff;
pub mod status;
pub mod tribute;

pub use locale::Locale;

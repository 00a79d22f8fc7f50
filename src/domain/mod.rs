//! Pure types shared by the server and the browser. Nothing here does I/O.

pub mod donation;
pub mod locale;
pub mod money;
pub mod number;

pub use locale::Locale;

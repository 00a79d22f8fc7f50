//! The interactive parts of the site: the only code compiled to WASM. Islands take
//! already-translated text from the server (as props or server-rendered children), so no
//! translation tables or content parsing ever reach the browser.

mod language_memory;

pub use language_memory::LanguageMemory;

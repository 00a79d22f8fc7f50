//! Structured logs through `tracing`. `RUST_LOG` filters (default `info`); `LOG_FORMAT=json`
//! writes one JSON object per line for a log collector.

use tracing_subscriber::{fmt, EnvFilter};

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info"));
    let json = std::env::var("LOG_FORMAT").is_ok_and(|format| format.eq_ignore_ascii_case("json"));
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // A second initialisation (tests starting several servers) is harmless: keep the first.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.compact().try_init()
    };
}

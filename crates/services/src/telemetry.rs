//! Structured logs through `tracing`. `RUST_LOG` filters (default `info`); `LOG_FORMAT=json`
//! writes one JSON object per line for a log collector.
//!
//! Logs are private: no email, name, access key, form token, session id, secret or password in
//! any line. Spans and events carry references and ids; error texts that may quote an address
//! go through [`redact_emails`]; a source that repeats a warning (a flood of bad webhooks, a
//! database outage) is heard once a minute with a count, through [`warn_throttled!`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

/// How often one source may log the same warning.
const THROTTLE_PERIOD: Duration = Duration::from_secs(60);

static THROTTLE: Mutex<Option<HashMap<&'static str, (Instant, u64)>>> = Mutex::new(None);

/// Whether a warning from `source` may be logged now: `Some(n)` with the number of copies held
/// back since the last one, or `None` to hold this one back too.
pub fn throttle(source: &'static str) -> Option<u64> {
    let mut guard = THROTTLE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let seen = guard.get_or_insert_with(HashMap::new);
    let now = Instant::now();
    match seen.get_mut(source) {
        Some((last, held)) if now.duration_since(*last) < THROTTLE_PERIOD => {
            *held += 1;
            None
        }
        Some((last, held)) => {
            let suppressed = *held;
            *last = now;
            *held = 0;
            Some(suppressed)
        }
        None => {
            seen.insert(source, (now, 0));
            Some(0)
        }
    }
}

/// `tracing::warn!` at most once a minute per `source`, with how many were held back.
#[macro_export]
macro_rules! warn_throttled {
    ($source:expr, $($rest:tt)+) => {
        if let Some(suppressed) = $crate::telemetry::throttle($source) {
            tracing::warn!(suppressed, $($rest)+);
        }
    };
}

/// An error text with every email address in it replaced (SMTP and mail errors quote them).
pub fn redact_emails(text: &str) -> String {
    text.split_inclusive(|c: char| c.is_whitespace() || "<>,;()\"'[]".contains(c))
        .map(|word| {
            let end = word
                .find(|c: char| c.is_whitespace() || "<>,;()\"'[]".contains(c))
                .unwrap_or(word.len());
            let (core, tail) = word.split_at(end);
            if core.contains('@') && core.len() > 2 {
                format!("[email]{tail}")
            } else {
                word.to_string()
            }
        })
        .collect()
}

/// A request path as logged: long runs of hex (record ids in admin addresses, which only staff
/// can open, but which look like, and so must never be mistaken for, keys and tokens) become
/// `{id}`, so logs show which page was asked for and nothing that could open it.
pub fn loggable_path(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.len() >= 16 && segment.bytes().all(|b| b.is_ascii_hexdigit()) {
                "{id}"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_logged_without_their_ids() {
        assert_eq!(
            loggable_path("/admin/statements/a79a873b4cc0b95117acc66c762eedb5/confirm"),
            "/admin/statements/{id}/confirm"
        );
        assert_eq!(
            loggable_path("/en/donations/LBC-7K3Q9X"),
            "/en/donations/LBC-7K3Q9X"
        );
        assert_eq!(loggable_path("/"), "/");
    }

    #[test]
    fn a_source_is_heard_once_a_minute() {
        assert_eq!(throttle("test-source"), Some(0));
        assert_eq!(throttle("test-source"), None);
        assert_eq!(throttle("test-source"), None);
        assert_eq!(throttle("other-source"), Some(0));
    }

    #[test]
    fn emails_are_taken_out_of_error_texts() {
        assert_eq!(
            redact_emails("550 5.1.1 <mei.chan@example.org>: Recipient address rejected"),
            "550 5.1.1 <[email]>: Recipient address rejected"
        );
        assert_eq!(redact_emails("to a@b.co, c@d.org"), "to [email], [email]");
        assert_eq!(redact_emails("no address here"), "no address here");
    }
}

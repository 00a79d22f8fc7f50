//! All configuration, read once from the environment. Every setting has a documented default
//! (README, "Configuration"), so `sharecare` runs with none set.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use leptos::config::LeptosOptions;

use crate::server::db::redact;
use crate::server::payment::stripe::{StripeSettings, DEFAULT_API_BASE};

/// The running site's configuration.
#[derive(Clone)]
pub struct Settings {
    /// Where to listen (`LEPTOS_SITE_ADDR`, default `127.0.0.1:3000`). Port 0 picks a free port.
    pub site_addr: SocketAddr,
    /// The folder holding `pkg/` and the public assets (`LEPTOS_SITE_ROOT`, default `target/site`).
    pub site_root: PathBuf,
    /// The campaign content folder (`CONTENT_DIR`, default `content`).
    pub content_dir: PathBuf,
    /// The address readers reach the site at, used for canonical and share links
    /// (`PUBLIC_BASE_URL`, default `http://{site_addr}`). Never taken from request headers.
    pub public_base_url: String,
    /// Where donations are stored (`DATABASE_URL`, default [`DEFAULT_DATABASE_URL`]): a SQLite
    /// file, created and migrated at start, or `postgres://...`.
    pub database_url: String,
    /// How often campaign totals are re-read from the database, so gifts confirmed elsewhere
    /// (another instance, the `mark-paid` command) reach open pages
    /// (`PROGRESS_REFRESH_SECONDS`, default 30).
    pub progress_refresh: Duration,
    /// Stripe Checkout, on when both `STRIPE_SECRET_KEY` and `STRIPE_WEBHOOK_SECRET` are set;
    /// `STRIPE_API_BASE` (default Stripe's own) lets tests use a fake.
    pub stripe: Option<StripeSettings>,
    /// Where receipts are sent (`SMTP_URL`, e.g. `smtps://user:pass@smtp.example.org`). Without
    /// it, receipts are written to the log and stay in the outbox until SMTP is configured.
    pub smtp_url: Option<String>,
    /// The receipts' sender (`RECEIPT_FROM`, default the organisation's email from content).
    pub receipt_from: Option<String>,
    /// The first wait before sending a failed receipt again, doubled each time
    /// (`OUTBOX_RETRY_SECONDS`, default 30).
    pub outbox_retry_base: Duration,
    /// How long a worker may hold a receipt it is sending before another may take it over
    /// (`OUTBOX_LEASE_SECONDS`, default 300): a crashed worker's receipts are sent after this.
    pub outbox_lease: Duration,
}

impl fmt::Debug for Settings {
    // URLs may carry passwords: printed redacted, so settings are safe in any log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("site_addr", &self.site_addr)
            .field("site_root", &self.site_root)
            .field("content_dir", &self.content_dir)
            .field("public_base_url", &self.public_base_url)
            .field("database_url", &redact(&self.database_url))
            .field("progress_refresh", &self.progress_refresh)
            .field("stripe", &self.stripe)
            .field("smtp_url", &self.smtp_url.as_deref().map(redact))
            .field("receipt_from", &self.receipt_from)
            .field("outbox_retry_base", &self.outbox_retry_base)
            .field("outbox_lease", &self.outbox_lease)
            .finish()
    }
}

/// The embedded default: a SQLite file under `data/`, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/sharecare.db?mode=rwc";

/// A setting that is present but unusable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.variable, self.message)
    }
}

impl std::error::Error for ConfigError {}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Settings, ConfigError> {
        Settings::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings from name/value pairs instead of the environment (tests, the benchmark).
    pub fn from_pairs<V: AsRef<str>>(pairs: &[(&str, V)]) -> Result<Settings, ConfigError> {
        Settings::from_lookup(|name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.as_ref().to_string())
        })
    }

    /// Reads settings through `lookup`, so tests can supply their own environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let site_addr = match get("LEPTOS_SITE_ADDR") {
            Some(value) => value.trim().parse().map_err(|_| ConfigError {
                variable: "LEPTOS_SITE_ADDR",
                message: format!("\"{value}\" is not an address such as 127.0.0.1:3000"),
            })?,
            None => SocketAddr::from(([127, 0, 0, 1], 3000)),
        };
        let public_base_url = match get("PUBLIC_BASE_URL") {
            Some(value) => {
                let value = value.trim().trim_end_matches('/').to_string();
                if !(value.starts_with("https://") || value.starts_with("http://")) {
                    return Err(ConfigError {
                        variable: "PUBLIC_BASE_URL",
                        message: format!("\"{value}\" must start with https:// or http://"),
                    });
                }
                value
            }
            None => format!("http://{site_addr}"),
        };
        let seconds = |variable: &'static str, default: u64| match get(variable) {
            Some(value) => match value.trim().parse::<u64>() {
                Ok(seconds) if seconds > 0 => Ok(Duration::from_secs(seconds)),
                _ => Err(ConfigError {
                    variable,
                    message: format!("\"{value}\" is not a whole number of seconds above 0"),
                }),
            },
            None => Ok(Duration::from_secs(default)),
        };
        let stripe = match (get("STRIPE_SECRET_KEY"), get("STRIPE_WEBHOOK_SECRET")) {
            (Some(secret_key), Some(webhook_secret)) => Some(StripeSettings {
                secret_key: secret_key.trim().to_string(),
                webhook_secret: webhook_secret.trim().to_string(),
                api_base: get("STRIPE_API_BASE")
                    .map_or_else(|| DEFAULT_API_BASE.to_string(), |base| {
                        base.trim().trim_end_matches('/').to_string()
                    }),
                retry_delays: StripeSettings::default_retry_delays(),
            }),
            (None, None) => None,
            (Some(_), None) => {
                return Err(ConfigError {
                    variable: "STRIPE_WEBHOOK_SECRET",
                    message: "must be set with STRIPE_SECRET_KEY: payments are only confirmed by signed webhooks".into(),
                })
            }
            (None, Some(_)) => {
                return Err(ConfigError {
                    variable: "STRIPE_SECRET_KEY",
                    message: "must be set with STRIPE_WEBHOOK_SECRET".into(),
                })
            }
        };
        let smtp_url = get("SMTP_URL").map(|url| url.trim().to_string());
        if let Some(url) = &smtp_url {
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                return Err(ConfigError {
                    variable: "SMTP_URL",
                    message: "must start with smtp:// or smtps://".into(),
                });
            }
        }
        Ok(Settings {
            stripe,
            smtp_url,
            receipt_from: get("RECEIPT_FROM").map(|from| from.trim().to_string()),
            outbox_retry_base: seconds("OUTBOX_RETRY_SECONDS", 30)?,
            outbox_lease: seconds("OUTBOX_LEASE_SECONDS", 300)?,
            site_addr,
            site_root: get("LEPTOS_SITE_ROOT")
                .unwrap_or_else(|| "target/site".into())
                .into(),
            content_dir: get("CONTENT_DIR")
                .unwrap_or_else(|| "content".into())
                .into(),
            public_base_url,
            progress_refresh: seconds("PROGRESS_REFRESH_SECONDS", 30)?,
            database_url: get("DATABASE_URL")
                .map(|url| url.trim().to_string())
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.into()),
        })
    }

    /// The options Leptos needs to render and to link the browser bundle. Built here rather
    /// than by `leptos::config::get_configuration`, which requires cargo-leptos's build-time
    /// variables and so fails for a plain `cargo test` build.
    pub fn leptos_options(&self, hash_files: bool) -> LeptosOptions {
        LeptosOptions::builder()
            .output_name("sharecare")
            .site_root(self.site_root.to_string_lossy().as_ref())
            .site_pkg_dir("pkg")
            .site_addr(self.site_addr)
            .hash_files(hash_files)
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        Settings::from_pairs(vars)
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let settings = settings(&[]).unwrap();
        assert_eq!(settings.site_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(settings.site_root, PathBuf::from("target/site"));
        assert_eq!(settings.content_dir, PathBuf::from("content"));
        assert_eq!(settings.public_base_url, "http://127.0.0.1:3000");
        assert_eq!(settings.database_url, DEFAULT_DATABASE_URL);
    }

    #[test]
    fn environment_overrides_defaults() {
        let settings = settings(&[
            ("LEPTOS_SITE_ADDR", "0.0.0.0:8080"),
            ("PUBLIC_BASE_URL", "https://give.example.org/"),
            ("CONTENT_DIR", "/srv/content"),
            ("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"),
        ])
        .unwrap();
        assert_eq!(
            settings.database_url,
            "postgres://postgres@127.0.0.1:5432/test"
        );
        assert_eq!(settings.site_addr.to_string(), "0.0.0.0:8080");
        assert_eq!(settings.public_base_url, "https://give.example.org");
        assert_eq!(settings.content_dir, PathBuf::from("/srv/content"));
    }

    #[test]
    fn bad_values_name_the_variable() {
        let error = settings(&[("LEPTOS_SITE_ADDR", "localhost")]).unwrap_err();
        assert_eq!(error.variable, "LEPTOS_SITE_ADDR");
        let error = settings(&[("PUBLIC_BASE_URL", "give.example.org")]).unwrap_err();
        assert_eq!(error.variable, "PUBLIC_BASE_URL");
        let error = settings(&[("SMTP_URL", "mail.example.org")]).unwrap_err();
        assert_eq!(error.variable, "SMTP_URL");
        let error = settings(&[("OUTBOX_LEASE_SECONDS", "0")]).unwrap_err();
        assert_eq!(error.variable, "OUTBOX_LEASE_SECONDS");
    }

    #[test]
    fn stripe_needs_both_secrets() {
        assert!(settings(&[]).unwrap().stripe.is_none());
        let error = settings(&[("STRIPE_SECRET_KEY", "sk_test_x")]).unwrap_err();
        assert_eq!(error.variable, "STRIPE_WEBHOOK_SECRET");
        let error = settings(&[("STRIPE_WEBHOOK_SECRET", "whsec_x")]).unwrap_err();
        assert_eq!(error.variable, "STRIPE_SECRET_KEY");
        let stripe = settings(&[
            ("STRIPE_SECRET_KEY", "sk_test_x"),
            ("STRIPE_WEBHOOK_SECRET", "whsec_x"),
        ])
        .unwrap()
        .stripe
        .unwrap();
        assert_eq!(stripe.api_base, "https://api.stripe.com");
        let fake = settings(&[
            ("STRIPE_SECRET_KEY", "sk_test_x"),
            ("STRIPE_WEBHOOK_SECRET", "whsec_x"),
            ("STRIPE_API_BASE", "http://127.0.0.1:9/"),
        ])
        .unwrap()
        .stripe
        .unwrap();
        assert_eq!(fake.api_base, "http://127.0.0.1:9");
        // The secrets never reach a log line through Debug.
        assert!(!format!("{fake:?}").contains("sk_test_x"));
        assert!(!format!("{fake:?}").contains("whsec_x"));
        let all = settings(&[
            ("STRIPE_SECRET_KEY", "sk_test_x"),
            ("STRIPE_WEBHOOK_SECRET", "whsec_x"),
            ("SMTP_URL", "smtps://mailer:hunter2@smtp.example.org"),
            ("DATABASE_URL", "postgres://app:s3cret@db/give"),
        ])
        .unwrap();
        let printed = format!("{all:?}");
        for secret in ["sk_test_x", "whsec_x", "hunter2", "s3cret"] {
            assert!(!printed.contains(secret), "{printed}");
        }
    }
}

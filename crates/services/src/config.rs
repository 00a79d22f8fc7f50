//! All configuration, read once from the environment. Every setting has a documented default
//! (docs/operating.md, "Configuration"), so `sharecare` runs with none set.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use leptos::config::LeptosOptions;
use secrecy::{ExposeSecret, SecretString};

use crate::limits::{BreakerSettings, LimitSettings};
use crate::payment::stripe::{StripeSettings, DEFAULT_API_BASE};
use crate::receipts::OutboxSettings;
use sharecare_db::redact;

/// The running site's configuration. Its secrets are types that print none (`SecretString`,
/// [`SecretUrl`]), so settings are safe in any log line.
#[derive(Clone, Debug)]
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
    pub database_url: SecretUrl,
    /// How often campaign totals are re-read from the database, so gifts confirmed elsewhere
    /// (another instance, the `mark-paid` command) reach open pages
    /// (`PROGRESS_REFRESH_SECONDS`, default 30).
    pub progress_refresh: Duration,
    /// Stripe Checkout, on when both `STRIPE_SECRET_KEY` and `STRIPE_WEBHOOK_SECRET` are set;
    /// `STRIPE_API_BASE` (default Stripe's own) lets tests use a fake.
    pub stripe: Option<StripeSettings>,
    /// Where receipts are sent (`SMTP_URL`, e.g. `smtps://user:pass@smtp.example.org`). Without
    /// it, receipts are written to the log and stay in the outbox until SMTP is configured.
    pub smtp_url: Option<SecretUrl>,
    /// The receipts' sender (`RECEIPT_FROM`, default the organisation's email from content).
    pub receipt_from: Option<String>,
    /// How receipts are sent: the first wait before a failed one is tried again, doubled each
    /// time (`OUTBOX_RETRY_SECONDS`, default 30); how long a worker holds one it is sending,
    /// renewed while it sends, so a crashed worker's receipts are sent after this
    /// (`OUTBOX_LEASE_SECONDS`, default 300); and after how many failed tries one is parked for
    /// staff (`OUTBOX_MAX_ATTEMPTS`, default 10).
    pub outbox: OutboxSettings,
    /// Where Prometheus metrics are served (`METRICS_ADDR`, e.g. `127.0.0.1:9464`; default
    /// none: no metrics listener). Kept off the public address.
    pub metrics_addr: Option<SocketAddr>,
    /// How often Stripe is asked about card gifts still pending, and how old such a gift must
    /// be (`RECONCILE_EVERY_SECONDS`, `RECONCILE_AFTER_SECONDS`, default 300 each).
    pub reconcile_every: Duration,
    pub reconcile_after: Duration,
    /// How often each monthly gift's subscription is asked for paid invoices whose webhook
    /// never arrived (`RECONCILE_INVOICES_EVERY_SECONDS`, default 86400: daily).
    pub reconcile_invoices_every: Duration,
    /// How long after confirming a transfer, cheque or cash by hand staff may undo it
    /// (`UNDO_CONFIRMATION_SECONDS`, default 1800: 30 minutes); later, money returned is a bank
    /// refund.
    pub undo_confirmation: Duration,
    /// Whether the staff session cookie is `Secure` (and so `__Host-` prefixed)
    /// (`ADMIN_COOKIE_SECURE`, default `true`; `false` only for the admin over plain http on
    /// one's own machine).
    pub admin_cookie_secure: bool,
    /// Backups of the database (`BACKUP_DIR`, `BACKUPS_KEPT`, `BACKUP_EVERY_SECONDS`).
    pub backups: BackupSettings,
    /// Abuse defences and bounds on work.
    pub protection: Protection,
}

/// Where and how often backups are taken, and how many are kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupSettings {
    /// The folder (`BACKUP_DIR`; default `backups/` beside the SQLite file, or `data/backups`
    /// for PostgreSQL).
    pub dir: Option<PathBuf>,
    /// How many of the newest backups are kept (`BACKUPS_KEPT`, default 14); older ones in the
    /// folder are deleted after each good backup.
    pub kept: u32,
    /// How often the server takes one (`BACKUP_EVERY_SECONDS`, default 86400: daily; 0 turns
    /// the schedule off, for sites backed up another way).
    pub every: Duration,
}

/// Where a trusted proxy writes the client's address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddressHeader {
    /// RFC 7239 `Forwarded: for=...` elements.
    Forwarded,
    /// A comma-separated list of addresses, the client first (`X-Forwarded-For`, or a single
    /// address such as `X-Real-IP`).
    List(http::HeaderName),
}

impl AddressHeader {
    pub fn named(name: &str) -> Option<AddressHeader> {
        let name = http::HeaderName::from_bytes(name.trim().as_bytes()).ok()?;
        Some(if name.as_str() == "forwarded" {
            AddressHeader::Forwarded
        } else {
            AddressHeader::List(name)
        })
    }
}

impl Default for AddressHeader {
    fn default() -> AddressHeader {
        AddressHeader::List(http::HeaderName::from_static("x-forwarded-for"))
    }
}

/// Defences against abuse and bounds on the work one client can cause, each from the
/// environment, with defaults real donors never notice (docs/operating.md, "Configuration").
#[derive(Clone, Debug)]
pub struct Protection {
    /// Proxies whose forwarding header names the client (`TRUSTED_PROXIES`, comma-separated
    /// addresses; default none: the socket's peer is the client, and forwarding headers are
    /// ignored).
    pub trusted_proxies: Vec<IpAddr>,
    /// The one header the trusted proxy sets (`CLIENT_ADDRESS_HEADER`, default
    /// `X-Forwarded-For`; `Forwarded` for a proxy that writes RFC 7239). Every other
    /// forwarding header is the client's own and ignored.
    pub address_header: AddressHeader,
    /// Per-address limits count an IPv6 client by this many leading bits
    /// (`IPV6_LIMIT_PREFIX`, default 64: one network, as one household or server is given).
    pub ipv6_limit_prefix: u8,
    /// `LIMIT_WINDOW_SECONDS` (600), `LIMIT_PER_ADDRESS` (20), `LIMIT_CHECKOUTS_PER_ADDRESS`
    /// (10), `LIMIT_PER_EMAIL` (5).
    pub limits: LimitSettings,
    /// `CARD_BREAKER_CHECKOUTS_PER_MINUTE` (60), `CARD_BREAKER_FAILURES_PER_MINUTE` (30),
    /// `CARD_BREAKER_PAUSE_SECONDS` (900).
    pub breaker: BreakerSettings,
    /// Signs form tokens (`FORM_SECRET`); when unset, one is made on first start and kept in
    /// the database.
    pub form_secret: Option<SecretString>,
    /// A donation form sent back sooner than this after it was shown is a program's
    /// (`FORM_MIN_SECONDS`, default 3; 0 turns the check off).
    pub form_min_age: Duration,
    /// A form's "shown at" stamp older than this is refused and the form shown again
    /// (`FORM_MAX_AGE_SECONDS`, default 7200: two hours), so an old stamp cannot be replayed
    /// to skip the minimum time.
    pub form_max_age: Duration,
    /// Longest time to answer one request, streams aside (`REQUEST_TIMEOUT_SECONDS`, 20).
    pub request_timeout: Duration,
    /// Longest wait for a request's headers, and for its body (`HEADER_TIMEOUT_SECONDS`,
    /// `BODY_TIMEOUT_SECONDS`, 10 each): a slow client gets 408.
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    /// Requests handled at once; more are turned away with 503 rather than queued without end
    /// (`MAX_CONCURRENT_REQUESTS`, 512).
    pub max_concurrent_requests: usize,
    /// Open event streams in all and per client address (`STREAMS_MAX` 2000,
    /// `STREAMS_PER_ADDRESS` 8).
    pub streams_max: usize,
    pub streams_per_address: usize,
    /// How long a stopping server waits for requests in flight (`SHUTDOWN_DRAIN_SECONDS`, 10).
    pub shutdown_drain: Duration,
    /// How often the retention job runs (`RETENTION_SWEEP_SECONDS`, 3600).
    pub retention_sweep: Duration,
    /// Staff passwords hashed or checked at once, each holding 19 MiB while it runs
    /// (`PASSWORD_CHECKS_AT_ONCE`, 2), and how long a sign-in waits for its turn before it is
    /// answered 503 with `Retry-After` (`PASSWORD_QUEUE_SECONDS`, 5).
    pub password_checks_at_once: usize,
    pub password_queue: Duration,
}

/// An address that may carry a password (a database's, an SMTP server's): printed with the
/// password replaced, so settings are safe in any log line; [`SecretUrl::expose`] gives it whole
/// to the one call that connects.
#[derive(Clone)]
pub struct SecretUrl(SecretString);

impl SecretUrl {
    pub fn new(url: impl Into<String>) -> SecretUrl {
        SecretUrl(SecretString::from(url.into()))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", redact(self.expose()))
    }
}

impl fmt::Display for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(self.expose()))
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
        // Zero allowed: a check that can be turned off.
        let seconds_or_zero = |variable: &'static str, default: u64| match get(variable) {
            Some(value) => value
                .trim()
                .parse::<u64>()
                .map(Duration::from_secs)
                .map_err(|_| ConfigError {
                    variable,
                    message: format!("\"{value}\" is not a whole number of seconds"),
                }),
            None => Ok(Duration::from_secs(default)),
        };
        let count = |variable: &'static str, default: u32| match get(variable) {
            Some(value) => match value.trim().parse::<u32>() {
                Ok(count) if count > 0 => Ok(count),
                _ => Err(ConfigError {
                    variable,
                    message: format!("\"{value}\" is not a whole number above 0"),
                }),
            },
            None => Ok(default),
        };
        let trusted_proxies = match get("TRUSTED_PROXIES") {
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(|item| {
                    item.parse::<IpAddr>().map_err(|_| ConfigError {
                        variable: "TRUSTED_PROXIES",
                        message: format!("\"{item}\" is not an IP address"),
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => Vec::new(),
        };
        let address_header = match get("CLIENT_ADDRESS_HEADER") {
            None => AddressHeader::default(),
            Some(name) => AddressHeader::named(&name).ok_or_else(|| ConfigError {
                variable: "CLIENT_ADDRESS_HEADER",
                message: format!("\"{name}\" is not a header name"),
            })?,
        };
        let ipv6_limit_prefix = match get("IPV6_LIMIT_PREFIX") {
            None => 64,
            Some(value) => match value.trim().parse::<u8>() {
                Ok(bits) if (1..=128).contains(&bits) => bits,
                _ => {
                    return Err(ConfigError {
                        variable: "IPV6_LIMIT_PREFIX",
                        message: format!("\"{value}\" is not a prefix length from 1 to 128"),
                    })
                }
            },
        };
        let protection = Protection {
            trusted_proxies,
            address_header,
            ipv6_limit_prefix,
            limits: LimitSettings {
                window: seconds("LIMIT_WINDOW_SECONDS", 600)?,
                per_address: count("LIMIT_PER_ADDRESS", 20)?,
                checkouts_per_address: count("LIMIT_CHECKOUTS_PER_ADDRESS", 10)?,
                per_email: count("LIMIT_PER_EMAIL", 5)?,
                sign_ins_per_minute: count("SIGN_INS_PER_MINUTE", 5)?,
                code_tries_per_day: count("DONOR_CODE_TRIES_PER_DAY", 20)?,
            },
            breaker: BreakerSettings {
                checkouts_per_minute: count("CARD_BREAKER_CHECKOUTS_PER_MINUTE", 60)?,
                failures_per_minute: count("CARD_BREAKER_FAILURES_PER_MINUTE", 30)?,
                pause: seconds("CARD_BREAKER_PAUSE_SECONDS", 900)?,
            },
            form_secret: get("FORM_SECRET").map(|secret| SecretString::from(secret.trim())),
            form_min_age: seconds_or_zero("FORM_MIN_SECONDS", 3)?,
            form_max_age: seconds("FORM_MAX_AGE_SECONDS", 7_200)?,
            request_timeout: seconds("REQUEST_TIMEOUT_SECONDS", 20)?,
            header_timeout: seconds("HEADER_TIMEOUT_SECONDS", 10)?,
            body_timeout: seconds("BODY_TIMEOUT_SECONDS", 10)?,
            max_concurrent_requests: count("MAX_CONCURRENT_REQUESTS", 512)? as usize,
            streams_max: count("STREAMS_MAX", 2_000)? as usize,
            streams_per_address: count("STREAMS_PER_ADDRESS", 8)? as usize,
            shutdown_drain: seconds("SHUTDOWN_DRAIN_SECONDS", 10)?,
            retention_sweep: seconds("RETENTION_SWEEP_SECONDS", 3_600)?,
            password_checks_at_once: count("PASSWORD_CHECKS_AT_ONCE", 2)? as usize,
            password_queue: seconds("PASSWORD_QUEUE_SECONDS", 5)?,
        };
        if protection
            .form_secret
            .as_ref()
            .is_some_and(|secret| secret.expose_secret().len() < 32)
        {
            return Err(ConfigError {
                variable: "FORM_SECRET",
                message: "must be at least 32 characters (or unset: one is made and kept)".into(),
            });
        }
        let stripe = match (get("STRIPE_SECRET_KEY"), get("STRIPE_WEBHOOK_SECRET")) {
            (Some(secret_key), Some(webhook_secret)) => Some(StripeSettings {
                secret_key: SecretString::from(secret_key.trim()),
                webhook_secret: SecretString::from(webhook_secret.trim()),
                api_base: get("STRIPE_API_BASE")
                    .map_or_else(|| DEFAULT_API_BASE.to_string(), |base| {
                        base.trim().trim_end_matches('/').to_string()
                    }),
                retry_delays: StripeSettings::default_retry_delays(),
                deadline: seconds("STRIPE_DEADLINE_SECONDS", 10)?,
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
            protection,
            stripe,
            smtp_url: smtp_url.map(SecretUrl::new),
            receipt_from: get("RECEIPT_FROM").map(|from| from.trim().to_string()),
            outbox: OutboxSettings {
                retry_base: seconds("OUTBOX_RETRY_SECONDS", 30)?,
                lease: seconds("OUTBOX_LEASE_SECONDS", 300)?,
                max_attempts: count("OUTBOX_MAX_ATTEMPTS", 10)?,
            },
            metrics_addr: match get("METRICS_ADDR") {
                Some(value) => Some(value.trim().parse().map_err(|_| ConfigError {
                    variable: "METRICS_ADDR",
                    message: format!("\"{value}\" is not an address such as 127.0.0.1:9464"),
                })?),
                None => None,
            },
            reconcile_every: seconds("RECONCILE_EVERY_SECONDS", 300)?,
            reconcile_after: seconds("RECONCILE_AFTER_SECONDS", 300)?,
            reconcile_invoices_every: seconds("RECONCILE_INVOICES_EVERY_SECONDS", 86_400)?,
            undo_confirmation: seconds_or_zero("UNDO_CONFIRMATION_SECONDS", 1_800)?,
            backups: BackupSettings {
                dir: get("BACKUP_DIR").map(|dir| dir.trim().into()),
                kept: count("BACKUPS_KEPT", 14)?,
                every: seconds_or_zero("BACKUP_EVERY_SECONDS", 86_400)?,
            },
            admin_cookie_secure: match get("ADMIN_COOKIE_SECURE").map(|v| v.trim().to_lowercase()) {
                None => true,
                Some(value) if value == "true" => true,
                Some(value) if value == "false" => false,
                Some(value) => {
                    return Err(ConfigError {
                        variable: "ADMIN_COOKIE_SECURE",
                        message: format!("\"{value}\" is neither true nor false"),
                    })
                }
            },
            site_addr,
            site_root: get("LEPTOS_SITE_ROOT")
                .unwrap_or_else(|| "target/site".into())
                .into(),
            content_dir: get("CONTENT_DIR")
                .unwrap_or_else(|| "content".into())
                .into(),
            public_base_url,
            progress_refresh: seconds("PROGRESS_REFRESH_SECONDS", 30)?,
            database_url: SecretUrl::new(
                get("DATABASE_URL")
                    .map(|url| url.trim().to_string())
                    .unwrap_or_else(|| DEFAULT_DATABASE_URL.into()),
            ),
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
        assert_eq!(settings.database_url.expose(), DEFAULT_DATABASE_URL);
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
            settings.database_url.expose(),
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
        let error = settings(&[("PASSWORD_CHECKS_AT_ONCE", "0")]).unwrap_err();
        assert_eq!(error.variable, "PASSWORD_CHECKS_AT_ONCE");
        let error = settings(&[("PASSWORD_QUEUE_SECONDS", "soon")]).unwrap_err();
        assert_eq!(error.variable, "PASSWORD_QUEUE_SECONDS");
    }

    #[test]
    fn password_hashing_is_bounded_by_default() {
        let protection = settings(&[]).unwrap().protection;
        assert_eq!(protection.password_checks_at_once, 2);
        assert_eq!(protection.password_queue, Duration::from_secs(5));
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

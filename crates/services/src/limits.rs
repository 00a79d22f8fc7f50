//! Rate limits and the card-testing breaker: defences real donors never notice.
//!
//! A limit allows a handful of attempts per window for one subject (a client address, an
//! email). One instance on SQLite counts in memory with `governor` (GCRA: the handful at once,
//! then one more every window / handful). Several instances share PostgreSQL, so there each
//! hit is a fixed-window counter in the database that every instance sees. Subjects are hashed
//! before they are stored or kept: no address or email sits in the limiter.
//!
//! The breaker watches card checkouts created and card payments that failed, site-wide, per
//! minute; past a threshold it pauses new card gifts for a while (donors are offered FPS and
//! bank transfer), which stops a card-testing run without a puzzle for anyone.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};

use sharecare_db::{Backend, Database};
use sharecare_domain::time::Timestamp;

/// How many attempts per window each rule allows (configuration, see `Settings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitSettings {
    pub window: Duration,
    /// Donation submits and share-link requests from one client address.
    pub per_address: u32,
    /// Card checkouts started from one client address.
    pub checkouts_per_address: u32,
    /// Donation submits (and card checkouts) for one email address.
    pub per_email: u32,
    /// Staff sign-in attempts per minute, for one account and from one client address.
    pub sign_ins_per_minute: u32,
    /// Donors' code tries for one email in a day, whatever the address: with five wrong tries
    /// burning a code, this bounds a guesser's chance per victim per day (ours: 20, about
    /// 1 in 50,000).
    pub code_tries_per_day: u32,
}

/// When the card-testing breaker trips, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerSettings {
    /// Card checkouts created, site-wide, in one minute.
    pub checkouts_per_minute: u32,
    /// Card payments that failed or lapsed, site-wide, in one minute.
    pub failures_per_minute: u32,
    pub pause: Duration,
}

/// What is being limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    SubmitPerAddress,
    SubmitPerEmail,
    CheckoutPerAddress,
    CheckoutPerEmail,
    ShareLinkPerAddress,
    /// Staff sign-in attempts for one account (by email).
    SignInPerAccount,
    /// Staff sign-in attempts from one client address.
    SignInPerAddress,
    /// Donors asking for a sign-in code, for one email and from one address.
    DonorSignInPerEmail,
    DonorSignInPerAddress,
    /// Donors' tries of a code or link, for one email and from one address.
    DonorCodePerEmail,
    DonorCodePerAddress,
    /// Donors' tries of a code for one email, per day.
    DonorCodePerEmailPerDay,
}

impl Rule {
    const ALL: [Rule; 12] = [
        Rule::SubmitPerAddress,
        Rule::SubmitPerEmail,
        Rule::CheckoutPerAddress,
        Rule::CheckoutPerEmail,
        Rule::ShareLinkPerAddress,
        Rule::SignInPerAccount,
        Rule::SignInPerAddress,
        Rule::DonorSignInPerEmail,
        Rule::DonorSignInPerAddress,
        Rule::DonorCodePerEmail,
        Rule::DonorCodePerAddress,
        Rule::DonorCodePerEmailPerDay,
    ];

    fn name(self) -> &'static str {
        match self {
            Rule::SubmitPerAddress => "submit-address",
            Rule::SubmitPerEmail => "submit-email",
            Rule::CheckoutPerAddress => "checkout-address",
            Rule::CheckoutPerEmail => "checkout-email",
            Rule::ShareLinkPerAddress => "share-link-address",
            Rule::SignInPerAccount => "sign-in-account",
            Rule::SignInPerAddress => "sign-in-address",
            Rule::DonorSignInPerEmail => "donor-sign-in-email",
            Rule::DonorSignInPerAddress => "donor-sign-in-address",
            Rule::DonorCodePerEmail => "donor-code-email",
            Rule::DonorCodePerAddress => "donor-code-address",
            Rule::DonorCodePerEmailPerDay => "donor-code-email-day",
        }
    }

    /// The window the rule counts over: a minute for sign-ins (guessing passwords is fast),
    /// the configured window otherwise.
    fn window(self, settings: &LimitSettings) -> Duration {
        match self {
            Rule::SignInPerAccount | Rule::SignInPerAddress => Duration::from_secs(60),
            Rule::DonorCodePerEmailPerDay => Duration::from_secs(24 * 60 * 60),
            _ => settings.window,
        }
    }

    fn allowed(self, settings: &LimitSettings) -> u32 {
        match self {
            Rule::SubmitPerAddress
            | Rule::ShareLinkPerAddress
            | Rule::DonorSignInPerAddress
            | Rule::DonorCodePerAddress => settings.per_address,
            Rule::DonorSignInPerEmail | Rule::DonorCodePerEmail => settings.per_email,
            Rule::CheckoutPerAddress => settings.checkouts_per_address,
            Rule::SubmitPerEmail | Rule::CheckoutPerEmail => settings.per_email,
            Rule::SignInPerAccount | Rule::SignInPerAddress => settings.sign_ins_per_minute,
            Rule::DonorCodePerEmailPerDay => settings.code_tries_per_day,
        }
    }
}

/// Why an attempt was not let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Over the limit.
    TooMany(TooMany),
    /// The shared count (PostgreSQL) could not be read. It lives in the same database the
    /// attempt would be stored in, so the attempt could not succeed either: the caller answers
    /// "try again" at once, instead of after another wait for a database that is down.
    Unavailable,
}

/// A refused attempt: try again after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooMany {
    pub retry_after: Duration,
}

impl TooMany {
    /// Whole seconds, at least one, for a `Retry-After` header.
    pub fn retry_after_seconds(self) -> u64 {
        self.retry_after.as_secs_f64().ceil().max(1.0) as u64
    }
}

enum Store {
    /// One limiter per rule, keyed by the hashed subject.
    Memory(Vec<(Rule, DefaultKeyedRateLimiter<String>)>),
    /// Fixed-window counters in PostgreSQL, shared by every instance.
    Shared(Database),
}

/// The site's rate limits, and the breaker.
pub struct Limits {
    settings: LimitSettings,
    store: Store,
    breaker: Breaker,
    refused: AtomicU64,
}

impl Limits {
    /// In memory on SQLite (one instance), in the database on PostgreSQL (several).
    pub fn new(db: &Database, settings: LimitSettings, breaker: BreakerSettings) -> Limits {
        let store = match db.backend() {
            Backend::Sqlite => Store::Memory(
                Rule::ALL
                    .into_iter()
                    .map(|rule| (rule, RateLimiter::keyed(quota(&settings, rule))))
                    .collect(),
            ),
            Backend::Postgres => Store::Shared(db.clone()),
        };
        Limits {
            settings,
            store,
            breaker: Breaker::new(db, breaker),
            refused: AtomicU64::new(0),
        }
    }

    /// Counts one attempt by `subject` under `rule`; `Err` when it is one too many, or when
    /// the shared count cannot be read (see `Refusal::Unavailable`).
    pub async fn check(&self, rule: Rule, subject: &str) -> Result<(), Refusal> {
        let key = hashed(rule.name(), subject);
        let outcome = match &self.store {
            Store::Memory(limiters) => {
                let limiter = limiters
                    .iter()
                    .find(|(candidate, _)| *candidate == rule)
                    .map(|(_, limiter)| limiter)
                    .expect("a limiter per rule");
                limiter.check_key(&key).map_err(|not_until| {
                    Refusal::TooMany(TooMany {
                        retry_after: not_until.wait_time_from(DefaultClock::default().now()),
                    })
                })
            }
            Store::Shared(db) => {
                let allowed = u64::from(rule.allowed(&self.settings));
                match db.count_hit(&key, rule.window(&self.settings)).await {
                    Ok(hit) if hit.sliding() > allowed as f64 => Err(Refusal::TooMany(TooMany {
                        retry_after: hit.window_left,
                    })),
                    Ok(_) => Ok(()),
                    Err(error) => {
                        crate::warn_throttled!("rate-limit-store", %error, "cannot count an attempt; the database is unavailable");
                        return Err(Refusal::Unavailable);
                    }
                }
            }
        };
        if outcome.is_err() {
            self.refused.fetch_add(1, Ordering::Relaxed);
            metrics::counter!("sharecare_rate_limited_total", "rule" => rule.name()).increment(1);
            crate::warn_throttled!(
                "rate-limit-hit",
                rule = rule.name(),
                "an attempt over the limit was refused"
            );
        }
        outcome
    }

    /// How many attempts the limits have refused since start.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// The card-testing breaker.
    pub fn breaker(&self) -> &Breaker {
        &self.breaker
    }

    /// Forgets memory-kept attempts whose window has passed (the retention sweep calls this);
    /// shared counters are deleted by the database's own sweep.
    pub fn forget_old(&self) {
        if let Store::Memory(limiters) = &self.store {
            for (_, limiter) in limiters {
                limiter.retain_recent();
            }
        }
    }
}

/// `allowed` attempts at once, then one more every `window / allowed`.
fn quota(settings: &LimitSettings, rule: Rule) -> Quota {
    let allowed = NonZeroU32::new(rule.allowed(settings)).unwrap_or(NonZeroU32::MIN);
    let period = rule.window(settings) / allowed.get();
    Quota::with_period(period.max(Duration::from_nanos(1)))
        .expect("a period above zero")
        .allow_burst(allowed)
}

/// The limiter's key: the rule and a hash of the subject, so no address or email is kept.
fn hashed(rule: &str, subject: &str) -> String {
    let digest = Sha256::digest(format!("{rule}\n{subject}").as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("{rule}:{hex}")
}

/// Pauses card gifts when checkouts or failures spike. Counts are shared through the database
/// on PostgreSQL (each instance trips when it sees the shared count pass), kept in memory on
/// SQLite.
pub struct Breaker {
    settings: BreakerSettings,
    db: Option<Database>,
    /// This minute's counts when counted in memory: (minute, checkouts, failures).
    local: std::sync::Mutex<(i64, u64, u64)>,
    paused_until: AtomicI64,
    trips: AtomicU64,
}

/// What the breaker counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardEvent {
    CheckoutCreated,
    PaymentFailed,
}

impl Breaker {
    fn new(db: &Database, settings: BreakerSettings) -> Breaker {
        Breaker {
            settings,
            db: (db.backend() == Backend::Postgres).then(|| db.clone()),
            local: std::sync::Mutex::new((0, 0, 0)),
            paused_until: AtomicI64::new(0),
            trips: AtomicU64::new(0),
        }
    }

    /// Whether new card gifts are paused at `now`.
    pub fn is_paused(&self, now: Timestamp) -> bool {
        self.paused_until.load(Ordering::Relaxed) > now.as_millis()
    }

    /// How many times the breaker has tripped since start.
    pub fn trips(&self) -> u64 {
        self.trips.load(Ordering::Relaxed)
    }

    /// Counts a card checkout created or a card payment that failed, and trips the breaker
    /// when this minute's count passes its threshold.
    pub async fn record(&self, event: CardEvent, now: Timestamp) {
        let (name, threshold) = match event {
            CardEvent::CheckoutCreated => ("breaker-checkouts", self.settings.checkouts_per_minute),
            CardEvent::PaymentFailed => ("breaker-failures", self.settings.failures_per_minute),
        };
        let count = match &self.db {
            Some(db) => match db.count_hit(name, Duration::from_secs(60)).await {
                Ok(hit) => hit.hits,
                Err(error) => {
                    crate::warn_throttled!("breaker-store", %error, "cannot count for the card breaker");
                    return;
                }
            },
            None => {
                let minute = now.as_millis().div_euclid(60_000);
                let mut local = self.local.lock().expect("breaker lock");
                if local.0 != minute {
                    *local = (minute, 0, 0);
                }
                match event {
                    CardEvent::CheckoutCreated => local.1 += 1,
                    CardEvent::PaymentFailed => local.2 += 1,
                }
                match event {
                    CardEvent::CheckoutCreated => local.1,
                    CardEvent::PaymentFailed => local.2,
                }
            }
        };
        if count > u64::from(threshold) && !self.is_paused(now) {
            let until = now.plus(self.settings.pause);
            self.paused_until
                .store(until.as_millis(), Ordering::Relaxed);
            self.trips.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(
                event = ?event,
                count,
                threshold,
                pause_seconds = self.settings.pause.as_secs(),
                "card gifts paused: unusual card activity (possible card testing)"
            );
        }
    }
}

/// Caps on open event streams, in all and per client address, so open pages cannot tie up the
/// server: a stream past a cap is refused, and a closed stream gives its place back.
pub struct StreamGate {
    max: usize,
    per_address: usize,
    open: std::sync::Mutex<(usize, std::collections::HashMap<std::net::IpAddr, usize>)>,
}

/// Why a stream was not opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamRefused {
    /// The server holds as many streams as it will (503).
    Full,
    /// This address holds as many as it may (429).
    TooManyFromAddress,
}

/// An open stream's place; dropping it (the stream ends or the client goes) frees the place.
pub struct StreamPermit {
    gate: std::sync::Arc<StreamGate>,
    address: std::net::IpAddr,
}

impl StreamGate {
    pub fn new(max: usize, per_address: usize) -> StreamGate {
        StreamGate {
            max,
            per_address,
            open: std::sync::Mutex::new((0, std::collections::HashMap::new())),
        }
    }

    pub fn open(
        self: &std::sync::Arc<Self>,
        address: std::net::IpAddr,
    ) -> Result<StreamPermit, StreamRefused> {
        let mut open = self.open.lock().expect("stream gate lock");
        if open.0 >= self.max {
            return Err(StreamRefused::Full);
        }
        let from_address = open.1.entry(address).or_insert(0);
        if *from_address >= self.per_address {
            return Err(StreamRefused::TooManyFromAddress);
        }
        *from_address += 1;
        open.0 += 1;
        Ok(StreamPermit {
            gate: self.clone(),
            address,
        })
    }

    /// Streams open now.
    pub fn open_streams(&self) -> usize {
        self.open.lock().expect("stream gate lock").0
    }
}

impl Drop for StreamPermit {
    fn drop(&mut self) {
        let mut open = self
            .gate
            .open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        open.0 = open.0.saturating_sub(1);
        if let Some(count) = open.1.get_mut(&self.address) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.1.remove(&self.address);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_capped_in_all_and_per_address_and_places_come_back() {
        let gate = std::sync::Arc::new(StreamGate::new(3, 2));
        let a: std::net::IpAddr = "203.0.113.1".parse().unwrap();
        let b: std::net::IpAddr = "203.0.113.2".parse().unwrap();
        let first = gate.open(a).unwrap();
        let _second = gate.open(a).unwrap();
        assert_eq!(gate.open(a).err(), Some(StreamRefused::TooManyFromAddress));
        let _third = gate.open(b).unwrap();
        assert_eq!(gate.open(b).err(), Some(StreamRefused::Full));
        drop(first);
        assert_eq!(gate.open_streams(), 2);
        assert!(gate.open(a).is_ok());
    }

    #[test]
    fn subjects_are_hashed_and_rules_kept_apart() {
        let a = hashed("submit-address", "203.0.113.7");
        assert!(a.starts_with("submit-address:"));
        assert!(!a.contains("203.0.113.7"));
        assert_ne!(a, hashed("checkout-address", "203.0.113.7"));
        assert_eq!(a, hashed("submit-address", "203.0.113.7"));
    }

    #[test]
    fn a_handful_at_once_then_refused_with_a_wait() {
        let settings = LimitSettings {
            window: Duration::from_secs(600),
            per_address: 3,
            checkouts_per_address: 2,
            per_email: 1,
            sign_ins_per_minute: 5,
            code_tries_per_day: 20,
        };
        let limiter: DefaultKeyedRateLimiter<String> =
            RateLimiter::keyed(quota(&settings, Rule::SubmitPerAddress));
        for _ in 0..3 {
            assert!(limiter.check_key(&"k".to_string()).is_ok());
        }
        let refused = limiter.check_key(&"k".to_string()).unwrap_err();
        let wait = refused.wait_time_from(DefaultClock::default().now());
        // One more every 600 s / 3.
        assert!(
            wait > Duration::from_secs(150) && wait <= Duration::from_secs(200),
            "{wait:?}"
        );
        assert!(limiter.check_key(&"other".to_string()).is_ok());
        let too_many = TooMany {
            retry_after: Duration::from_millis(1_200),
        };
        assert_eq!(too_many.retry_after_seconds(), 2);
    }
}

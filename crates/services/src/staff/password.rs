//! Staff passwords: Argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane), hashed and
//! checked off the async threads (each takes tens of milliseconds on purpose), a few at a time
//! ([`PasswordGate`]): a flood of sign-ins queues briefly and is then turned away, instead of
//! each one taking 19 MiB on the blocking pool (512 at once would be 10 GiB).
//!
//! Checks reuse the gate's own working memory, one 19 MiB buffer per place, instead of
//! allocating each time: glibc keeps freed blocks that large in its heap once it has seen one
//! freed, so 600 sign-ins through a gate of two still peaked at over 600 MiB (measured,
//! `staff_sessions::*::six_hundred_sign_ins_at_once_are_queued_then_refused_in_bounded_memory`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::Semaphore;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

/// The shortest password accepted. Length is what makes a password strong; no other rules.
pub const MIN_LENGTH: usize = 12;
/// The longest: far above any real password, low enough that hashing stays cheap.
pub const MAX_LENGTH: usize = 256;

/// Why a password was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("a password needs at least {MIN_LENGTH} characters")]
    TooShort,
    #[error("a password has at most {MAX_LENGTH} characters")]
    TooLong,
}

/// Checks a new password's length.
pub fn check_new(password: &str) -> Result<(), PasswordError> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        Err(PasswordError::TooShort)
    } else if length > MAX_LENGTH {
        Err(PasswordError::TooLong)
    } else {
        Ok(())
    }
}

fn params() -> Params {
    Params::new(19_456, 2, 1, None).expect("OWASP's Argon2id parameters are valid")
}

fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
}

/// One check's working memory.
type Memory = Vec<Block>;

/// Too many passwords are being checked: none became free within the queue's wait. The caller
/// answers 503 with `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many passwords are being checked at once")]
pub struct Busy;

/// The bound on password hashing: at most `at_once` hashes run (each holds 19 MiB while it
/// does), the rest wait in line for up to `queue_wait`, then get [`Busy`]. Hashes from the
/// command line go through it too; one gate per process.
pub struct PasswordGate {
    permits: Arc<Semaphore>,
    at_once: usize,
    queue_wait: Duration,
    running: Arc<AtomicUsize>,
    /// The most hashes that ever ran at once (the bound's own evidence, for tests and metrics).
    peak: Arc<AtomicUsize>,
    /// Working memory for checks, kept between them: never more buffers than places.
    memory: Arc<Mutex<Vec<Memory>>>,
}

impl PasswordGate {
    /// `at_once` is at least 1.
    pub fn new(at_once: usize, queue_wait: Duration) -> PasswordGate {
        let at_once = at_once.max(1);
        PasswordGate {
            permits: Arc::new(Semaphore::new(at_once)),
            at_once,
            queue_wait,
            running: Arc::new(AtomicUsize::new(0)),
            peak: Arc::new(AtomicUsize::new(0)),
            memory: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// How many hashes may run at once.
    pub fn at_once(&self) -> usize {
        self.at_once
    }

    /// How long a check waits for its turn before [`Busy`].
    pub fn queue_wait(&self) -> Duration {
        self.queue_wait
    }

    /// The most hashes that ran at the same moment since start.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::Acquire)
    }

    /// Runs `work` on the blocking pool once a place is free. The place is held by the
    /// blocking task itself, so a request that gives up (its client went away) does not free
    /// it while the hash still runs.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Memory) -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let permit =
            match tokio::time::timeout(self.queue_wait, self.permits.clone().acquire_owned()).await
            {
                Ok(Ok(permit)) => permit,
                // Waited too long, or the gate is closed (never: it is not closed).
                Ok(Err(_)) | Err(_) => {
                    metrics::counter!("sharecare_password_checks_refused_total").increment(1);
                    return Err(Busy);
                }
            };
        let (running, peak, pool) = (self.running.clone(), self.peak.clone(), self.memory.clone());
        tokio::task::spawn_blocking(move || {
            let now = running.fetch_add(1, Ordering::AcqRel) + 1;
            let highest = peak.fetch_max(now, Ordering::AcqRel).max(now);
            metrics::gauge!("sharecare_password_checks_running").set(now as f64);
            metrics::gauge!("sharecare_password_checks_peak").set(highest as f64);
            // A place is held, so a buffer is free or fewer than `at_once` exist.
            let mut memory = pool
                .lock()
                .map(|mut pool| pool.pop())
                .unwrap_or(None)
                .unwrap_or_default();
            let result = work(&mut memory);
            if let Ok(mut pool) = pool.lock() {
                pool.push(memory);
            }
            let left = running.fetch_sub(1, Ordering::AcqRel) - 1;
            metrics::gauge!("sharecare_password_checks_running").set(left as f64);
            drop(permit);
            result
        })
        .await
        .map_err(|_| Busy)
    }

    /// The password's Argon2id hash, a PHC string starting `$argon2id$`.
    pub async fn hash(&self, password: String) -> Result<String, Busy> {
        self.run(move |_| {
            let salt = SaltString::generate(&mut OsRng);
            hasher()
                .hash_password(password.as_bytes(), &salt)
                .expect("hashing with valid parameters succeeds")
                .to_string()
        })
        .await
    }

    /// Whether `password` matches `stored`. With no stored hash (no such account) a hash is
    /// still checked, so the answer takes as long either way and does not tell which emails
    /// exist.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, Busy> {
        self.run(move |memory| {
            let (stored, real) = match stored {
                Some(stored) => (stored, true),
                None => (decoy().to_string(), false),
            };
            matches(password.as_bytes(), &stored, memory) && real
        })
        .await
    }
}

/// Whether `password` is the one hashed in `stored` (a PHC string), computed in `memory`
/// (grown to the stored parameters' size if it is smaller). What `PasswordVerifier` does, but
/// in memory the caller keeps.
fn matches(password: &[u8], stored: &str, memory: &mut Memory) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let (Ok(params), Ok(algorithm)) = (
        Params::try_from(&parsed),
        Algorithm::try_from(parsed.algorithm),
    ) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(version)) => version,
        Some(Err(_)) => return false,
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    if memory.len() < params.block_count() {
        memory.resize(params.block_count(), Block::default());
    }
    let mut computed = vec![0u8; expected.len()];
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password, salt, &mut computed, &mut memory[..])
        .is_ok()
        && sharecare_domain::secrets::constant_time_eq(&computed, expected.as_bytes())
}

/// A hash of nothing anyone knows, checked when the account does not exist.
fn decoy() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(
                sharecare_domain::secrets::random_hex::<16>().as_bytes(),
                &salt,
            )
            .expect("hashing with valid parameters succeeds")
            .to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::PasswordVerifier;

    fn gate() -> PasswordGate {
        PasswordGate::new(2, Duration::from_secs(60))
    }

    #[tokio::test]
    async fn hashes_are_argon2id_and_check_only_the_right_password() {
        let gate = gate();
        let stored = gate.hash("correct horse battery".into()).await.unwrap();
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        for (password, stored, right) in [
            ("correct horse battery", Some(stored.clone()), true),
            ("correct horse batterz", Some(stored), false),
            ("anything", None, false),
            ("x", Some("not a hash".to_string()), false),
        ] {
            assert_eq!(gate.verify(password.into(), stored).await, Ok(right));
        }
    }

    /// The check in kept memory agrees with the crate's own verifier, for our hashes and for
    /// hashes with other parameters, and reuses one buffer.
    #[test]
    fn the_check_in_kept_memory_agrees_with_the_crates_verifier() {
        let salt = SaltString::generate(&mut OsRng);
        let ours = hasher()
            .hash_password(b"correct horse", &salt)
            .unwrap()
            .to_string();
        let smaller = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8_192, 1, 1, None).unwrap(),
        )
        .hash_password(b"correct horse", &salt)
        .unwrap()
        .to_string();
        let mut memory = Memory::new();
        for stored in [&ours, &smaller] {
            assert!(matches(b"correct horse", stored, &mut memory), "{stored}");
            assert!(!matches(b"correct horsf", stored, &mut memory), "{stored}");
            let parsed = PasswordHash::new(stored).unwrap();
            assert!(hasher().verify_password(b"correct horse", &parsed).is_ok());
        }
        assert_eq!(
            memory.len(),
            params().block_count(),
            "one buffer, the larger size"
        );
        assert!(!matches(b"x", "not a hash", &mut memory));
    }

    #[test]
    fn new_passwords_need_length_only() {
        assert_eq!(check_new("short"), Err(PasswordError::TooShort));
        assert_eq!(check_new("twelve chars"), Ok(()));
        assert_eq!(check_new(&"x".repeat(300)), Err(PasswordError::TooLong));
    }

    /// Eight checks at once through a gate of one: never two hashes at the same moment, and
    /// with a wait shorter than a hash, the ones at the back of the queue are turned away.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn hashes_run_no_more_than_the_gate_allows_and_the_queue_gives_up() {
        let gate = Arc::new(PasswordGate::new(1, Duration::from_millis(1)));
        let stored = PasswordGate::new(1, Duration::from_secs(60))
            .hash("correct horse battery".into())
            .await
            .unwrap();
        let checks: Vec<_> = (0..8)
            .map(|_| {
                let (gate, stored) = (gate.clone(), stored.clone());
                tokio::spawn(async move {
                    gate.verify("correct horse battery".into(), Some(stored))
                        .await
                })
            })
            .collect();
        let mut answers = Vec::new();
        for check in checks {
            answers.push(check.await.unwrap());
        }
        assert_eq!(gate.peak(), 1, "one hash at a time");
        assert!(answers.contains(&Ok(true)), "{answers:?}");
        assert!(answers.contains(&Err(Busy)), "{answers:?}");
    }
}

//! What makes a donation form the server's own: form tokens it signed (a token it did not issue
//! is refused, and cannot be chosen by a client to collide with another donor's), a signed note
//! of when the form was shown, bound to the form's token and good for a few hours (a form sent
//! back sooner than a person could fill it is a program's, and one stamp cannot be kept and
//! replayed on other forms), and a field people never see (a honeypot).
//!
//! The signing key is `FORM_SECRET`, or, when unset, one made on first start and kept in the
//! database so every instance signs and checks with the same key.

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use sharecare_db::{Database, DbError};
use sharecare_domain::identifiers::FormToken;
use sharecare_domain::secrets::{constant_time_eq, random_hex};
use sharecare_domain::time::Timestamp;

/// Why a submitted form is not taken as a person's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suspicion {
    /// The honeypot field is filled in.
    Honeypot,
    /// Sent back sooner than `FORM_MIN_SECONDS` after it was shown.
    TooFast,
    /// The "shown at" note is missing, not the server's, or made for another form's token.
    NoStamp,
    /// The "shown at" note is older than `FORM_MAX_AGE_SECONDS`.
    Stale,
}

/// How long a form may be open before it must be shown again, unless configured.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(2 * 60 * 60);

pub struct FormGuard {
    key: Vec<u8>,
    min_age: Duration,
    max_age: Duration,
}

impl FormGuard {
    /// With the configured secret, or the one kept in the database (made now if none is).
    pub async fn new(
        db: &Database,
        configured: Option<&str>,
        min_age: Duration,
        max_age: Duration,
    ) -> Result<FormGuard, DbError> {
        let secret = match configured {
            Some(secret) => secret.to_string(),
            None => db.server_secret("form-token", &random_hex::<32>()).await?,
        };
        Ok(FormGuard::with_key(secret.as_bytes(), min_age).with_max_age(max_age))
    }

    pub fn with_key(key: &[u8], min_age: Duration) -> FormGuard {
        FormGuard {
            key: key.to_vec(),
            min_age,
            max_age: DEFAULT_MAX_AGE,
        }
    }

    pub fn with_max_age(self, max_age: Duration) -> FormGuard {
        FormGuard { max_age, ..self }
    }

    fn sign(&self, purpose: &str, value: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(purpose.as_bytes());
        mac.update(b":");
        mac.update(value.as_bytes());
        mac.finalize().into_bytes()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// A new token for a donation form.
    pub fn issue_token(&self) -> FormToken {
        let id = random_hex::<16>();
        let signature = self.sign("form-token", &id);
        FormToken::parse(&format!("{id}.{signature}")).expect("hex parts make a token")
    }

    /// Whether the server issued `token`.
    pub fn issued(&self, token: &FormToken) -> bool {
        let (id, signature) = token.parts();
        constant_time_eq(self.sign("form-token", id).as_bytes(), signature.as_bytes())
    }

    /// The signed note of when the form carrying `token` was shown:
    /// `{unix millis}.{signature of token and time}`.
    pub fn stamp(&self, token: &str, now: Timestamp) -> String {
        let now = now.as_millis();
        format!("{now}.{}", self.sign("shown", &format!("{token}:{now}")))
    }

    /// Checks a submitted form's honeypot and its "shown at" note, which must be the one made
    /// for the form's `token`, against `now`. `FORM_MIN_SECONDS=0` turns the note's checks off.
    pub fn check(
        &self,
        honeypot: &str,
        stamp: &str,
        token: &str,
        now: Timestamp,
    ) -> Result<(), Suspicion> {
        if !honeypot.trim().is_empty() {
            return Err(Suspicion::Honeypot);
        }
        if self.min_age.is_zero() {
            return Ok(());
        }
        let shown = stamp
            .split_once('.')
            .filter(|(time, signature)| {
                constant_time_eq(
                    self.sign("shown", &format!("{token}:{time}")).as_bytes(),
                    signature.as_bytes(),
                )
            })
            .and_then(|(time, _)| time.parse::<i64>().ok())
            .ok_or(Suspicion::NoStamp)?;
        let millis = |age: Duration| i64::try_from(age.as_millis()).unwrap_or(i64::MAX);
        let age = now.as_millis().saturating_sub(shown);
        if age < millis(self.min_age) {
            return Err(Suspicion::TooFast);
        }
        if age > millis(self.max_age) {
            return Err(Suspicion::Stale);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard() -> FormGuard {
        FormGuard::with_key(b"test key", Duration::from_secs(3))
    }

    #[test]
    fn tokens_the_server_issued_verify_and_others_do_not() {
        let guard = guard();
        let token = guard.issue_token();
        assert!(guard.issued(&token));
        assert_ne!(token, guard.issue_token());
        let forged = FormToken::parse(&format!("{}.{}", "0".repeat(32), "1".repeat(32))).unwrap();
        assert!(!guard.issued(&forged));
        let other_key = FormGuard::with_key(b"another key", Duration::ZERO);
        assert!(!other_key.issued(&token));
    }

    const TOKEN: &str = "form-a";

    #[test]
    fn a_form_sent_too_soon_or_with_the_trap_filled_is_refused() {
        let guard = guard();
        let stamp = guard.stamp(TOKEN, Timestamp::from_millis(1_000_000));
        let check = |honeypot: &str, stamp: &str, at: i64| {
            guard.check(honeypot, stamp, TOKEN, Timestamp::from_millis(at))
        };
        assert_eq!(check("", &stamp, 1_002_999), Err(Suspicion::TooFast));
        assert_eq!(check("", &stamp, 1_003_000), Ok(()));
        assert_eq!(
            check("https://spam.example", &stamp, 1_060_000),
            Err(Suspicion::Honeypot)
        );
        assert_eq!(check("", "", 1_060_000), Err(Suspicion::NoStamp));
        // A stamp moved back in time no longer matches its signature.
        let forged = stamp.replacen("1000000", "900000", 1);
        assert_eq!(check("", &forged, 1_060_000), Err(Suspicion::NoStamp));
    }

    #[test]
    fn a_stamp_is_good_only_for_its_own_form_and_for_a_few_hours() {
        let guard = guard().with_max_age(Duration::from_secs(7_200));
        let shown = 1_000_000;
        let stamp = guard.stamp(TOKEN, Timestamp::from_millis(shown));
        let at = |millis: i64| Timestamp::from_millis(shown + millis);
        assert_eq!(guard.check("", &stamp, TOKEN, at(7_200_000)), Ok(()));
        assert_eq!(
            guard.check("", &stamp, TOKEN, at(7_200_001)),
            Err(Suspicion::Stale),
            "kept past two hours"
        );
        assert_eq!(
            guard.check("", &stamp, "form-b", at(60_000)),
            Err(Suspicion::NoStamp),
            "one form's stamp on another form"
        );
    }
}

//! The optional second factor: time-based one-time codes (RFC 6238: SHA-1, 6 digits, 30-second
//! steps), as authenticator apps make them. A code is accepted one step early or late (clocks
//! drift), and each step only once per account (see `Database::use_totp_step`).

use totp_rs::{Algorithm, Secret, TOTP};

const DIGITS: usize = 6;
const STEP_SECONDS: u64 = 30;

/// A new random secret (160 bits), base32 as apps take it.
pub fn new_secret() -> String {
    Secret::generate_secret().to_encoded().to_string()
}

fn totp(secret: &str, issuer: &str, account: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret.to_string()).to_bytes().ok()?;
    // The otpauth label may not hold ':'.
    let issuer = issuer.replace(':', " ");
    let account = account.replace(':', " ");
    TOTP::new(
        Algorithm::SHA1,
        DIGITS,
        1,
        STEP_SECONDS,
        bytes,
        Some(issuer),
        account,
    )
    .ok()
}

/// The `otpauth://` address an app reads from the enrolment QR code.
pub fn enrolment_url(secret: &str, issuer: &str, account: &str) -> Option<String> {
    totp(secret, issuer, account).map(|totp| totp.get_url())
}

/// The time step a code is right for (now, one before, or one after), if any.
pub fn check(secret: &str, code: &str, now_seconds: u64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = totp(secret, "sharecare", "staff")?;
    let current = now_seconds / STEP_SECONDS;
    [current, current.saturating_sub(1), current + 1]
        .into_iter()
        .find(|step| {
            sharecare_domain::secrets::constant_time_eq(
                totp.generate(step * STEP_SECONDS).as_bytes(),
                code.as_bytes(),
            )
        })
        .and_then(|step| i64::try_from(step).ok())
}

/// The code for a moment (tests, and nothing else, need to make one).
pub fn code_at(secret: &str, now_seconds: u64) -> Option<String> {
    totp(secret, "sharecare", "staff").map(|totp| totp.generate(now_seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_from_the_secret_are_accepted_for_their_step_only() {
        let secret = new_secret();
        let now = 1_800_000_000;
        let code = code_at(&secret, now).unwrap();
        assert_eq!(check(&secret, &code, now), Some((now / 30) as i64));
        // One step of drift either way.
        assert!(check(&secret, &code, now + 30).is_some());
        assert!(check(&secret, &code, now - 30).is_some());
        assert_eq!(check(&secret, &code, now + 120), None);
        assert_eq!(check(&secret, "12345", now), None);
        assert_eq!(check(&secret, "abcdef", now), None);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert!(check(&secret, &spaced, now).is_some());
        let url = enrolment_url(&secret, "Left-behind: Children", "ops@example.org").unwrap();
        assert!(url.starts_with("otpauth://totp/"), "{url}");
        assert!(url.contains(&format!("secret={secret}")), "{url}");
    }
}

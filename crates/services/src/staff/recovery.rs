//! Recovery codes: the way in when the phone with the authenticator app is lost. Turning a
//! second factor on makes [`CODES_PER_SET`] of them; they are shown once, kept only as hashes,
//! and each signs in once in place of a code from the app.
//!
//! A code is 16 digits, so it is typed in the sign-in form's code field with the same number
//! pad as an app's code (and told apart from one by its length). 16 random digits are 53 bits:
//! with five misses locking the second factor and the sign-in limits, guessing one is
//! hopeless online, and a keyed SHA-256 of that many bits is slow enough to search offline
//! that a slow password hash (and the memory it costs every sign-in) is not needed.

use rand::Rng;
use sha2::{Digest, Sha256};

/// How many codes one set has.
pub const CODES_PER_SET: usize = 10;
/// Digits in a code.
const DIGITS: usize = 16;
/// Digits per group as shown (and as the key of the authenticator app is shown).
pub const GROUP: usize = 4;

/// A new set of codes, as shown (digits in groups of four).
pub fn new_codes() -> Vec<String> {
    let mut rng = rand::rng();
    (0..CODES_PER_SET)
        .map(|_| {
            let digits: String = (0..DIGITS)
                .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
                .collect();
            in_groups(&digits, GROUP, " ")
        })
        .collect()
}

/// What was typed, if it has the shape of a recovery code: its digits, without the spaces or
/// dashes people type between groups.
pub fn typed(input: &str) -> Option<String> {
    let digits: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    (digits.len() == DIGITS && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// The stored form of a code: keyed by the account, so one hash never matches another's code.
pub fn hash(user_id: &str, code: &str) -> String {
    let digits = typed(code).unwrap_or_default();
    let mut hasher = Sha256::new();
    hasher.update(b"sharecare staff recovery code\0");
    hasher.update(user_id.as_bytes());
    hasher.update(b"\0");
    hasher.update(digits.as_bytes());
    sharecare_domain::secrets::hex(&hasher.finalize())
}

/// The stored forms of a set of codes.
pub fn hashes(user_id: &str, codes: &[String]) -> Vec<String> {
    codes.iter().map(|code| hash(user_id, code)).collect()
}

/// `text` in groups of `size` characters joined by `separator` (a key or a code, for reading
/// off one screen and typing into another).
pub fn in_groups(text: &str, size: usize, separator: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    chars
        .chunks(size.max(1))
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(separator)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_sixteen_digits_in_fours_and_hash_apart_by_account() {
        let codes = new_codes();
        assert_eq!(codes.len(), CODES_PER_SET);
        for code in &codes {
            let groups: Vec<&str> = code.split(' ').collect();
            assert_eq!(groups.len(), 4, "{code}");
            assert!(groups.iter().all(|group| group.len() == 4), "{code}");
            assert!(typed(code).is_some(), "{code}");
        }
        let code = &codes[0];
        let plain = typed(code).unwrap();
        assert_eq!(hash("a", code), hash("a", &plain), "spaces do not matter");
        assert_eq!(hash("a", code), hash("a", &in_groups(&plain, 4, "-")));
        assert_ne!(hash("a", code), hash("b", code), "another account's code");
        assert!(!hash("a", code).contains(&plain));
        assert_eq!(
            typed("123456"),
            None,
            "an app's code is not a recovery code"
        );
        assert_eq!(typed("1234 5678 9012 345x"), None);
        assert_eq!(in_groups("ABCDEFGHIJ", 4, " "), "ABCD EFGH IJ");
    }
}

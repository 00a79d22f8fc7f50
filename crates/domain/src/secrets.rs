//! Secrets the server makes and checks: random tokens from the operating system's CSPRNG, and
//! comparison without an early exit.

use rand::Rng;

/// `N` random bytes as lowercase hex, from the operating system's CSPRNG (via `rand`).
pub fn random_hex<const N: usize>() -> String {
    let bytes: [u8; N] = rand::rng().random();
    hex(&bytes)
}

/// Bytes (a digest, a key) as lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares secrets without an early exit, so timing does not reveal how much matched.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_hex_and_compare_exactly() {
        let (a, b) = (random_hex::<16>(), random_hex::<16>());
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}

//! Webhook signatures: `Stripe-Signature: t=...,v1=...`, an HMAC-SHA256 of `"{t}.{body}"`.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::SIGNATURE_TOLERANCE_SECONDS;

/// Why a webhook was refused before its body was read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no Stripe-Signature header")]
    Missing,
    #[error("the Stripe-Signature header has no timestamp or no v1 signature")]
    Malformed,
    #[error("the signature's timestamp is more than 300 s from now")]
    OutsideTolerance,
    #[error("no v1 signature matches the body")]
    Mismatch,
}

/// Verifies `Stripe-Signature: t=...,v1=...[,v1=...]`: an HMAC-SHA256 of `"{t}.{body}"` keyed
/// with the endpoint secret, compared in constant time; any `v1` may match (Stripe sends one
/// per secret while a secret is being rolled). The timestamp must be within 300 s of
/// `now_seconds` (Unix seconds, as the header writes it), so a captured request cannot be
/// replayed later.
pub fn verify_signature(
    header: Option<&str>,
    body: &[u8],
    secret: &str,
    now_seconds: i64,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) if timestamp.is_none() => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => signatures.extend(decode_hex(value)),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    // `abs_diff`: `now - timestamp` would overflow for a timestamp of i64::MIN.
    if now_seconds.abs_diff(timestamp) > SIGNATURE_TOLERANCE_SECONDS.unsigned_abs() {
        return Err(SignatureError::OutsideTolerance);
    }
    let mut mac = signer(secret, timestamp);
    mac.update(body);
    let matches = signatures
        .iter()
        .any(|signature| mac.clone().verify_slice(signature).is_ok());
    if matches {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// The `Stripe-Signature` header Stripe would send for `body` at `timestamp` (the fake Stripe
/// server in the tests signs with this, so both sides share one definition of the scheme).
pub fn signature_header(body: &[u8], secret: &str, timestamp: i64) -> String {
    let mut mac = signer(secret, timestamp);
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex = sharecare_domain::secrets::hex(&digest);
    format!("t={timestamp},v1={hex}")
}

fn signer(secret: &str, timestamp: i64) -> Hmac<Sha256> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";

    #[test]
    fn a_signature_made_by_the_scheme_verifies() {
        let body = br#"{"id":"evt_1"}"#;
        let header = signature_header(body, SECRET, 1_700_000_000);
        assert_eq!(
            verify_signature(Some(&header), body, SECRET, 1_700_000_000),
            Ok(())
        );
        // Stripe's documented layout: t first, then v1 as 64 hex digits.
        assert!(header.starts_with("t=1700000000,v1="));
        assert_eq!(header.len(), "t=1700000000,v1=".len() + 64);
    }

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        // The HMAC itself against RFC 4231's test case 2, then the signed text "{t}.{body}".
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let header = signature_header(b"body", "Jefe", 42);
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"42.body");
        let expected: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(header, format!("t=42,v1={expected}"));
    }

    #[test]
    fn tampering_wrong_secrets_and_old_timestamps_are_refused() {
        let body = br#"{"id":"evt_1","amount":25000}"#;
        let now = 1_700_000_000;
        let header = signature_header(body, SECRET, now);
        let mut flipped = body.to_vec();
        flipped[10] ^= 1;
        assert_eq!(
            verify_signature(Some(&header), &flipped, SECRET, now),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(Some(&header), body, "whsec_other", now),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(None, body, SECRET, now),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify_signature(Some("v1=abcd"), body, SECRET, now),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify_signature(Some("t=1700000000"), body, SECRET, now),
            Err(SignatureError::Malformed)
        );
        let old = signature_header(body, SECRET, now - 301);
        assert_eq!(
            verify_signature(Some(&old), body, SECRET, now),
            Err(SignatureError::OutsideTolerance)
        );
        let edge = signature_header(body, SECRET, now - 300);
        assert_eq!(verify_signature(Some(&edge), body, SECRET, now), Ok(()));
        let future = signature_header(body, SECRET, now + 301);
        assert_eq!(
            verify_signature(Some(&future), body, SECRET, now),
            Err(SignatureError::OutsideTolerance)
        );
    }

    #[test]
    fn extreme_timestamps_are_refused_not_overflowed() {
        let body = b"{}";
        for t in [i64::MIN, i64::MAX, -1] {
            let header = format!("t={t},v1={}", "ab".repeat(32));
            assert_eq!(
                verify_signature(Some(&header), body, SECRET, 1_700_000_000),
                Err(SignatureError::OutsideTolerance),
                "{t}"
            );
        }
        let min_signed = signature_header(body, SECRET, i64::MIN);
        assert_eq!(
            verify_signature(Some(&min_signed), body, SECRET, i64::MAX),
            Err(SignatureError::OutsideTolerance)
        );
    }

    #[test]
    fn any_v1_signature_may_match() {
        let body = b"{}";
        let now = 1_700_000_000;
        let good = signature_header(body, SECRET, now);
        let good_v1 = good.split_once(",v1=").unwrap().1;
        let header = format!("t={now},v1={},v1={good_v1},v0=ignored", "ab".repeat(32));
        assert_eq!(verify_signature(Some(&header), body, SECRET, now), Ok(()));
    }
}

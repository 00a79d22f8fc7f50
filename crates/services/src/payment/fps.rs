//! Offline payment instructions: the FPS QR code a donor scans in their banking app.
//!
//! The payload follows the EMVCo merchant-presented QR format as Hong Kong's FPS uses it
//! (HKMA's Common QR Code Specification): the FPS identifier under the `hk.com.hkicl`
//! template, the amount, and the donation's reference as the bill number, so staff can match
//! the payment to the gift.

use sharecare_domain::identifiers::Reference;
use sharecare_domain::money::Money;

/// One EMVCo data object: two-digit id, two-digit length, value.
fn field(id: &str, value: &str) -> String {
    format!("{id}{:02}{value}", value.len())
}

/// The text encoded in an FPS QR code for one gift.
/// The FPS payload for a gift: the charity's FPS ID and name, what the gift charges and its
/// reference. One place, so the page's QR code and the saved image carry the same.
pub fn gift_payload(
    content: &sharecare_content::Content,
    donation: &sharecare_domain::donation::Donation,
) -> String {
    let org = &content.organisation;
    fps_payload(
        &org.fps_id,
        &org.bank.account_name,
        donation.charged(),
        &donation.reference,
    )
}

pub fn fps_payload(
    fps_id: &str,
    merchant_name: &str,
    amount: Money,
    reference: &Reference,
) -> String {
    // Names in the payload are limited to 25 ASCII characters by the specification.
    let name: String = merchant_name
        .chars()
        .filter(char::is_ascii)
        .take(25)
        .collect();
    let mut payload = String::new();
    payload += &field("00", "01"); // payload format indicator
    payload += &field("01", "12"); // dynamic: this code carries an amount
    payload += &field("26", &(field("00", "hk.com.hkicl") + &field("02", fps_id)));
    payload += &field("52", "0000"); // merchant category: not applicable
    payload += &field("53", amount.currency.numeric_code());
    payload += &field("54", &amount.plain_decimal());
    payload += &field("58", "HK");
    payload += &field("59", if name.is_empty() { "NA" } else { &name });
    payload += &field("60", "HK");
    payload += &field("62", &field("01", reference.as_str())); // bill number
    payload += "6304";
    let crc = crc16_ccitt_false(payload.as_bytes());
    payload + &format!("{crc:04X}")
}

/// CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF), as EMVCo QR codes require.
fn crc16_ccitt_false(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &byte in bytes {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;
    use sharecare_domain::money::Currency;

    #[test]
    fn crc_matches_the_standard_check_value() {
        assert_eq!(crc16_ccitt_false(b"123456789"), 0x29B1);
    }

    #[test]
    fn the_payload_carries_fps_id_amount_and_reference() {
        let payload = fps_payload(
            "1234567",
            "ShareCare Children's Fund Limited",
            Money::new(30_000, Currency::Hkd),
            &Reference::parse("LBC-7K3Q9X").unwrap(),
        );
        assert!(payload.starts_with("000201010212"));
        assert!(payload.contains("0012hk.com.hkicl02071234567"));
        assert!(payload.contains("5303344"));
        assert!(payload.contains("5406300.00"));
        assert!(payload.contains("59") && payload.contains("ShareCare Children's Fun"));
        assert!(payload.contains("62140110LBC-7K3Q9X"));
        let (body, crc) = payload.split_at(payload.len() - 4);
        assert!(body.ends_with("6304"));
        assert_eq!(crc, format!("{:04X}", crc16_ccitt_false(body.as_bytes())));
    }
}

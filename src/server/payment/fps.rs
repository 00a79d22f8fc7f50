//! Offline payment instructions: the FPS QR code a donor scans in their banking app.
//!
//! The payload follows the EMVCo merchant-presented QR format as Hong Kong's FPS uses it
//! (HKMA's Common QR Code Specification): the FPS identifier under the `hk.com.hkicl`
//! template, the amount, and the donation's reference as the bill number, so staff can match
//! the payment to the gift.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

use crate::domain::money::Money;

/// One EMVCo data object: two-digit id, two-digit length, value.
fn field(id: &str, value: &str) -> String {
    format!("{id}{:02}{value}", value.len())
}

/// The text encoded in an FPS QR code for one gift.
pub fn fps_payload(fps_id: &str, merchant_name: &str, amount: Money, reference: &str) -> String {
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
    payload += &field("62", &field("01", reference)); // bill number
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

/// The payload drawn as an inline SVG QR code, scaled by CSS.
pub fn qr_svg(payload: &str) -> String {
    match QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M) {
        Ok(code) => code
            .render::<svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .dark_color(svg::Color("#000000"))
            .light_color(svg::Color("#ffffff"))
            .build()
            // The renderer writes an XML declaration, which is not allowed inside HTML.
            .split_once("?>")
            .map_or_else(String::new, |(_, svg)| svg.trim().to_string()),
        Err(error) => {
            tracing::error!(%error, "cannot draw the FPS QR code");
            String::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::Currency;

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
            "LBC-7K3Q9X",
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

    #[test]
    fn the_qr_code_is_inline_svg() {
        let svg = qr_svg("000201");
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.ends_with("</svg>"));
    }
}

//! QR codes drawn on the server as inline SVG: the FPS payment code on a gift's page and the
//! WeChat code in the share bar.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

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
    #[test]
    fn the_qr_code_is_inline_svg() {
        let svg = super::qr_svg("000201");
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.ends_with("</svg>"));
    }
}

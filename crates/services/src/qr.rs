//! QR codes drawn on the server: as inline SVG (the FPS payment code on a gift's page, the
//! WeChat code in the share bar) and as a PNG to save (a phone cannot scan its own screen, but
//! banking apps' FPS scanners open a saved image).

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use resvg::tiny_skia;

/// Pixels per module of the PNG: crisp at any zoom a banking app's scanner uses.
const PNG_MODULE_PIXELS: usize = 8;
/// The blank border every QR code needs, in modules.
const QUIET_MODULES: usize = 4;

/// The payload as a black-on-white PNG with its quiet zone; `None` if it cannot be drawn.
pub fn qr_png(payload: &str) -> Option<Vec<u8>> {
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M).ok()?;
    let width = code.width();
    let side = u32::try_from((width + 2 * QUIET_MODULES) * PNG_MODULE_PIXELS).ok()?;
    let mut pixmap = tiny_skia::Pixmap::new(side, side)?;
    pixmap.fill(tiny_skia::Color::WHITE);
    let mut ink = tiny_skia::Paint::default();
    ink.set_color(tiny_skia::Color::BLACK);
    ink.anti_alias = false;
    let module = PNG_MODULE_PIXELS as f32;
    for (i, color) in code.to_colors().into_iter().enumerate() {
        if color != qrcode::Color::Dark {
            continue;
        }
        let (x, y) = (i % width + QUIET_MODULES, i / width + QUIET_MODULES);
        let square =
            tiny_skia::Rect::from_xywh(x as f32 * module, y as f32 * module, module, module)?;
        pixmap.fill_rect(square, &ink, tiny_skia::Transform::identity(), None);
    }
    pixmap.encode_png().ok()
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

    /// Reads a PNG's QR code back, as a scanner would.
    fn decode(png: &[u8]) -> String {
        let pixmap = tiny_skia::Pixmap::decode_png(png).expect("a PNG");
        let (width, height) = (pixmap.width() as usize, pixmap.height() as usize);
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
            pixmap
                .pixel(x as u32, y as u32)
                .map_or(255, |pixel| pixel.red())
        });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code in the image");
        grids[0].decode().expect("a readable QR code").1
    }

    #[test]
    fn the_saved_png_decodes_to_the_same_payload() {
        let payload = crate::payment::fps::fps_payload(
            "1234567",
            "Sharecare Children's Fund",
            sharecare_domain::money::Money::new(31_300, sharecare_domain::money::Currency::Hkd),
            &sharecare_domain::identifiers::Reference::parse("LBC-7K3Q9X").unwrap(),
        );
        let png = qr_png(&payload).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "a PNG file");
        assert_eq!(decode(&png), payload);
    }

    #[test]
    fn the_qr_code_is_inline_svg() {
        let svg = super::qr_svg("000201");
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.ends_with("</svg>"));
    }
}

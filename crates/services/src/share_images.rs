//! Share images: the 1200×630 PNG a chat app shows when a story's link is pasted (and the
//! share bar's QR codes, likewise drawn once). Drawn on the server from an SVG template (the
//! story's headline and name on the campaign colour, beside its illustration) with resvg, once
//! per story and language, then kept in memory.
//!
//! Chinese text needs CJK glyphs: the binary carries a subset of Noto Sans CJK
//! (`assets/fonts/share-images.otf`, made by `scripts/subset-font` from the content's
//! characters). The system's fonts are loaded too, so a character the subset lacks (new
//! content) is still drawn when the machine has a font for it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;
use resvg::{tiny_skia, usvg};

use crate::markup::escape;
use crate::qr::qr_svg;
use sharecare_content::paths;
use sharecare_content::{Content, Story};
use sharecare_domain::Locale;

pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 630;
/// Bumped when the template changes, so cached copies elsewhere are replaced.
const TEMPLATE_VERSION: &str = "1";
/// The bundled subset's family name.
const FONT_FAMILY: &str = "Noto Sans CJK HK";
static BUNDLED_FONT: &[u8] = include_bytes!("../../../assets/fonts/share-images.otf");

/// Why an image could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum ShareImageError {
    #[error("the share image template is not valid SVG: {0}")]
    Template(String),
    #[error("cannot encode the share image: {0}")]
    Encode(String),
    #[error("the drawing task failed: {0}")]
    Task(String),
}

/// Draws and keeps the share images.
pub struct ShareImages {
    /// Loaded by the first drawing, not at start-up: scanning the system's fonts takes a while
    /// and most processes never draw an image.
    fonts: Arc<OnceLock<Arc<usvg::fontdb::Database>>>,
    site_root: PathBuf,
    cache: Mutex<HashMap<(String, Locale), Bytes>>,
    /// The share bar's WeChat QR codes, by link: the same for every reader, and a third of a
    /// millisecond each to draw.
    link_qrs: Mutex<HashMap<String, Arc<str>>>,
}

/// At most this many links' QR codes are kept (stories × languages, plus personal links).
const KEPT_LINK_QRS: usize = 1_024;

impl ShareImages {
    /// `site_root` holds the illustrations (`/images/...`).
    pub fn new(site_root: &Path) -> ShareImages {
        ShareImages {
            fonts: Arc::new(OnceLock::new()),
            site_root: site_root.to_path_buf(),
            cache: Mutex::new(HashMap::new()),
            link_qrs: Mutex::new(HashMap::new()),
        }
    }

    /// The QR code (inline SVG) of a link, drawn once and kept.
    pub fn link_qr(&self, url: &str) -> Arc<str> {
        if let Some(svg) = self.link_qrs.lock().expect("qr lock").get(url) {
            return svg.clone();
        }
        let svg: Arc<str> = qr_svg(url).into();
        let mut kept = self.link_qrs.lock().expect("qr lock");
        if kept.len() < KEPT_LINK_QRS {
            kept.insert(url.to_string(), svg.clone());
        }
        svg
    }

    /// The image's address: it names a version of what the image shows, so it can be cached
    /// for a year and still change when the story does.
    pub fn path(content: &Content, story: &Story, locale: Locale) -> String {
        paths::share_image(locale, &story.slug, &version(content, story, locale))
    }

    /// Whether every character the image shows has a glyph in the bundled font.
    pub fn bundled_font_covers(text: &str) -> bool {
        let Ok(face) = ttf_parser::Face::parse(BUNDLED_FONT, 0) else {
            return false;
        };
        text.chars()
            .filter(|c| !c.is_whitespace())
            .all(|c| face.glyph_index(c).is_some())
    }

    /// The PNG for a story in a language, drawn on first request and kept.
    pub async fn png(
        &self,
        content: &Content,
        story: &Story,
        locale: Locale,
    ) -> Result<Bytes, ShareImageError> {
        let key = (story.slug.clone(), locale);
        if let Some(png) = self.cache.lock().expect("cache lock").get(&key) {
            return Ok(png.clone());
        }
        let illustration = std::fs::read_to_string(
            self.site_root.join(story.image.src.trim_start_matches('/')),
        )
        .map_err(|error| {
            tracing::warn!(%error, src = %story.image.src, "share image without its illustration");
        })
        .ok();
        let svg = template(content, story, locale, illustration.as_deref());
        let fonts = self.fonts.clone();
        // Drawing (and loading fonts the first time) takes tens of milliseconds of CPU: off
        // the async workers.
        let png = tokio::task::spawn_blocking(move || {
            render(&svg, fonts.get_or_init(load_fonts).clone())
        })
        .await
        .map_err(|error| ShareImageError::Task(error.to_string()))??;
        let png = Bytes::from(png);
        self.cache
            .lock()
            .expect("cache lock")
            .insert(key, png.clone());
        Ok(png)
    }
}

/// A short hash of everything the image shows (FNV-1a), for its address.
fn version(content: &Content, story: &Story, locale: Locale) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for part in [
        TEMPLATE_VERSION,
        story.slug.as_str(),
        story.name.get(locale),
        story.headline.get(locale),
        story.image.src.as_str(),
        content.organisation.name.get(locale),
    ] {
        for byte in part.bytes().chain([0]) {
            hash ^= u32::from(byte);
            hash = hash.wrapping_mul(0x0100_0193);
        }
    }
    format!("{hash:08x}")
}

/// The SVG drawn into the PNG: headline, name and organisation on the campaign colour at the
/// left, the story's illustration filling the right.
pub fn template(
    content: &Content,
    story: &Story,
    locale: Locale,
    illustration: Option<&str>,
) -> String {
    const PANEL: u32 = 620;
    const MARGIN: u32 = 56;
    const HEADLINE_SIZE: u32 = 56;
    let lines = wrap(
        story.headline.get(locale),
        f64::from(PANEL - 2 * MARGIN) / f64::from(HEADLINE_SIZE),
        4,
    );
    let headline: String = lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            format!(
                "<text x=\"{MARGIN}\" y=\"{}\" font-size=\"{HEADLINE_SIZE}\" font-weight=\"700\" fill=\"#ffffff\">{}</text>",
                190 + i as u32 * (HEADLINE_SIZE + 16),
                escape(line)
            )
        })
        .collect();
    let picture = illustration
        .and_then(|svg| svg.find("<svg").map(|start| &svg[start..]))
        .map(|svg| {
            // The illustration's own root element, placed and scaled to cover the right side.
            let inner_start = svg.find('>').map_or(0, |end| end + 1);
            let inner_end = svg.rfind("</svg>").unwrap_or(svg.len());
            let view_box = svg
                .split("viewBox=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .unwrap_or("0 0 640 480");
            format!(
                "<svg x=\"{PANEL}\" y=\"0\" width=\"{}\" height=\"{HEIGHT}\" viewBox=\"{view_box}\" preserveAspectRatio=\"xMidYMid slice\">{}</svg>",
                WIDTH - PANEL,
                &svg[inner_start..inner_end.max(inner_start)]
            )
        })
        .unwrap_or_default();
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" font-family=\"{FONT_FAMILY}, DejaVu Sans, sans-serif\">\
         <rect width=\"{WIDTH}\" height=\"{HEIGHT}\" fill=\"#fbeee6\"/>\
         {picture}\
         <rect width=\"{PANEL}\" height=\"{HEIGHT}\" fill=\"#9c2f1f\"/>\
         <rect x=\"{MARGIN}\" y=\"72\" width=\"64\" height=\"8\" fill=\"#f6c9a8\"/>\
         {headline}\
         <text x=\"{MARGIN}\" y=\"520\" font-size=\"34\" font-weight=\"700\" fill=\"#ffffff\">{}</text>\
         <text x=\"{MARGIN}\" y=\"570\" font-size=\"26\" fill=\"#f6c9a8\">{}</text>\
         </svg>",
        escape(story.name.get(locale)),
        escape(content.organisation.name.get(locale)),
    )
}

/// Breaks text into at most `max_lines` lines of about `em_per_line` ems: Latin text at
/// spaces, CJK text between any two characters. A longer text ends in an ellipsis.
fn wrap(text: &str, em_per_line: f64, max_lines: usize) -> Vec<String> {
    let width = |c: char| if is_wide(c) { 1.0 } else { 0.56 };
    // Units that may not be split: a Latin word with its trailing space, or one wide character.
    let mut units: Vec<String> = Vec::new();
    for c in text.chars() {
        match units.last_mut() {
            Some(last) if !is_wide(c) && !last.ends_with(' ') && !last.chars().any(is_wide) => {
                last.push(c)
            }
            _ => units.push(c.to_string()),
        }
    }
    let mut lines: Vec<String> = vec![String::new()];
    let mut used = 0.0;
    for unit in units {
        let unit_width: f64 = unit.chars().map(width).sum();
        if used + unit_width > em_per_line && !lines.last().is_some_and(String::is_empty) {
            lines.push(String::new());
            used = 0.0;
        }
        let line = lines.last_mut().expect("one line at least");
        let unit = if line.is_empty() {
            unit.trim_start().to_string()
        } else {
            unit
        };
        used += unit.chars().map(width).sum::<f64>();
        line.push_str(&unit);
    }
    let mut lines: Vec<String> = lines
        .into_iter()
        .map(|l| l.trim_end().to_string())
        .collect();
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            last.push('…');
        }
    }
    lines
}

fn is_wide(c: char) -> bool {
    matches!(u32::from(c), 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6)
}

/// The bundled subset first, then whatever the system has.
fn load_fonts() -> Arc<usvg::fontdb::Database> {
    let mut fonts = usvg::fontdb::Database::new();
    fonts.load_font_data(BUNDLED_FONT.to_vec());
    fonts.load_system_fonts();
    Arc::new(fonts)
}

fn render(svg: &str, fonts: Arc<usvg::fontdb::Database>) -> Result<Vec<u8>, ShareImageError> {
    let options = usvg::Options {
        font_family: FONT_FAMILY.to_string(),
        fontdb: fonts,
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options)
        .map_err(|error| ShareImageError::Template(error.to_string()))?;
    let mut pixmap = tiny_skia::Pixmap::new(WIDTH, HEIGHT)
        .ok_or_else(|| ShareImageError::Encode("no pixmap".into()))?;
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    pixmap
        .encode_png()
        .map_err(|error| ShareImageError::Encode(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headlines_wrap_at_words_or_between_cjk_characters() {
        let lines = wrap("A smile on her face, sadness in her eyes", 9.0, 4);
        assert!(lines.len() >= 2, "{lines:?}");
        assert_eq!(lines.join(" "), "A smile on her face, sadness in her eyes");
        assert!(lines
            .iter()
            .all(|line| !line.starts_with(' ') && !line.ends_with(' ')));
        let lines = wrap("臉上掛着笑容，眼裏藏着憂傷", 9.0, 4);
        assert_eq!(lines, vec!["臉上掛着笑容，眼裏", "藏着憂傷"]);
        let long = wrap(&"word ".repeat(60), 9.0, 4);
        assert_eq!(long.len(), 4);
        assert!(long[3].ends_with('…'));
    }
}

//! Drawing a document (a receipt, a yearly summary) as a PDF on the server, with krilla and the
//! bundled CJK font subset (`assets/fonts/receipts.otf`, made by `scripts/subset-receipt-font`),
//! so English, Traditional and Simplified Chinese and donors' names all have their glyphs. The
//! text is real text (with a ToUnicode map): it can be searched, copied and read aloud.
//!
//! This module lays out blocks on A4 pages; what the blocks say is `receipts`' business.

use std::sync::OnceLock;

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};
use krilla::Document;

static FONT_BYTES: &[u8] = include_bytes!("../../../../assets/fonts/receipts.otf");

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;
const TEXT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;

/// One piece of a document, top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// The document's title.
    Title(String),
    /// The issuer's lines under the title (name, address, file number).
    Issuer(Vec<String>),
    /// A label and its value, side by side.
    Row(String, String),
    /// Running text, wrapped.
    Text(String),
    /// Smaller text, wrapped (contacts, how to verify).
    Small(String),
    /// A table with a header row; the last column is right-aligned (amounts).
    Table {
        headers: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// A line across the page.
    Rule,
    /// Large grey "VOID" across a receipt that was replaced.
    Void(String),
}

fn font_data() -> &'static (Font, ttf_parser::Face<'static>) {
    static FONT: OnceLock<(Font, ttf_parser::Face<'static>)> = OnceLock::new();
    FONT.get_or_init(|| {
        let font = Font::new(FONT_BYTES.into(), 0).expect("the bundled receipt font loads");
        let face = ttf_parser::Face::parse(FONT_BYTES, 0).expect("the bundled receipt font parses");
        (font, face)
    })
}

/// Characters of `text` the bundled font has no glyph for (a name in a rare character): the
/// caller may choose to warn, the PDF shows a box for each.
pub fn missing_glyphs(text: &str) -> Vec<char> {
    let (_, face) = font_data();
    let mut missing: Vec<char> = text
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control() && face.glyph_index(*c).is_none())
        .collect();
    missing.dedup();
    missing
}

/// The width of `text` at `size`, from the font's advances (no kerning: close enough to wrap).
fn width(text: &str, size: f32) -> f32 {
    let (_, face) = font_data();
    let units = f32::from(face.units_per_em());
    text.chars()
        .map(|c| {
            face.glyph_index(c)
                .and_then(|glyph| face.glyph_hor_advance(glyph))
                .map_or(units / 2.0, f32::from)
        })
        .sum::<f32>()
        * size
        / units
}

/// Breaks `text` into lines no wider than `max`: at spaces for words, anywhere for CJK.
fn wrap(text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    // Words (ASCII runs) stay whole; every other character may start a line.
    let mut pieces: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c.is_ascii() && !c.is_ascii_whitespace() {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            pieces.push(std::mem::take(&mut word));
        }
        pieces.push(c.to_string());
    }
    if !word.is_empty() {
        pieces.push(word);
    }
    for piece in pieces {
        let candidate = format!("{line}{piece}");
        if width(&candidate, size) > max && !line.trim().is_empty() {
            lines.push(line.trim_end().to_string());
            line = piece.trim_start().to_string();
        } else {
            line = candidate;
        }
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// A piece of text placed on a page: x, baseline, size, the text, its style.
type Placed = (f32, f32, f32, String, Style);

/// Lays blocks out on as many pages as they need.
struct Layout {
    pages: Vec<Vec<Placed>>,
    rules: Vec<Vec<f32>>,
    y: f32,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Style {
    Normal,
    Muted,
    Void,
}

impl Layout {
    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.rules.push(Vec::new());
        self.y = MARGIN;
    }

    fn room(&mut self, height: f32) {
        if self.y + height > PAGE_HEIGHT - MARGIN {
            self.new_page();
        }
    }

    fn text(&mut self, x: f32, size: f32, text: &str, style: Style) {
        let baseline = self.y + size;
        if let Some(page) = self.pages.last_mut() {
            page.push((x, baseline, size, text.to_string(), style));
        }
    }

    fn lines(&mut self, text: &str, size: f32, style: Style) {
        for line in wrap(text, size, TEXT_WIDTH) {
            self.room(size * 1.5);
            self.text(MARGIN, size, &line, style);
            self.y += size * 1.5;
        }
    }

    fn rule(&mut self) {
        self.room(12.0);
        let y = self.y + 4.0;
        if let Some(rules) = self.rules.last_mut() {
            rules.push(y);
        }
        self.y += 12.0;
    }

    fn block(&mut self, block: &Block) {
        match block {
            Block::Title(title) => {
                self.lines(title, 20.0, Style::Normal);
                self.y += 4.0;
            }
            Block::Issuer(lines) => {
                for line in lines {
                    self.lines(line, 9.5, Style::Muted);
                }
                self.y += 6.0;
            }
            Block::Row(label, value) => {
                let label_width = 150.0;
                let value_lines = wrap(value, 11.0, TEXT_WIDTH - label_width);
                self.room(16.5 * value_lines.len().max(1) as f32);
                self.text(MARGIN, 11.0, label, Style::Muted);
                for line in value_lines {
                    self.text(MARGIN + label_width, 11.0, &line, Style::Normal);
                    self.y += 16.5;
                }
            }
            Block::Text(text) => {
                self.y += 6.0;
                self.lines(text, 11.0, Style::Normal);
            }
            Block::Small(text) => {
                self.y += 4.0;
                self.lines(text, 8.5, Style::Muted);
            }
            Block::Table { headers, rows } => {
                let columns = headers.len().max(1);
                let column = TEXT_WIDTH / columns as f32;
                let draw_row = |layout: &mut Self, cells: &[String], style: Style| {
                    layout.room(16.0);
                    for (index, cell) in cells.iter().enumerate() {
                        let right = index + 1 == columns;
                        let x = if right {
                            MARGIN + TEXT_WIDTH - width(cell, 10.0)
                        } else {
                            MARGIN + column * index as f32
                        };
                        layout.text(x, 10.0, cell, style);
                    }
                    layout.y += 16.0;
                };
                self.y += 4.0;
                draw_row(self, headers, Style::Muted);
                self.rule();
                for row in rows {
                    draw_row(self, row, Style::Normal);
                }
            }
            Block::Rule => self.rule(),
            Block::Void(word) => {
                let y = self.y;
                self.y = PAGE_HEIGHT / 2.0 - 40.0;
                let x = (PAGE_WIDTH - width(word, 72.0)) / 2.0;
                self.text(x, 72.0, word, Style::Void);
                self.y = y;
            }
        }
    }
}

/// The blocks as an A4 PDF.
pub fn render(blocks: &[Block]) -> Result<Vec<u8>, String> {
    let (font, _) = font_data();
    let mut layout = Layout {
        pages: Vec::new(),
        rules: Vec::new(),
        y: MARGIN,
    };
    layout.new_page();
    for block in blocks {
        layout.block(block);
    }
    let mut document = Document::new();
    let (pages, rules) = (layout.pages, layout.rules);
    for (texts, rule_ys) in pages.into_iter().zip(rules) {
        let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or("page size")?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        surface.set_stroke(Some(Stroke {
            paint: rgb::Color::new(0xcc, 0xbb, 0xaa).into(),
            width: 0.75,
            ..Default::default()
        }));
        surface.set_fill(None);
        for y in rule_ys {
            let mut path = PathBuilder::new();
            path.move_to(MARGIN, y);
            path.line_to(PAGE_WIDTH - MARGIN, y);
            if let Some(path) = path.finish() {
                surface.draw_path(&path);
            }
        }
        surface.set_stroke(None);
        for (x, baseline, size, text, style) in texts {
            let color = match style {
                Style::Normal => rgb::Color::new(0x1f, 0x1a, 0x17),
                Style::Muted => rgb::Color::new(0x57, 0x4c, 0x44),
                Style::Void => rgb::Color::new(0xc8, 0x30, 0x30),
            };
            surface.set_fill(Some(Fill {
                paint: color.into(),
                ..Default::default()
            }));
            surface.draw_text(
                Point::from_xy(x, baseline),
                font.clone(),
                size,
                &text,
                false,
                TextDirection::Auto,
            );
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|error| format!("{error:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_wrap_and_chinese_names_have_glyphs() {
        let lines = wrap(&"word ".repeat(80), 11.0, TEXT_WIDTH);
        assert!(lines.len() > 2, "{lines:?}");
        assert!(lines
            .iter()
            .all(|line| width(line, 11.0) <= TEXT_WIDTH + 1.0));
        let chinese = wrap(&"捐款收據".repeat(40), 11.0, TEXT_WIDTH);
        assert!(chinese.len() > 1);
        for name in ["陳大文", "李小玲", "黃嘉欣", "吴伟", "張偉強", "Zoë Ng"] {
            assert_eq!(missing_glyphs(name), Vec::<char>::new(), "{name}");
        }
        let pdf = render(&[
            Block::Title("Donation receipt 捐款收據".into()),
            Block::Row("Receipt number".into(), "2026-27/000001".into()),
            Block::Table {
                headers: vec!["Number".into(), "Amount".into()],
                rows: vec![vec!["2026-27/000001".into(), "HK$300.00".into()]],
            },
            Block::Void("VOID".into()),
        ])
        .unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
    }

    /// Byte budget: a receipt carries only the glyphs it uses, not the 4 MB font, so it stays
    /// small enough to attach to every email.
    #[test]
    fn a_chinese_receipt_embeds_only_the_glyphs_it_uses() {
        let text = "捐款收據：ShareCare 兒童基金為根據《稅務條例》第88條獲豁免繳稅的慈善機構。";
        let pdf = render(&[
            Block::Title(text.into()),
            Block::Issuer(vec!["香港九龍旺角彌敦道 100 號".into(), text.into()]),
            Block::Row("收據編號".into(), "2026-27/000123".into()),
            Block::Row("捐款人".into(), "陳大文".into()),
            Block::Row("金額".into(), "港幣參佰元正".into()),
            Block::Text(text.repeat(3)),
        ])
        .unwrap();
        println!("a Chinese receipt: {} bytes", pdf.len());
        assert!(pdf.len() < 60_000, "{} bytes", pdf.len());
        assert!(
            FONT_BYTES.len() > 1_000_000,
            "the whole subset is far larger"
        );
    }
}

//! The site's languages, their URL codes and `Accept-Language` negotiation.

use serde::{Deserialize, Serialize};

/// A language the site is published in. The URL code is the first path segment of every page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Locale {
    /// English (the default).
    En,
    /// Traditional Chinese as written in Hong Kong.
    ZhHk,
    /// Simplified Chinese, for readers in mainland China.
    ZhCn,
}

impl Locale {
    pub const ALL: [Locale; 3] = [Locale::En, Locale::ZhHk, Locale::ZhCn];
    pub const DEFAULT: Locale = Locale::En;

    /// The code used in URLs, content files and the language cookie.
    pub const fn code(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::ZhHk => "zh-hk",
            Locale::ZhCn => "zh-cn",
        }
    }

    /// The BCP 47 tag for `<html lang>` and `hreflang`: the script matters more than the region
    /// for choosing fonts and screen-reader voices.
    pub const fn html_lang(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::ZhHk => "zh-Hant-HK",
            Locale::ZhCn => "zh-Hans",
        }
    }

    /// The Open Graph locale (`og:locale`), which uses underscores and a region.
    pub const fn og_locale(self) -> &'static str {
        match self {
            Locale::En => "en_GB",
            Locale::ZhHk => "zh_HK",
            Locale::ZhCn => "zh_CN",
        }
    }

    /// The language's name in itself, as a language switcher shows it.
    pub const fn native_name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::ZhHk => "繁體中文",
            Locale::ZhCn => "简体中文",
        }
    }

    /// Parses a URL or cookie code, case-insensitively. Unknown codes are `None`.
    pub fn from_code(code: &str) -> Option<Locale> {
        Locale::ALL
            .into_iter()
            .find(|locale| locale.code().eq_ignore_ascii_case(code))
    }

    /// Maps one language tag from `Accept-Language` to the closest published language.
    /// Traditional-script regions (HK, Macau, Taiwan) read `zh-hk`; other Chinese reads `zh-cn`.
    pub fn from_language_tag(tag: &str) -> Option<Locale> {
        let tag = tag.trim().to_ascii_lowercase().replace('_', "-");
        let mut subtags = tag.split('-');
        match subtags.next()? {
            "en" => Some(Locale::En),
            "zh" => {
                let rest: Vec<&str> = subtags.collect();
                if rest.contains(&"hans") {
                    Some(Locale::ZhCn)
                } else if rest
                    .iter()
                    .any(|s| matches!(*s, "hant" | "hk" | "mo" | "tw"))
                {
                    Some(Locale::ZhHk)
                } else {
                    Some(Locale::ZhCn)
                }
            }
            _ => None,
        }
    }

    /// Picks the reader's language from an `Accept-Language` header value: the supported language
    /// with the highest quality, the header's order breaking ties; English when nothing matches.
    pub fn negotiate(accept_language: &str) -> Locale {
        let mut best: Option<(Locale, u16)> = None;
        for entry in accept_language.split(',') {
            let mut parts = entry.split(';');
            let tag = parts.next().unwrap_or_default();
            let quality = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1000), parse_quality);
            let (Some(locale), Some(quality)) = (Locale::from_language_tag(tag), quality) else {
                continue;
            };
            if quality > 0 && best.is_none_or(|(_, q)| quality > q) {
                best = Some((locale, quality));
            }
        }
        best.map_or(Locale::DEFAULT, |(locale, _)| locale)
    }
}

/// Parses an HTTP quality value ("0.8", "1", "0.125") into thousandths, without floats.
fn parse_quality(value: &str) -> Option<u16> {
    let value = value.trim();
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u16 = match whole {
        "0" => 0,
        "1" => 1000,
        _ => return None,
    };
    let fraction: u16 = format!("{fraction:0<3}").parse().ok()?;
    let quality = whole + fraction;
    (quality <= 1000).then_some(quality)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for locale in Locale::ALL {
            assert_eq!(Locale::from_code(locale.code()), Some(locale));
        }
        assert_eq!(Locale::from_code("ZH-HK"), Some(Locale::ZhHk));
        assert_eq!(Locale::from_code("fr"), None);
        assert_eq!(Locale::from_code(""), None);
    }

    #[test]
    fn negotiation_prefers_highest_quality_supported_language() {
        assert_eq!(Locale::negotiate("zh-HK,zh;q=0.9,en;q=0.8"), Locale::ZhHk);
        assert_eq!(
            Locale::negotiate("fr-FR,fr;q=0.9,zh-CN;q=0.8,en;q=0.7"),
            Locale::ZhCn
        );
        assert_eq!(Locale::negotiate("en-GB,en;q=0.9"), Locale::En);
        assert_eq!(Locale::negotiate("en;q=0.5,zh-TW;q=0.9"), Locale::ZhHk);
        assert_eq!(Locale::negotiate("zh-Hant"), Locale::ZhHk);
        assert_eq!(Locale::negotiate("zh-Hans-HK"), Locale::ZhCn);
        assert_eq!(Locale::negotiate("zh"), Locale::ZhCn);
        assert_eq!(Locale::negotiate("zh_MO"), Locale::ZhHk);
    }

    #[test]
    fn negotiation_falls_back_to_english() {
        assert_eq!(Locale::negotiate(""), Locale::En);
        assert_eq!(Locale::negotiate("*"), Locale::En);
        assert_eq!(Locale::negotiate("fr, de;q=0.5"), Locale::En);
        // q=0 means "not acceptable".
        assert_eq!(Locale::negotiate("zh-CN;q=0"), Locale::En);
        // Malformed quality values are ignored rather than trusted.
        assert_eq!(Locale::negotiate("zh-CN;q=abc, en"), Locale::En);
        assert_eq!(Locale::negotiate("zh-CN;q=2"), Locale::En);
    }

    #[test]
    fn ties_keep_header_order() {
        assert_eq!(Locale::negotiate("zh-CN, zh-HK"), Locale::ZhCn);
        assert_eq!(Locale::negotiate("zh-HK, en"), Locale::ZhHk);
    }

    #[test]
    fn quality_parsing() {
        assert_eq!(parse_quality("1"), Some(1000));
        assert_eq!(parse_quality("1.000"), Some(1000));
        assert_eq!(parse_quality("0.8"), Some(800));
        assert_eq!(parse_quality("0.125"), Some(125));
        assert_eq!(parse_quality("1.5"), None);
        assert_eq!(parse_quality("0.1234"), None);
        assert_eq!(parse_quality("-1"), None);
    }
}

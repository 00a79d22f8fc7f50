//! UI strings, one checked field per key of `locales/*.json` (see `build.rs`). Server-only: the
//! browser receives translated text, never this table.

use sharecare_domain::Locale;

include!(concat!(env!("OUT_DIR"), "/messages.rs"));

/// The UI strings of one language.
pub fn t(locale: Locale) -> &'static Messages {
    match locale {
        Locale::En => &EN,
        Locale::ZhHk => &ZH_HK,
        Locale::ZhCn => &ZH_CN,
    }
}

/// The staff admin's languages: English and Traditional Chinese.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdminLocale {
    En,
    ZhHk,
}

impl AdminLocale {
    pub const ALL: [AdminLocale; 2] = [AdminLocale::En, AdminLocale::ZhHk];

    pub fn code(self) -> &'static str {
        match self {
            AdminLocale::En => "en",
            AdminLocale::ZhHk => "zh-hk",
        }
    }

    /// `<html lang>`.
    pub fn html_lang(self) -> &'static str {
        match self {
            AdminLocale::En => "en",
            AdminLocale::ZhHk => "zh-Hant-HK",
        }
    }

    /// The language's own name, for the switcher.
    pub fn name(self) -> &'static str {
        match self {
            AdminLocale::En => "English",
            AdminLocale::ZhHk => "繁體中文",
        }
    }

    pub fn from_code(code: &str) -> Option<AdminLocale> {
        AdminLocale::ALL
            .into_iter()
            .find(|locale| locale.code() == code.trim())
    }

    /// From an `Accept-Language` header: any Chinese reads the Traditional Chinese admin.
    pub fn from_accept_language(header: &str) -> AdminLocale {
        header
            .split(',')
            .filter_map(|part| part.split(';').next())
            .map(|tag| tag.trim().to_ascii_lowercase())
            .find_map(|tag| {
                if tag.starts_with("zh") {
                    Some(AdminLocale::ZhHk)
                } else if tag.starts_with("en") {
                    Some(AdminLocale::En)
                } else {
                    None
                }
            })
            .unwrap_or(AdminLocale::En)
    }
}

/// The staff admin's strings in one language.
pub fn admin_t(locale: AdminLocale) -> &'static AdminMessages {
    match locale {
        AdminLocale::En => &ADMIN_EN,
        AdminLocale::ZhHk => &ADMIN_ZH_HK,
    }
}

/// Fills `{name}` placeholders in a message. Unknown placeholders are left as written, so a
/// mistake shows up on the page rather than vanishing.
pub fn fill(message: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(message.len() + 32);
    let mut rest = message;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                match values.iter().find(|(key, _)| *key == name) {
                    Some((_, value)) => out.push_str(value),
                    None => out.push_str(&rest[start..start + end + 2]),
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_placeholders_in_any_order() {
        assert_eq!(
            fill("{age}歲 · {grade}", &[("grade", "小三"), ("age", "10")]),
            "10歲 · 小三"
        );
        assert_eq!(fill("no placeholders", &[("x", "y")]), "no placeholders");
        assert_eq!(fill("{missing} stays", &[]), "{missing} stays");
        assert_eq!(fill("unclosed {brace", &[]), "unclosed {brace");
    }

    /// Each translation beside its English, from `locales/` (and `locales/admin/`).
    fn translations() -> Vec<(String, String, String, String)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../locales");
        let read = |path: std::path::PathBuf| -> std::collections::BTreeMap<String, String> {
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
        };
        let mut out = Vec::new();
        for (folder, stems) in [
            (dir.clone(), &["zh-hk", "zh-cn"][..]),
            (dir.join("admin"), &["zh-hk"][..]),
        ] {
            let english = read(folder.join("en.json"));
            for stem in stems {
                for (key, value) in read(folder.join(format!("{stem}.json"))) {
                    let file = format!("{}/{stem}.json", folder.display());
                    out.push((file, key.clone(), english[&key].clone(), value));
                }
            }
        }
        out
    }

    /// A translation that lost its words in an edit: only its bracketed note left
    /// ("（選填）" for "Business registration number (optional)"), or a few words left of a
    /// long sentence. Chinese runs shorter than English, but never below a sixth of it. A note
    /// around a figure ("（目標 {goal}）") is a whole phrase.
    #[test]
    fn no_translation_is_cut_short() {
        let only_a_note = |text: &str| {
            let text = text.trim();
            (text.starts_with('（') && text.ends_with('）'))
                || (text.starts_with('(') && text.ends_with(')'))
        };
        let mut cut = Vec::new();
        for (file, key, english, translation) in translations() {
            let (en, zh) = (english.chars().count(), translation.chars().count());
            if (only_a_note(&translation) && !only_a_note(&english) && !translation.contains('{'))
                || (en >= 40 && zh * 6 < en)
            {
                cut.push(format!(
                    "{file}: {key} = {translation:?} (English: {english:?})"
                ));
            }
        }
        assert!(cut.is_empty(), "{cut:#?}");
    }

    #[test]
    fn every_language_has_its_own_text() {
        // The build script guarantees every key exists; this guards against a file copied
        // from English and never translated.
        assert_ne!(t(Locale::En).skip_link, t(Locale::ZhHk).skip_link);
        assert_ne!(t(Locale::ZhHk).skip_link, t(Locale::ZhCn).skip_link);
    }
}

//! How the site writes Chinese, in one place for both the build script (the interface's strings
//! in `locales/`) and the content checks (the charity's own words in `content/`): readers are
//! addressed as 你 in both scripts, and Chinese sentences take full-width punctuation.
//!
//! The build script includes this file with `#[path]`, so it uses nothing but `std`.

/// What is wrong with the Chinese `text`, if anything, worded to follow the field's name.
pub fn chinese_style_problem(text: &str) -> Option<String> {
    if text.contains('您') {
        return Some("says 您; the site addresses readers as 你".to_string());
    }
    half_width_beside_chinese(text)
        .map(|mark| format!("has a half-width \"{mark}\" beside Chinese; use the full-width one"))
}

/// A half-width punctuation mark written next to a Chinese character ("樂樂: 夢想"), if any.
fn half_width_beside_chinese(text: &str) -> Option<char> {
    let chinese = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    let mark = |c: char| ",:;?!()".contains(c);
    let chars: Vec<char> = text.chars().collect();
    chars.windows(2).find_map(|pair| match (pair[0], pair[1]) {
        (a, b) if mark(a) && chinese(b) => Some(a),
        (a, b) if chinese(a) && mark(b) => Some(b),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_you_and_full_width_marks_beside_chinese() {
        assert!(chinese_style_problem("多謝你的支持。").is_none());
        assert!(chinese_style_problem("多謝您的支持")
            .unwrap()
            .contains('您'));
        assert!(chinese_style_problem("樂樂: 夢想").unwrap().contains(':'));
        assert!(chinese_style_problem("(樂樂)").unwrap().contains('('));
        // Half-width marks between Latin letters and figures are theirs to keep.
        assert!(chinese_style_problem("HK$1,000 (FPS: 123)").is_none());
    }
}

//! How the site writes Chinese, in one place for both the build script (the interface's strings
//! in `locales/`) and the content checks (the charity's own words in `content/`): readers are
//! addressed as 你 in both scripts, Chinese sentences take full-width punctuation, and each
//! script keeps to its own characters (a 选 in Hong Kong's text, or a 選 in the mainland's,
//! is a slip of the converter or the keyboard).
//!
//! The build script includes this file with `#[path]`, so it uses nothing but `std`.

/// The script a Chinese text is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    /// Hong Kong's Traditional characters (`zh-hk`).
    Traditional,
    /// The mainland's Simplified characters (`zh-cn`).
    Simplified,
}

/// Characters common on the site whose Simplified and Traditional forms differ, as
/// (Simplified, Traditional): either one in the other script's text is a slip.
const SCRIPT_PAIRS: &[(char, char)] = &[
    ('这', '這'),
    ('个', '個'),
    ('们', '們'),
    ('为', '為'),
    ('来', '來'),
    ('对', '對'),
    ('时', '時'),
    ('说', '說'),
    ('国', '國'),
    ('过', '過'),
    ('还', '還'),
    ('发', '發'),
    ('进', '進'),
    ('经', '經'),
    ('动', '動'),
    ('产', '產'),
    ('现', '現'),
    ('开', '開'),
    ('关', '關'),
    ('问', '問'),
    ('题', '題'),
    ('务', '務'),
    ('见', '見'),
    ('长', '長'),
    ('门', '門'),
    ('东', '東'),
    ('车', '車'),
    ('书', '書'),
    ('买', '買'),
    ('卖', '賣'),
    ('头', '頭'),
    ('电', '電'),
    ('话', '話'),
    ('网', '網'),
    ('络', '絡'),
    ('学', '學'),
    ('习', '習'),
    ('认', '認'),
    ('识', '識'),
    ('资', '資'),
    ('讯', '訊'),
    ('请', '請'),
    ('让', '讓'),
    ('谢', '謝'),
    ('号', '號'),
    ('码', '碼'),
    ('页', '頁'),
    ('签', '簽'),
    ('银', '銀'),
    ('转', '轉'),
    ('账', '賬'),
    ('汇', '匯'),
    ('单', '單'),
    ('额', '額'),
    ('处', '處'),
    ('选', '選'),
    ('择', '擇'),
    ('设', '設'),
    ('确', '確'),
    ('无', '無'),
    ('师', '師'),
    ('爱', '愛'),
    ('儿', '兒'),
    ('亲', '親'),
    ('乡', '鄉'),
    ('农', '農'),
    ('龙', '龍'),
    ('邮', '郵'),
    ('据', '據'),
    ('费', '費'),
    ('给', '給'),
    ('图', '圖'),
    ('读', '讀'),
    ('写', '寫'),
    ('条', '條'),
    ('样', '樣'),
    ('记', '記'),
    ('业', '業'),
    ('称', '稱'),
    ('报', '報'),
    ('万', '萬'),
    ('与', '與'),
    ('岁', '歲'),
    ('级', '級'),
    ('训', '訓'),
    ('练', '練'),
    ('护', '護'),
    ('纪', '紀'),
    ('计', '計'),
    ('项', '項'),
    ('从', '從'),
];

/// What is wrong with the Chinese `text` in `script`, if anything, worded to follow the
/// field's name.
pub fn chinese_style_problem(text: &str, script: Script) -> Option<String> {
    if text.contains('您') {
        return Some("says 您; the site addresses readers as 你".to_string());
    }
    if let Some(mark) = half_width_beside_chinese(text) {
        return Some(format!(
            "has a half-width \"{mark}\" beside Chinese; use the full-width one"
        ));
    }
    text.chars().find_map(|c| {
        SCRIPT_PAIRS
            .iter()
            .find_map(|&(simplified, traditional)| match script {
                Script::Traditional if c == simplified => Some(format!(
                    "has the Simplified {simplified} in Traditional Chinese; write {traditional}"
                )),
                Script::Simplified if c == traditional => Some(format!(
                    "has the Traditional {traditional} in Simplified Chinese; write {simplified}"
                )),
                _ => None,
            })
    })
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
        let hk = |text| chinese_style_problem(text, Script::Traditional);
        assert!(hk("多謝你的支持。").is_none());
        assert!(hk("多謝您的支持").unwrap().contains('您'));
        assert!(hk("樂樂: 夢想").unwrap().contains(':'));
        assert!(hk("(樂樂)").unwrap().contains('('));
        // Half-width marks between Latin letters and figures are theirs to keep.
        assert!(hk("HK$1,000 (FPS: 123)").is_none());
    }

    #[test]
    fn each_script_keeps_to_its_own_characters() {
        let hk = |text| chinese_style_problem(text, Script::Traditional);
        let cn = |text| chinese_style_problem(text, Script::Simplified);
        assert!(hk("商業登記號碼（選填）").is_none());
        assert!(hk("（选填）").unwrap().contains('選'));
        assert!(cn("商业登记号码（可选）").is_none());
        assert!(cn("商业登記号码").unwrap().contains('记'));
        // Characters both scripts share pass in either.
        assert!(hk("公司名稱").is_none() && cn("公司名称").is_none());
    }
}

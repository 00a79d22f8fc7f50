//! Amounts in words, as receipts write them beside the figures: English ("Hong Kong dollars
//! three hundred and fifty cents only") and the formal Chinese numerals of cheques and receipts
//! (港幣參佰元伍角正 in Traditional, 港币叁佰元伍角整 in Simplified), which cannot be altered by
//! adding a stroke.

use sharecare_domain::money::Money;
use sharecare_domain::Locale;

const ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

/// 0..1000 in English words ("three hundred and five").
fn below_thousand(n: u64) -> String {
    let (hundreds, rest) = (n / 100, n % 100);
    let rest_words = if rest == 0 {
        String::new()
    } else if rest < 20 {
        ONES[rest as usize].to_string()
    } else if rest % 10 == 0 {
        TENS[(rest / 10) as usize].to_string()
    } else {
        format!(
            "{}-{}",
            TENS[(rest / 10) as usize],
            ONES[(rest % 10) as usize]
        )
    };
    match (hundreds, rest) {
        (0, _) => rest_words,
        (h, 0) => format!("{} hundred", ONES[h as usize]),
        (h, _) => format!("{} hundred and {rest_words}", ONES[h as usize]),
    }
}

/// A whole number in English words.
fn english_number(mut n: u64) -> String {
    if n == 0 {
        return "zero".to_string();
    }
    let scales = ["", " thousand", " million", " billion", " trillion"];
    let mut parts = Vec::new();
    let mut scale = 0;
    while n > 0 && scale < scales.len() {
        let chunk = n % 1000;
        if chunk > 0 {
            parts.push(format!("{}{}", below_thousand(chunk), scales[scale]));
        }
        n /= 1000;
        scale += 1;
    }
    parts.reverse();
    parts.join(" ")
}

/// Formal Chinese numerals for a whole number (up to 10^16).
fn chinese_number(n: u64, simplified: bool) -> String {
    let digits: [&str; 10] = if simplified {
        ["零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"]
    } else {
        ["零", "壹", "貳", "參", "肆", "伍", "陸", "柒", "捌", "玖"]
    };
    let small = ["", "拾", "佰", "仟"];
    let big: [&str; 4] = if simplified {
        ["", "万", "亿", "万亿"]
    } else {
        ["", "萬", "億", "萬億"]
    };
    if n == 0 {
        return digits[0].to_string();
    }
    // Groups of four digits, most significant first.
    let mut groups = Vec::new();
    let mut rest = n;
    while rest > 0 {
        groups.push(rest % 10_000);
        rest /= 10_000;
    }
    let mut out = String::new();
    let mut pending_zero = false;
    for (index, group) in groups.iter().enumerate().rev() {
        if *group == 0 {
            pending_zero = !out.is_empty();
            continue;
        }
        // A gap of digits before this group is read as one zero.
        if !out.is_empty() && (*group < 1000 || pending_zero) {
            out.push_str(digits[0]);
        }
        pending_zero = false;
        let (mut started, mut zero) = (false, false);
        for position in (0..4u32).rev() {
            let digit = (group / 10u64.pow(position)) % 10;
            if digit == 0 {
                zero = started;
                continue;
            }
            if zero {
                out.push_str(digits[0]);
                zero = false;
            }
            out.push_str(digits[digit as usize]);
            out.push_str(small[position as usize]);
            started = true;
        }
        out.push_str(big[index.min(3)]);
    }
    out
}

/// The amount in words, in `locale`'s way.
pub fn amount_in_words(money: Money, locale: Locale) -> String {
    let per = money.currency.minor_per_major();
    let (major, minor) = (money.minor / per, money.minor % per);
    match locale {
        Locale::En => {
            let cents = if minor > 0 {
                format!(
                    " and {} cent{}",
                    english_number(minor),
                    if minor == 1 { "" } else { "s" }
                )
            } else {
                String::new()
            };
            format!("Hong Kong dollars {}{cents} only", english_number(major))
        }
        Locale::ZhHk | Locale::ZhCn => {
            let simplified = locale == Locale::ZhCn;
            let digits: [&str; 10] = if simplified {
                ["零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"]
            } else {
                ["零", "壹", "貳", "參", "肆", "伍", "陸", "柒", "捌", "玖"]
            };
            let mut out = String::from(if simplified { "港币" } else { "港幣" });
            out.push_str(&chinese_number(major, simplified));
            out.push('元');
            let (jiao, fen) = (minor / 10, minor % 10);
            if minor == 0 {
                out.push(if simplified { '整' } else { '正' });
            } else {
                if jiao > 0 {
                    out.push_str(digits[jiao as usize]);
                    out.push('角');
                } else {
                    out.push_str(digits[0]);
                }
                if fen > 0 {
                    out.push_str(digits[fen as usize]);
                    out.push('分');
                } else {
                    out.push(if simplified { '整' } else { '正' });
                }
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sharecare_domain::money::Currency;

    fn hkd(minor: u64) -> Money {
        Money::new(minor, Currency::Hkd)
    }

    #[test]
    fn english_words() {
        assert_eq!(
            amount_in_words(hkd(30_000), Locale::En),
            "Hong Kong dollars three hundred only"
        );
        assert_eq!(
            amount_in_words(hkd(123_450), Locale::En),
            "Hong Kong dollars one thousand two hundred and thirty-four and fifty cents only"
        );
        assert_eq!(
            amount_in_words(hkd(1), Locale::En),
            "Hong Kong dollars zero and one cent only"
        );
        assert_eq!(
            amount_in_words(hkd(100_000_000), Locale::En),
            "Hong Kong dollars one million only"
        );
    }

    #[test]
    fn formal_chinese_numerals() {
        assert_eq!(amount_in_words(hkd(30_000), Locale::ZhHk), "港幣參佰元正");
        assert_eq!(
            amount_in_words(hkd(30_050), Locale::ZhHk),
            "港幣參佰元伍角正"
        );
        assert_eq!(
            amount_in_words(hkd(30_055), Locale::ZhCn),
            "港币叁佰元伍角伍分"
        );
        assert_eq!(
            amount_in_words(hkd(30_005), Locale::ZhHk),
            "港幣參佰元零伍分"
        );
        assert_eq!(
            amount_in_words(hkd(100_500), Locale::ZhHk),
            "港幣壹仟零伍元正"
        );
        assert_eq!(
            amount_in_words(hkd(1_000_000), Locale::ZhHk),
            "港幣壹萬元正"
        );
        assert_eq!(
            amount_in_words(hkd(1_005_000), Locale::ZhCn),
            "港币壹万零伍拾元整"
        );
        assert_eq!(
            amount_in_words(hkd(10_001_000_000), Locale::ZhHk),
            "港幣壹億零壹萬元正"
        );
        assert_eq!(
            amount_in_words(hkd(1_200_000), Locale::ZhHk),
            "港幣壹萬貳仟元正"
        );
    }
}

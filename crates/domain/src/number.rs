//! Large counts written the way each language says them: English groups by thousands and
//! millions ("6.97 million"); Chinese by 萬/万 (10⁴) and 億/亿 (10⁸) ("697萬", "2億").
//! Integer arithmetic only, so the output never depends on float rounding.

use super::money::group_thousands;
use super::Locale;

/// Formats a count for display in a statistic: scaled to the largest unit it reaches, with at
/// most two decimals and no trailing zeros. Counts below the first unit get digit grouping.
pub fn format_count(value: u64, locale: Locale) -> String {
    let (units, small_group): (&[(u64, &str)], bool) = match locale {
        Locale::En => (
            &[(1_000_000_000, " billion"), (1_000_000, " million")],
            true,
        ),
        Locale::ZhHk => (&[(100_000_000, "億"), (10_000, "萬")], false),
        Locale::ZhCn => (&[(100_000_000, "亿"), (10_000, "万")], false),
    };
    for &(unit, word) in units {
        if value >= unit {
            return format!("{}{word}", scaled(value, unit));
        }
    }
    if small_group {
        group_thousands(value)
    } else {
        value.to_string()
    }
}

/// `value / unit` with up to two decimals, rounded half up, trailing zeros dropped.
fn scaled(value: u64, unit: u64) -> String {
    // Hundredths, rounded: computed in u128 so u64::MAX cannot overflow.
    let hundredths = (u128::from(value) * 100 + u128::from(unit) / 2) / u128::from(unit);
    let whole = hundredths / 100;
    let fraction = hundredths % 100;
    match fraction {
        0 => whole.to_string(),
        f if f.is_multiple_of(10) => format!("{whole}.{}", f / 10),
        f => format!("{whole}.{f:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn campaign_figures_in_each_language() {
        assert_eq!(format_count(6_970_000, Locale::En), "6.97 million");
        assert_eq!(format_count(6_970_000, Locale::ZhHk), "697萬");
        assert_eq!(format_count(6_970_000, Locale::ZhCn), "697万");
        assert_eq!(format_count(200_000_000, Locale::En), "200 million");
        assert_eq!(format_count(200_000_000, Locale::ZhHk), "2億");
        assert_eq!(format_count(200_000_000, Locale::ZhCn), "2亿");
    }

    #[test]
    fn decimals_are_trimmed_and_rounded() {
        assert_eq!(format_count(6_900_000, Locale::En), "6.9 million");
        assert_eq!(format_count(1_234_567_890, Locale::En), "1.23 billion");
        assert_eq!(format_count(2_995_000, Locale::En), "3 million");
        assert_eq!(format_count(286_340_000, Locale::ZhHk), "2.86億");
        assert_eq!(format_count(15_000, Locale::ZhCn), "1.5万");
    }

    #[test]
    fn small_counts() {
        assert_eq!(format_count(0, Locale::En), "0");
        assert_eq!(format_count(999, Locale::En), "999");
        assert_eq!(format_count(1_000, Locale::En), "1,000");
        assert_eq!(format_count(999_999, Locale::En), "999,999");
        assert_eq!(format_count(9_999, Locale::ZhHk), "9999");
    }

    #[test]
    fn extremes_do_not_overflow() {
        assert_eq!(format_count(u64::MAX, Locale::En), "18446744073.71 billion");
        assert_eq!(format_count(u64::MAX, Locale::ZhCn), "184467440737.1亿");
    }
}

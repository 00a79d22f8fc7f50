//! Money as integer minor units (cents) of an allowed currency. Never a float: amounts are
//! parsed from text straight into minor units and written back out the same way.

use std::fmt;

/// The currencies the site takes gifts in. A content file naming any other stops the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Currency {
    Hkd,
}

impl Currency {
    pub const ALL: [Currency; 1] = [Currency::Hkd];

    /// The ISO 4217 code, as stored and as sent in forms.
    pub fn code(self) -> &'static str {
        match self {
            Currency::Hkd => "HKD",
        }
    }

    /// The ISO 4217 numeric code (used in FPS QR codes).
    pub fn numeric_code(self) -> &'static str {
        match self {
            Currency::Hkd => "344",
        }
    }

    /// How the amount is prefixed for readers, e.g. "HK$".
    pub fn symbol(self) -> &'static str {
        match self {
            Currency::Hkd => "HK$",
        }
    }

    /// Minor units in one major unit (100 cents in a dollar).
    pub fn minor_per_major(self) -> u64 {
        match self {
            Currency::Hkd => 100,
        }
    }

    /// Accepts a code from the allow-list, in any case, surrounding spaces ignored.
    pub fn from_code(code: &str) -> Option<Currency> {
        let code = code.trim();
        Currency::ALL
            .into_iter()
            .find(|currency| currency.code().eq_ignore_ascii_case(code))
    }
}

/// An amount of money: minor units and their currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Money {
    pub minor: u64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: u64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// The amount as a plain decimal without symbol or grouping, e.g. "300.00" (FPS QR codes,
    /// bank references).
    pub fn plain_decimal(self) -> String {
        let per = self.currency.minor_per_major();
        format!("{}.{:02}", self.minor / per, self.minor % per)
    }
}

impl fmt::Display for Money {
    /// "HK$1,234" for whole amounts, "HK$1,234.50" otherwise. The same in every language the
    /// site speaks: Hong Kong and mainland readers both write dollar amounts this way.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let per = self.currency.minor_per_major();
        let (major, minor) = (self.minor / per, self.minor % per);
        f.write_str(self.currency.symbol())?;
        f.write_str(&group_thousands(major))?;
        if minor != 0 {
            write!(f, ".{minor:02}")?;
        }
        Ok(())
    }
}

/// "1234567" → "1,234,567": how English and Chinese both group digits in full numbers.
pub fn group_thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The smallest and largest gift the site accepts, in minor units (set in content).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AmountLimits {
    pub min_minor: u64,
    pub max_minor: u64,
}

/// Why an amount typed by a donor was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AmountError {
    Missing,
    NotANumber,
    /// More decimals than the currency has (e.g. 10.005).
    TooPrecise,
    BelowMinimum,
    AboveMaximum,
}

/// Parses an amount as a donor types it, in major units: "500", "1,000", "HK$ 250.50",
/// "２５０" (full-width digits from a Chinese keyboard). Returns minor units within `limits`.
pub fn parse_amount(
    input: &str,
    currency: Currency,
    limits: AmountLimits,
) -> Result<Money, AmountError> {
    let normalized: String = input
        .trim()
        .chars()
        .map(|c| match c {
            // Full-width digits and punctuation, as typed with a CJK input method.
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '．' => '.',
            '，' => ',',
            other => other,
        })
        .collect();
    let without_symbol = normalized
        .strip_prefix(currency.symbol())
        .or_else(|| normalized.strip_prefix('$'))
        .unwrap_or(&normalized)
        .trim_start();
    let text: String = without_symbol.chars().filter(|&c| c != ',').collect();
    if text.is_empty() {
        return Err(if input.trim().is_empty() {
            AmountError::Missing
        } else {
            AmountError::NotANumber
        });
    }
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (text.as_str(), ""),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !all_digits(whole) || !all_digits(fraction) {
        return Err(AmountError::NotANumber);
    }
    let per = currency.minor_per_major();
    let decimals = per.ilog10() as usize;
    if fraction.len() > decimals {
        // Trailing zeros beyond the currency's precision are harmless ("10.500").
        if fraction[decimals..].bytes().any(|b| b != b'0') {
            return Err(AmountError::TooPrecise);
        }
    }
    // Anything with more digits than the maximum could hold is above it; saying so avoids
    // overflow without a separate error.
    let whole = whole.trim_start_matches('0');
    if whole.len() > 15 {
        return Err(AmountError::AboveMaximum);
    }
    let major: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| AmountError::NotANumber)?
    };
    let mut minor_part: u64 = 0;
    for i in 0..decimals {
        let digit = fraction
            .as_bytes()
            .get(i)
            .map_or(0, |b| u64::from(b - b'0'));
        minor_part = minor_part * 10 + digit;
    }
    let minor = major * per + minor_part;
    if minor < limits.min_minor {
        Err(AmountError::BelowMinimum)
    } else if minor > limits.max_minor {
        Err(AmountError::AboveMaximum)
    } else {
        Ok(Money::new(minor, currency))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: AmountLimits = AmountLimits {
        min_minor: 5_000,
        max_minor: 10_000_000,
    };

    fn parse(input: &str) -> Result<u64, AmountError> {
        parse_amount(input, Currency::Hkd, LIMITS).map(|money| money.minor)
    }

    #[test]
    fn amounts_are_read_the_way_donors_type_them() {
        assert_eq!(parse("500"), Ok(50_000));
        assert_eq!(parse(" 1,000 "), Ok(100_000));
        assert_eq!(parse("HK$250.50"), Ok(25_050));
        assert_eq!(parse("$ 250.5"), Ok(25_050));
        assert_eq!(parse("２５０"), Ok(25_000));
        assert_eq!(parse("100.500"), Ok(10_050));
        assert_eq!(parse("0050"), Ok(5_000));
    }

    #[test]
    fn bad_amounts_say_what_is_wrong() {
        assert_eq!(parse(""), Err(AmountError::Missing));
        assert_eq!(parse("   "), Err(AmountError::Missing));
        assert_eq!(parse("abc"), Err(AmountError::NotANumber));
        assert_eq!(parse("-500"), Err(AmountError::NotANumber));
        assert_eq!(parse("1e3"), Err(AmountError::NotANumber));
        assert_eq!(parse("NaN"), Err(AmountError::NotANumber));
        assert_eq!(parse("HK$"), Err(AmountError::NotANumber));
        assert_eq!(parse("."), Err(AmountError::NotANumber));
        assert_eq!(parse("1.2.3"), Err(AmountError::NotANumber));
        assert_eq!(parse("10.005"), Err(AmountError::TooPrecise));
        assert_eq!(parse("49.99"), Err(AmountError::BelowMinimum));
        assert_eq!(parse("0"), Err(AmountError::BelowMinimum));
        assert_eq!(parse("100000.01"), Err(AmountError::AboveMaximum));
        assert_eq!(
            parse("99999999999999999999999999"),
            Err(AmountError::AboveMaximum)
        );
    }

    #[test]
    fn money_is_written_with_symbol_and_grouping() {
        assert_eq!(Money::new(30_000, Currency::Hkd).to_string(), "HK$300");
        assert_eq!(
            Money::new(123_456_789, Currency::Hkd).to_string(),
            "HK$1,234,567.89"
        );
        assert_eq!(Money::new(5, Currency::Hkd).to_string(), "HK$0.05");
        assert_eq!(Money::new(30_000, Currency::Hkd).plain_decimal(), "300.00");
    }

    #[test]
    fn only_allowed_currencies_parse() {
        assert_eq!(Currency::from_code(" hkd "), Some(Currency::Hkd));
        assert_eq!(Currency::from_code("USD"), None);
        assert_eq!(Currency::from_code(""), None);
    }
}

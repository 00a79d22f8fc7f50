//! Calendar dates from Unix time, without a date library: the copyright year (UTC) and the
//! date on a receipt (Hong Kong time).

/// The calendar date in Hong Kong (UTC+8, no daylight saving) of a Unix time in milliseconds.
pub fn hong_kong_date(unix_millis: i64) -> (i64, u32, u32) {
    civil_from_days((unix_millis + 8 * 3_600_000).div_euclid(86_400_000))
}

/// The year (UTC) of a Unix time in seconds.
pub fn utc_year(unix_seconds: u64) -> i32 {
    let days = i64::try_from(unix_seconds / 86_400).unwrap_or(i64::MAX / 2);
    i32::try_from(civil_from_days(days).0).unwrap_or(i32::MAX)
}

/// Midnight in Hong Kong at the start of a calendar date, in Unix milliseconds; `None` for a
/// date that does not exist (2026-02-30).
pub fn hong_kong_midnight(year: i64, month: u32, day: u32) -> Option<i64> {
    let days = days_from_civil(year, month, day)?;
    Some(days * 86_400_000 - 8 * 3_600_000)
}

/// The Hong Kong tax year (1 April to 31 March) a moment falls in, as receipts name it:
/// "2026-27".
pub fn tax_year_of(unix_millis: i64) -> String {
    let (year, month, _) = hong_kong_date(unix_millis);
    let start = if month >= 4 { year } else { year - 1 };
    format!("{start}-{:02}", (start + 1) % 100)
}

/// The first and last moments (Unix ms, half-open) of the tax year starting in April of `start`.
pub fn tax_year_bounds(start: i64) -> (i64, i64) {
    (
        hong_kong_midnight(start, 4, 1).unwrap_or(0),
        hong_kong_midnight(start + 1, 4, 1).unwrap_or(0),
    )
}

/// `YYYY-MM-DD` for a Hong Kong date.
pub fn iso_date((year, month, day): (i64, u32, u32)) -> String {
    format!("{year:04}-{month:02}-{day:02}")
}

/// (year, month, day) to days since 1970-01-01, if the date exists (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> Option<i64> {
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => return None,
    };
    if day == 0 || day > days_in_month {
        return None;
    }
    let year = year - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    Some(era * 146_097 + day_of_era - 719_468)
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = u32::try_from(day_of_year - (153 * month_index + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    })
    .unwrap_or(1);
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_from_timestamps() {
        assert_eq!(utc_year(0), 1970);
        assert_eq!(utc_year(951_782_400), 2000); // 2000-02-29
        assert_eq!(utc_year(1_798_761_599), 2026); // 2026-12-31T23:59:59Z
        assert_eq!(utc_year(1_798_761_600), 2027); // 2027-01-01T00:00:00Z
    }

    #[test]
    fn tax_years_run_from_april_to_march_in_hong_kong() {
        let day = |y, m, d| hong_kong_midnight(y, m, d).unwrap();
        assert_eq!(tax_year_of(day(2027, 3, 31) + 86_399_999), "2026-27");
        assert_eq!(tax_year_of(day(2027, 4, 1)), "2027-28");
        assert_eq!(tax_year_of(day(2026, 4, 1) - 1), "2025-26");
        assert_eq!(tax_year_of(day(2099, 12, 1)), "2099-00");
        assert_eq!(tax_year_bounds(2026), (day(2026, 4, 1), day(2027, 4, 1)));
    }

    #[test]
    fn dates_turn_into_midnights_and_back() {
        for (year, month, day) in [(1970, 1, 1), (2000, 2, 29), (2026, 11, 30), (2027, 1, 1)] {
            let midnight = hong_kong_midnight(year, month, day).unwrap();
            assert_eq!(hong_kong_date(midnight), (year, month, day));
            assert_eq!(
                hong_kong_date(midnight - 1),
                hong_kong_date(midnight - 86_400_000)
            );
        }
        assert_eq!(hong_kong_midnight(2026, 2, 29), None);
        assert_eq!(hong_kong_midnight(2026, 13, 1), None);
        assert_eq!(iso_date((2026, 3, 7)), "2026-03-07");
    }

    #[test]
    fn dates_are_hong_kong_calendar_days() {
        assert_eq!(hong_kong_date(0), (1970, 1, 1));
        // 16:00 UTC is midnight in Hong Kong.
        assert_eq!(hong_kong_date(1_795_881_599_000), (2026, 11, 28)); // 2026-11-28T15:59:59Z
        assert_eq!(hong_kong_date(1_795_881_600_000), (2026, 11, 29)); // 2026-11-28T16:00:00Z
        assert_eq!(hong_kong_date(951_782_400_000), (2000, 2, 29));
        assert_eq!(hong_kong_date(1_798_732_800_000), (2027, 1, 1)); // 2026-12-31T16:00:00Z
    }
}

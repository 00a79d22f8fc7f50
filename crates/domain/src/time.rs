//! Time: a moment (`Timestamp`, Unix milliseconds, how every time is stored), the one reading
//! of the wall clock (`Timestamp::now`), and calendar dates in Hong Kong without a date library:
//! the copyright year (UTC), dates on pages, exports and receipts, and the tax year.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Hong Kong's offset from UTC in milliseconds: UTC+8 all year, no daylight saving. The one
/// spelling of it (the dashboard's SQL groups by it too).
pub const HONG_KONG_OFFSET_MILLIS: i64 = 8 * 3_600_000;

/// A calendar day in Hong Kong, which keeps no daylight saving: every day is this long.
pub const ONE_DAY: Duration = Duration::from_secs(86_400);

const DAY_MILLIS: i64 = 86_400_000;

/// A moment, in Unix milliseconds (UTC).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The Unix epoch.
    pub const EPOCH: Timestamp = Timestamp(0);

    /// The last moment there is: "until further notice" (a pause with no end).
    pub const MAX: Timestamp = Timestamp(i64::MAX);

    pub const fn from_millis(millis: i64) -> Self {
        Timestamp(millis)
    }

    /// From Unix seconds, as payment providers write times.
    pub const fn from_seconds(seconds: i64) -> Self {
        Timestamp(seconds.saturating_mul(1_000))
    }

    /// This moment without its milliseconds (what a provider that counts seconds keeps of it).
    pub const fn whole_second(self) -> Self {
        Timestamp::from_seconds(self.seconds())
    }

    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// Unix seconds (webhook signatures are signed in seconds).
    pub const fn seconds(self) -> i64 {
        self.0.div_euclid(1_000)
    }

    /// Now: the one place that reads the wall clock, so everything else takes times as
    /// arguments.
    pub fn now() -> Self {
        Timestamp(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |elapsed| {
                    i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
                }),
        )
    }

    /// `duration` later.
    pub fn plus(self, duration: Duration) -> Self {
        Timestamp(self.0.saturating_add(millis_of(duration)))
    }

    /// `duration` earlier.
    pub fn minus(self, duration: Duration) -> Self {
        Timestamp(self.0.saturating_sub(millis_of(duration)))
    }

    /// How long after `earlier` this is (zero if it is not after it).
    pub fn since(self, earlier: Timestamp) -> Duration {
        Duration::from_millis(u64::try_from(self.0.saturating_sub(earlier.0)).unwrap_or(0))
    }

    /// The calendar date in Hong Kong: (year, month, day).
    pub fn hong_kong_date(self) -> (i64, u32, u32) {
        hong_kong_date(self)
    }

    /// The Hong Kong date, `YYYY-MM-DD`.
    pub fn hong_kong_iso_date(self) -> String {
        iso_date(hong_kong_date(self))
    }

    /// The Hong Kong date and time, `YYYY-MM-DD HH:MM`.
    pub fn hong_kong_date_time(self) -> String {
        let (hours, minutes) = self.hong_kong_clock();
        format!("{} {hours:02}:{minutes:02}", self.hong_kong_iso_date())
    }

    /// The Hong Kong date and time with its offset, `YYYY-MM-DDTHH:MM+08:00`.
    pub fn hong_kong_rfc3339(self) -> String {
        let (hours, minutes) = self.hong_kong_clock();
        format!(
            "{}T{hours:02}:{minutes:02}+{:02}:00",
            self.hong_kong_iso_date(),
            HONG_KONG_OFFSET_MILLIS / 3_600_000
        )
    }

    /// The Hong Kong date and time to the millisecond for a file's name, sorting as time does:
    /// `2026-12-03_191502_123`.
    pub fn hong_kong_file_stamp(self) -> String {
        let (hours, minutes) = self.hong_kong_clock();
        let seconds = self.0.rem_euclid(60_000) / 1_000;
        format!(
            "{}_{hours:02}{minutes:02}{seconds:02}_{:03}",
            self.hong_kong_iso_date(),
            self.0.rem_euclid(1_000)
        )
    }

    /// The Hong Kong date written by a locale's pattern with `{year}`, `{month}` and `{day}`
    /// (the receipt's date: "{day}/{month}/{year}").
    pub fn hong_kong_date_in(self, pattern: &str) -> String {
        let (year, month, day) = hong_kong_date(self);
        pattern
            .replace("{year}", &year.to_string())
            .replace("{month}", &month.to_string())
            .replace("{day}", &day.to_string())
    }

    /// The Hong Kong tax year this moment falls in, as receipts name it: "2026-27".
    pub fn tax_year(self) -> String {
        tax_year_of(self)
    }

    fn hong_kong_clock(self) -> (i64, i64) {
        let minutes = (self.0 + HONG_KONG_OFFSET_MILLIS).rem_euclid(DAY_MILLIS) / 60_000;
        (minutes / 60, minutes % 60)
    }
}

fn millis_of(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// This year in UTC, for the copyright line; read once at start so rendering never reads the
/// clock.
pub fn current_year() -> i32 {
    utc_year(u64::try_from(Timestamp::now().seconds()).unwrap_or(0))
}

/// The calendar date in Hong Kong (UTC+8, no daylight saving) of a moment.
pub fn hong_kong_date(at: Timestamp) -> (i64, u32, u32) {
    civil_from_days(hong_kong_day(at))
}

/// The Hong Kong day a moment falls on, as a day number since 1970-01-01.
pub fn hong_kong_day(at: Timestamp) -> i64 {
    (at.0 + HONG_KONG_OFFSET_MILLIS).div_euclid(DAY_MILLIS)
}

/// Midnight in Hong Kong at the start of a day number since 1970-01-01.
pub fn hong_kong_day_start(day: i64) -> Timestamp {
    Timestamp(day * DAY_MILLIS - HONG_KONG_OFFSET_MILLIS)
}

/// The year (UTC) of a Unix time in seconds.
pub fn utc_year(unix_seconds: u64) -> i32 {
    let days = i64::try_from(unix_seconds / 86_400).unwrap_or(i64::MAX / 2);
    i32::try_from(civil_from_days(days).0).unwrap_or(i32::MAX)
}

/// Midnight in Hong Kong at the start of a calendar date; `None` for a date that does not
/// exist (2026-02-30).
pub fn hong_kong_midnight(year: i64, month: u32, day: u32) -> Option<Timestamp> {
    days_from_civil(year, month, day).map(hong_kong_day_start)
}

/// The Hong Kong tax year (1 April to 31 March) a moment falls in, as receipts name it:
/// "2026-27".
pub fn tax_year_of(at: Timestamp) -> String {
    let (year, month, _) = hong_kong_date(at);
    let start = if month >= 4 { year } else { year - 1 };
    format!("{start}-{:02}", (start + 1) % 100)
}

/// The first and last moments (half-open) of the tax year starting in April of `start`.
pub fn tax_year_bounds(start: i64) -> (Timestamp, Timestamp) {
    (
        hong_kong_midnight(start, 4, 1).unwrap_or(Timestamp::EPOCH),
        hong_kong_midnight(start + 1, 4, 1).unwrap_or(Timestamp::EPOCH),
    )
}

/// A Hong Kong wall-clock time as a `datetime-local` field sends it (`YYYY-MM-DDTHH:MM`,
/// seconds optional, or a space for the `T`), or a date alone (its midnight).
pub fn parse_hong_kong_local(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    let (date, time) = match text.split_once(['T', ' ']) {
        Some((date, time)) => (date, Some(time)),
        None => (text, None),
    };
    let mut parts = date.split('-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    let midnight = hong_kong_midnight(year, month, day)?;
    let Some(time) = time else {
        return Some(midnight);
    };
    let mut clock = time.split(':');
    let hours: i64 = clock.next()?.parse().ok()?;
    let minutes: i64 = clock.next()?.parse().ok()?;
    let seconds: i64 = match clock.next() {
        Some(seconds) => seconds.split('.').next()?.parse().ok()?,
        None => 0,
    };
    if clock.next().is_some() || hours > 23 || minutes > 59 || seconds > 59 {
        return None;
    }
    Some(Timestamp(
        midnight.0 + ((hours * 60 + minutes) * 60 + seconds) * 1000,
    ))
}

/// `YYYY-MM-DD` for a calendar date.
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

/// A `Timestamp` is stored as the BIGINT of its Unix milliseconds, so rows and binds carry the
/// type itself and only this impl knows the column's representation.
#[cfg(feature = "sqlx")]
mod column {
    use sqlx_core::any::{Any, AnyTypeInfo, AnyValueRef};
    use sqlx_core::database::Database;
    use sqlx_core::decode::Decode;
    use sqlx_core::encode::{Encode, IsNull};
    use sqlx_core::error::BoxDynError;
    use sqlx_core::types::Type;

    use super::Timestamp;

    impl Type<Any> for Timestamp {
        fn type_info() -> AnyTypeInfo {
            <i64 as Type<Any>>::type_info()
        }

        fn compatible(ty: &AnyTypeInfo) -> bool {
            <i64 as Type<Any>>::compatible(ty)
        }
    }

    impl<'q> Encode<'q, Any> for Timestamp {
        fn encode_by_ref(
            &self,
            buf: &mut <Any as Database>::ArgumentBuffer<'q>,
        ) -> Result<IsNull, BoxDynError> {
            <i64 as Encode<'q, Any>>::encode_by_ref(&self.0, buf)
        }
    }

    impl<'r> Decode<'r, Any> for Timestamp {
        fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
            <i64 as Decode<'r, Any>>::decode(value).map(Timestamp)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_enter_hong_kong_wall_clock_times() {
        let midnight = hong_kong_midnight(2027, 3, 31).unwrap();
        let at = parse_hong_kong_local("2027-03-31T23:58").unwrap();
        assert_eq!(at.since(midnight), Duration::from_secs(23 * 3600 + 58 * 60));
        assert_eq!(at.hong_kong_date_time(), "2027-03-31 23:58");
        assert_eq!(
            parse_hong_kong_local("2027-03-31 23:58:30").map(|t| t.since(at)),
            Some(Duration::from_secs(30))
        );
        assert_eq!(parse_hong_kong_local("2027-03-31"), Some(midnight));
        for bad in [
            "",
            "2027-02-30T10:00",
            "2027-03-31T24:00",
            "2027-03-31T10",
            "31/03/2027",
        ] {
            assert_eq!(parse_hong_kong_local(bad), None, "{bad}");
        }
    }

    #[test]
    fn file_stamps_read_as_hong_kong_time_and_sort_as_time_does() {
        let at = parse_hong_kong_local("2027-03-31 23:58:07").unwrap();
        let later = Timestamp::from_millis(at.as_millis() + 3_004);
        assert_eq!(at.hong_kong_file_stamp(), "2027-03-31_235807_000");
        assert_eq!(later.hong_kong_file_stamp(), "2027-03-31_235810_004");
        assert!(at.hong_kong_file_stamp() < later.hong_kong_file_stamp());
    }

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
        let ms = Duration::from_millis;
        assert_eq!(
            tax_year_of(day(2027, 3, 31).plus(ms(86_399_999))),
            "2026-27"
        );
        assert_eq!(tax_year_of(day(2027, 4, 1)), "2027-28");
        assert_eq!(tax_year_of(day(2026, 4, 1).minus(ms(1))), "2025-26");
        assert_eq!(tax_year_of(day(2099, 12, 1)), "2099-00");
        assert_eq!(tax_year_bounds(2026), (day(2026, 4, 1), day(2027, 4, 1)));
    }

    #[test]
    fn dates_turn_into_midnights_and_back() {
        for (year, month, day) in [(1970, 1, 1), (2000, 2, 29), (2026, 11, 30), (2027, 1, 1)] {
            let midnight = hong_kong_midnight(year, month, day).unwrap();
            assert_eq!(hong_kong_date(midnight), (year, month, day));
            assert_eq!(
                hong_kong_date(midnight.minus(Duration::from_millis(1))),
                hong_kong_date(midnight.minus(Duration::from_millis(86_400_000)))
            );
        }
        assert_eq!(hong_kong_midnight(2026, 2, 29), None);
        assert_eq!(hong_kong_midnight(2026, 13, 1), None);
        assert_eq!(iso_date((2026, 3, 7)), "2026-03-07");
        let at = Timestamp::from_millis(1_795_881_600_000 + 9 * 3_600_000 + 5 * 60_000);
        assert_eq!(at.hong_kong_iso_date(), "2026-11-29");
        assert_eq!(at.hong_kong_date_time(), "2026-11-29 09:05");
        assert_eq!(at.hong_kong_rfc3339(), "2026-11-29T09:05+08:00");
        assert_eq!(at.hong_kong_date_in("{day}/{month}/{year}"), "29/11/2026");
    }

    #[test]
    fn dates_are_hong_kong_calendar_days() {
        assert_eq!(hong_kong_date(Timestamp::from_millis(0)), (1970, 1, 1));
        // 16:00 UTC is midnight in Hong Kong.
        assert_eq!(
            hong_kong_date(Timestamp::from_millis(1_795_881_599_000)),
            (2026, 11, 28)
        ); // 2026-11-28T15:59:59Z
        assert_eq!(
            hong_kong_date(Timestamp::from_millis(1_795_881_600_000)),
            (2026, 11, 29)
        ); // 2026-11-28T16:00:00Z
        assert_eq!(
            hong_kong_date(Timestamp::from_millis(951_782_400_000)),
            (2000, 2, 29)
        );
        assert_eq!(
            hong_kong_date(Timestamp::from_millis(1_798_732_800_000)),
            (2027, 1, 1)
        ); // 2026-12-31T16:00:00Z
    }
}

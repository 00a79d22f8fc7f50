//! The one place that reads the wall clock, so everything else takes times as arguments.

use std::time::{SystemTime, UNIX_EPOCH};

use super::calendar;

/// Now, in Unix milliseconds (how every time is stored).
pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}

/// Now, in Unix seconds (webhook signatures are signed in seconds).
pub fn now_seconds() -> i64 {
    now_millis() / 1_000
}

/// This year in UTC, for the copyright line; read once at start so rendering never reads the
/// clock.
pub fn current_year() -> i32 {
    calendar::utc_year(u64::try_from(now_seconds()).unwrap_or(0))
}

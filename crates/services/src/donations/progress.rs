//! The campaign's progress: paid gifts plus those received offline, against the goal.

use sharecare_content::Content;
use sharecare_db::PaidTotals;

/// The campaign's progress as the pages show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Paid gifts on this site plus gifts received offline (content), in minor units.
    pub raised_minor: u64,
    pub supporters: u64,
    pub goal_minor: u64,
}

impl Progress {
    /// Adds what the database counted to what content says came in offline.
    pub fn of(content: &Content, totals: PaidTotals) -> Progress {
        let giving = &content.giving;
        Progress {
            raised_minor: giving.offline_raised_minor_units + totals.raised_minor,
            supporters: giving.offline_supporters + totals.supporters,
            goal_minor: content.organisation.goal_minor_units,
        }
    }

    /// Whole percent of the goal reached, capped at 100 for the bar.
    pub fn percent(self) -> u64 {
        if self.goal_minor == 0 {
            return 100;
        }
        (u128::from(self.raised_minor) * 100 / u128::from(self.goal_minor)).min(100) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_a_capped_whole_percent() {
        let progress = |raised_minor| Progress {
            raised_minor,
            supporters: 0,
            goal_minor: 1_000,
        };
        assert_eq!(progress(0).percent(), 0);
        assert_eq!(progress(999).percent(), 99);
        assert_eq!(progress(1_000).percent(), 100);
        assert_eq!(progress(5_000).percent(), 100);
        assert_eq!(progress(u64::MAX).percent(), 100);
    }
}

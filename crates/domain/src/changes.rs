//! Changes a donor asks for on a monthly card gift, and what a confirmed change made the gift
//! (told to the donor by email once the payment provider confirms it).

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// What a donor may ask of a monthly card gift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    Pause,
    Resume,
    Amount,
    Day,
    Cancel,
    Card,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 6] = [
        ChangeKind::Pause,
        ChangeKind::Resume,
        ChangeKind::Amount,
        ChangeKind::Day,
        ChangeKind::Cancel,
        ChangeKind::Card,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Pause => "pause",
            ChangeKind::Resume => "resume",
            ChangeKind::Amount => "amount",
            ChangeKind::Day => "day",
            ChangeKind::Cancel => "cancel",
            ChangeKind::Card => "card",
        }
    }

    pub fn parse(value: &str) -> Option<ChangeKind> {
        ChangeKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == value)
    }
}

/// What a confirmed change made the gift (stored with its email as JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChangeNotice {
    /// Paused until then.
    Paused {
        until: Timestamp,
    },
    Resumed,
    Amount {
        minor: u64,
    },
    /// Next charged then, and monthly from there.
    Day {
        next: Timestamp,
    },
    Cancelled,
}

#[cfg(feature = "ssr")]
impl ChangeNotice {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(json: &str) -> Option<ChangeNotice> {
        serde_json::from_str(json).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "ssr")]
    fn kinds_and_notices_read_back() {
        for kind in ChangeKind::ALL {
            assert_eq!(ChangeKind::parse(kind.as_str()), Some(kind));
        }
        for notice in [
            ChangeNotice::Paused {
                until: Timestamp::from_millis(5),
            },
            ChangeNotice::Resumed,
            ChangeNotice::Amount { minor: 20_000 },
            ChangeNotice::Day {
                next: Timestamp::from_millis(9),
            },
            ChangeNotice::Cancelled,
        ] {
            assert_eq!(ChangeNotice::from_json(&notice.to_json()), Some(notice));
        }
    }
}

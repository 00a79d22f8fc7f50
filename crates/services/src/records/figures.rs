//! The dashboard's figures: net money received per Hong Kong day, and broken down by method,
//! frequency, story, link, partner and the links' campaign tags; and how many donors came back.

use super::Records;
use sharecare_db::{Breakdown, Bucket, DbError};
use sharecare_domain::time::{hong_kong_day, hong_kong_day_start, Timestamp};

/// Money in one bucket of a figure: a day (`YYYY-MM-DD`), a method, a story...
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FigureBucket {
    pub key: String,
    pub amount_minor: u64,
    pub gifts: u64,
}

impl From<Bucket> for FigureBucket {
    fn from(bucket: Bucket) -> FigureBucket {
        FigureBucket {
            key: bucket.key,
            amount_minor: bucket.amount_minor,
            gifts: bucket.gifts,
        }
    }
}

/// Donors who gave once, and donors who gave more than once (paid gifts, by email).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Loyalty {
    pub once: u64,
    pub repeat: u64,
}

/// The dashboard's figures.
#[derive(Debug, Clone)]
pub struct Figures {
    /// Net received per Hong Kong day over the last `DAYS` days, oldest first, with days
    /// without gifts as zero; each keyed by its date.
    pub by_day: Vec<FigureBucket>,
    pub by_method: Vec<FigureBucket>,
    pub by_frequency: Vec<FigureBucket>,
    pub loyalty: Loyalty,
    pub top_stories: Vec<FigureBucket>,
    pub top_links: Vec<FigureBucket>,
    /// Where gifts came from: the links' campaign tags and the partners' embeds.
    pub by_source: Vec<FigureBucket>,
    pub by_medium: Vec<FigureBucket>,
    pub by_campaign: Vec<FigureBucket>,
    pub by_partner: Vec<FigureBucket>,
}

/// How many days the dashboard's bar chart covers.
pub const DAYS: i64 = 30;

impl Records {
    pub async fn figures(&self) -> Result<Figures, DbError> {
        let today = hong_kong_day(Timestamp::now());
        let first = today - (DAYS - 1);
        let since = hong_kong_day_start(first);
        let received = self.db.received_by_day(since).await?;
        let by_day = (first..=today)
            .map(|day| {
                let found = received.iter().find(|bucket| bucket.key == day.to_string());
                FigureBucket {
                    key: hong_kong_day_start(day).hong_kong_iso_date(),
                    amount_minor: found.map_or(0, |bucket| bucket.amount_minor),
                    gifts: found.map_or(0, |bucket| bucket.gifts),
                }
            })
            .collect();
        let loyalty = self.db.donor_loyalty().await?;
        Ok(Figures {
            by_day,
            by_method: self.received_by(Breakdown::Method).await?,
            by_frequency: self.received_by(Breakdown::Frequency).await?,
            loyalty: Loyalty {
                once: loyalty.once,
                repeat: loyalty.repeat,
            },
            top_stories: self.received_by(Breakdown::Story).await?,
            top_links: self.received_by(Breakdown::ReferralCode).await?,
            by_source: self.received_by(Breakdown::Source).await?,
            by_medium: self.received_by(Breakdown::Medium).await?,
            by_campaign: self.received_by(Breakdown::Campaign).await?,
            by_partner: self.partner_names(self.received_by(Breakdown::Partner).await?),
        })
    }

    async fn received_by(&self, by: Breakdown) -> Result<Vec<FigureBucket>, DbError> {
        Ok(self
            .db
            .received_by(by)
            .await?
            .into_iter()
            .map(FigureBucket::from)
            .collect())
    }

    /// Partners' codes as staff know them (`Content::partner_label`).
    fn partner_names(&self, buckets: Vec<FigureBucket>) -> Vec<FigureBucket> {
        buckets
            .into_iter()
            .map(|bucket| FigureBucket {
                key: self.content.partner_label(&bucket.key),
                ..bucket
            })
            .collect()
    }
}

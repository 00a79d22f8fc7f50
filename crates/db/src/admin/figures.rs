//! The dashboard's figures: net money received by day and by a donation's column, and how many
//! donors gave more than once.

use crate::payments::NET;
use crate::{non_negative, Database, DbError};
use sharecare_domain::time::{Timestamp, HONG_KONG_OFFSET_MILLIS};

/// Money in one bucket of a figure (a day, a method, a story...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    pub key: String,
    pub amount_minor: u64,
    pub gifts: u64,
}

#[derive(sqlx::FromRow)]
struct BucketRow {
    bucket: String,
    amount_minor: i64,
    gifts: i64,
}

impl BucketRow {
    fn read(self) -> Result<Bucket, DbError> {
        Ok(Bucket {
            key: self.bucket,
            amount_minor: non_negative("payments", "amount", self.amount_minor.max(0))?,
            gifts: non_negative("payments", "gifts", self.gifts)?,
        })
    }
}

fn buckets(rows: Vec<BucketRow>) -> Result<Vec<Bucket>, DbError> {
    rows.into_iter().map(BucketRow::read).collect()
}

/// Donors who gave once, and donors who gave more than once (paid gifts, by email).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DonorLoyalty {
    pub once: u64,
    pub repeat: u64,
}

#[derive(sqlx::FromRow)]
struct LoyaltyRow {
    once_donors: i64,
    repeat_donors: i64,
}

/// What received money is broken down by on the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breakdown {
    Method,
    Frequency,
    Story,
    ReferralCode,
    /// Where the gift came from (see `domain::attribution`).
    Source,
    Medium,
    Campaign,
    Partner,
}

impl Database {
    /// Net money received per day (Hong Kong days, as day numbers since 1970) from `since`.
    pub async fn received_by_day(&self, since: Timestamp) -> Result<Vec<Bucket>, DbError> {
        let sql = format!(
            "SELECT CAST(CAST((p.paid_at + {HONG_KONG_OFFSET_MILLIS}) / 86400000 AS BIGINT) AS TEXT) \
             AS bucket, CAST(SUM({NET}) AS BIGINT) AS amount_minor, \
             CAST(COUNT(*) AS BIGINT) AS gifts FROM payments p \
             WHERE p.paid_at >= $1 GROUP BY CAST((p.paid_at + {HONG_KONG_OFFSET_MILLIS}) / 86400000 AS BIGINT) \
             ORDER BY 1"
        );
        let rows: Vec<BucketRow> = sqlx::query_as(&sql)
            .bind(since)
            .fetch_all(&self.pool)
            .await?;
        buckets(rows)
    }

    /// Net money received by a donation's column (`payment_method` or `frequency`).
    pub async fn received_by(&self, by: Breakdown) -> Result<Vec<Bucket>, DbError> {
        let column = match by {
            Breakdown::Method => "d.payment_method",
            Breakdown::Frequency => "d.frequency",
            // The story read before giving; else the story of the share link that brought them.
            Breakdown::Story => "COALESCE(d.story_slug, r.story_slug)",
            Breakdown::ReferralCode => "d.referral_code",
            Breakdown::Source => "d.utm_source",
            Breakdown::Medium => "d.utm_medium",
            Breakdown::Campaign => "d.utm_campaign",
            Breakdown::Partner => "d.partner_code",
        };
        let sql = format!(
            "SELECT {column} AS bucket, CAST(SUM({NET}) AS BIGINT) AS amount_minor, \
             CAST(COUNT(DISTINCT d.id) AS BIGINT) AS gifts \
             FROM payments p JOIN donations d ON d.id = p.donation_id \
             LEFT JOIN referral_codes r ON r.code = d.referral_code \
             WHERE {column} IS NOT NULL GROUP BY {column} ORDER BY 2 DESC, 1 LIMIT 10"
        );
        let rows: Vec<BucketRow> = sqlx::query_as(&sql).fetch_all(&self.pool).await?;
        buckets(rows)
    }

    /// Donors (by email) with one paid gift, and with more than one.
    pub async fn donor_loyalty(&self) -> Result<DonorLoyalty, DbError> {
        let loyalty: LoyaltyRow = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(CASE WHEN gifts = 1 THEN 1 ELSE 0 END), 0) AS BIGINT) \
             AS once_donors, \
             CAST(COALESCE(SUM(CASE WHEN gifts > 1 THEN 1 ELSE 0 END), 0) AS BIGINT) \
             AS repeat_donors FROM \
             (SELECT email_key, COUNT(*) AS gifts FROM donations WHERE status = 'paid' \
             GROUP BY email_key) per_donor",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(DonorLoyalty {
            once: non_negative("donations", "count", loyalty.once_donors)?,
            repeat: non_negative("donations", "count", loyalty.repeat_donors)?,
        })
    }
}

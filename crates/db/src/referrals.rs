//! Personal share codes and what the gifts made through each have raised.

use super::payments::NET;
use super::{non_negative, Database, DbError};
use sharecare_domain::identifiers::ReferralCode;
use sharecare_domain::time::Timestamp;

/// What one personal share link has brought in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralTotals {
    pub story_slug: String,
    pub raised_minor: u64,
    pub gifts: u64,
}

impl Database {
    /// Stores a new personal share code; `false` if the code is taken (the caller draws again).
    pub async fn insert_referral_code(
        &self,
        code: &ReferralCode,
        story_slug: &str,
        created_at: Timestamp,
    ) -> Result<bool, DbError> {
        Ok(sqlx::query(
            "INSERT INTO referral_codes (code, story_slug, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (code) DO NOTHING",
        )
        .bind(code.as_str())
        .bind(story_slug)
        .bind(created_at)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    /// A share code's story and what gifts made through it have raised (paid, less refunds)
    /// and how many gifts that is; `None` for a code that was never issued.
    pub async fn referral_totals(
        &self,
        code: &ReferralCode,
    ) -> Result<Option<ReferralTotals>, DbError> {
        let story: Option<(String,)> =
            sqlx::query_as("SELECT story_slug FROM referral_codes WHERE code = $1")
                .bind(code.as_str())
                .fetch_optional(&self.pool)
                .await?;
        let Some((story_slug,)) = story else {
            return Ok(None);
        };
        let sql = format!(
            "SELECT CAST(COALESCE(SUM({NET}), 0) AS BIGINT), \
             CAST(COUNT(DISTINCT d.id) AS BIGINT) \
             FROM payments p JOIN donations d ON d.id = p.donation_id \
             WHERE d.referral_code = $1 AND {NET} > 0"
        );
        let (raised_minor, gifts): (i64, i64) = sqlx::query_as(&sql)
            .bind(code.as_str())
            .fetch_one(&self.pool)
            .await?;
        Ok(Some(ReferralTotals {
            story_slug,
            raised_minor: non_negative("payments", "amount_minor", raised_minor)?,
            gifts: non_negative("donations", "gifts", gifts)?,
        }))
    }
}

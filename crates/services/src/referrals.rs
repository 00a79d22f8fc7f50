//! Personal share links: a supporter asks for a code for a story, shares the story's address
//! with it (`?ref=CODE`), and the code's page shows what gifts made through it have raised and
//! how many there were, never who gave.

use rand::Rng;

use sharecare_db::{Database, DbError, ReferralTotals};
use sharecare_domain::identifiers::ReferralCode;
use sharecare_domain::time::Timestamp;

/// Issues share codes and reads their totals.
pub struct Referrals {
    db: Database,
}

impl Referrals {
    pub fn new(db: Database) -> Referrals {
        Referrals { db }
    }

    /// A new random code for `story_slug`. A clash with an existing code (about one in 10^15)
    /// draws again; `None` if three draws clash, which means something else is wrong.
    pub async fn issue(&self, story_slug: &str) -> Result<Option<ReferralCode>, DbError> {
        for _ in 0..3 {
            let code = ReferralCode::from_random(rand::rng().random());
            if self
                .db
                .insert_referral_code(&code, story_slug, Timestamp::now())
                .await?
            {
                return Ok(Some(code));
            }
        }
        Ok(None)
    }

    /// The code's story and what gifts made through it have raised; `None` for a code that
    /// was never issued.
    pub async fn totals(&self, code: &ReferralCode) -> Result<Option<ReferralTotals>, DbError> {
        self.db.referral_totals(code).await
    }
}

//! What instances share besides donations: rate-limit counters, the server's own secrets, and
//! notifications of changes.

use std::time::Duration;

use super::{non_negative, Database, DbError};
use sharecare_domain::time::Timestamp;

/// One attempt counted in the current window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Attempts in this window, this one included.
    pub hits: u64,
    /// Attempts in the window before.
    pub previous: u64,
    /// How much of this window has passed, 0 to 1.
    pub elapsed: f64,
    /// Until the window ends.
    pub window_left: Duration,
}

impl Hit {
    /// Attempts in the last full window's length, estimated (a sliding-window counter): this
    /// window's, plus the previous window's in proportion to the part of it still within reach.
    /// Fixed windows alone would let twice the allowance through across a window's edge.
    pub fn sliding(&self) -> f64 {
        self.hits as f64 + self.previous as f64 * (1.0 - self.elapsed)
    }
}

impl Database {
    /// Counts one hit on `key` in the current fixed window of `window`, atomically (two
    /// instances counting at once both see the sum).
    pub async fn count_hit(&self, key: &str, window: Duration) -> Result<Hit, DbError> {
        let now = Timestamp::now().as_millis();
        let length = i64::try_from(window.as_millis())
            .unwrap_or(i64::MAX / 2)
            .max(1);
        let start = now - now.rem_euclid(length);
        let (hits,): (i64,) = sqlx::query_as(
            "INSERT INTO rate_limit_hits (key, window_start, hits) VALUES ($1, $2, 1) \
             ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limit_hits.hits + 1 \
             RETURNING hits",
        )
        .bind(key)
        .bind(start)
        .fetch_one(&self.pool)
        .await?;
        let previous: Option<(i64,)> =
            sqlx::query_as("SELECT hits FROM rate_limit_hits WHERE key = $1 AND window_start = $2")
                .bind(key)
                .bind(start - length)
                .fetch_optional(&self.pool)
                .await?;
        Ok(Hit {
            hits: non_negative("rate_limit_hits", "hits", hits)?,
            previous: non_negative("rate_limit_hits", "hits", previous.map_or(0, |(n,)| n))?,
            elapsed: (now - start) as f64 / length as f64,
            window_left: Duration::from_millis(u64::try_from(start + length - now).unwrap_or(0)),
        })
    }

    /// Deletes counters of windows that began before `before`.
    pub async fn delete_old_hits(&self, before: Timestamp) -> Result<u64, DbError> {
        Ok(
            sqlx::query("DELETE FROM rate_limit_hits WHERE window_start < $1")
                .bind(before)
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }

    /// Sends a PostgreSQL notification (see `server::changes`); delivered when it commits.
    pub async fn notify(&self, channel: &str, payload: &str) -> Result<(), DbError> {
        sqlx::query("SELECT CAST(pg_notify($1, $2) AS TEXT)")
            .bind(channel)
            .bind(payload)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The secret called `name`: `candidate` is stored if none is yet (the first instance to
    /// start wins), and whichever is stored is returned, so every instance uses the same one.
    pub async fn server_secret(&self, name: &str, candidate: &str) -> Result<String, DbError> {
        sqlx::query(
            "INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(candidate)
        .bind(Timestamp::now())
        .execute(&self.pool)
        .await?;
        let (value,): (String,) =
            sqlx::query_as("SELECT value FROM server_secrets WHERE name = $1")
                .bind(name)
                .fetch_one(&self.pool)
                .await?;
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_previous_window_counts_in_proportion_to_what_is_left_of_it() {
        let hit = |hits, previous, elapsed| Hit {
            hits,
            previous,
            elapsed,
            window_left: Duration::ZERO,
        };
        // Five tries just before a window's edge and one just after: still six, not one.
        assert!((hit(1, 5, 0.05).sliding() - 5.75).abs() < 1e-9);
        assert!((hit(3, 0, 0.5).sliding() - 3.0).abs() < 1e-9);
        assert!((hit(2, 4, 1.0).sliding() - 2.0).abs() < 1e-9);
    }
}

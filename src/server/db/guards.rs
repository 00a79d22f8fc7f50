//! What instances share besides donations: rate-limit counters, the server's own secrets, and
//! notifications of changes.

use std::time::Duration;

use super::{non_negative, Database, DbError};
use crate::server::clock::now_millis;

/// One attempt counted in the current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Attempts in this window, this one included.
    pub hits: u64,
    /// Until the window ends.
    pub window_left: Duration,
}

impl Database {
    /// Counts one hit on `key` in the current fixed window of `window`, atomically (two
    /// instances counting at once both see the sum).
    pub async fn count_hit(&self, key: &str, window: Duration) -> Result<Hit, DbError> {
        let now = now_millis();
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
        Ok(Hit {
            hits: non_negative("rate_limit_hits", "hits", hits)?,
            window_left: Duration::from_millis(u64::try_from(start + length - now).unwrap_or(0)),
        })
    }

    /// Deletes counters of windows that began before `before` (Unix milliseconds).
    pub async fn delete_old_hits(&self, before: i64) -> Result<u64, DbError> {
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
        .bind(now_millis())
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

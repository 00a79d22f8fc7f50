//! Staff's and donors' sessions, kept in the site's database through tower-sessions: this is its store over
//! our `Database` (SQLite or PostgreSQL alike), so sessions survive restarts and are shared by
//! every instance. The session layer makes ids, sets the cookie and slides the idle expiry;
//! new sessions are created, existing ones only updated.

use async_trait::async_trait;
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};

use sharecare_db::{Database, DbError, SessionRecord, SessionTable};

#[derive(Debug, Clone)]
pub struct DatabaseSessionStore {
    db: Database,
    table: SessionTable,
}

impl DatabaseSessionStore {
    /// Staff's or donors' sessions.
    pub fn new(db: Database, table: SessionTable) -> DatabaseSessionStore {
        DatabaseSessionStore { db, table }
    }
}

fn backend(error: DbError) -> session_store::Error {
    session_store::Error::Backend(error.to_string())
}

fn stored(record: &Record) -> session_store::Result<SessionRecord> {
    Ok(SessionRecord {
        data: serde_json::to_string(&record.data)
            .map_err(|error| session_store::Error::Encode(error.to_string()))?,
        expires_at: record.expiry_date.unix_timestamp(),
    })
}

#[async_trait]
impl SessionStore for DatabaseSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let row = stored(record)?;
        // A new id until one is free (a clash of 128 random bits is theoretical, but cheap to
        // rule out).
        while !self
            .db
            .create_session(self.table, &record.id.to_string(), &row)
            .await
            .map_err(backend)?
        {
            record.id = Id::default();
        }
        Ok(())
    }

    /// Update-only: a request that was in flight while its session was signed out (or expired
    /// and deleted) cannot write it back (issue 23, finding 5). Its response then carries a
    /// cookie for a session that no longer exists, which opens nothing.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let saved = self
            .db
            .save_session(self.table, &record.id.to_string(), &stored(record)?)
            .await
            .map_err(backend)?;
        if !saved {
            tracing::info!("a session ended while one of its requests was in flight; not saved");
        }
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let Some(row) = self
            .db
            .load_session(self.table, &id.to_string(), now)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        Ok(Some(Record {
            id: *id,
            data: serde_json::from_str(&row.data)
                .map_err(|error| session_store::Error::Decode(error.to_string()))?,
            expiry_date: OffsetDateTime::from_unix_timestamp(row.expires_at)
                .map_err(|error| session_store::Error::Decode(error.to_string()))?,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.db
            .delete_session(self.table, &id.to_string())
            .await
            .map_err(backend)
    }
}

#[async_trait]
impl ExpiredDeletion for DatabaseSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        self.db
            .delete_expired_sessions(self.table, now)
            .await
            .map(|_| ())
            .map_err(backend)
    }
}

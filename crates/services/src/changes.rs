//! News of changes, for every instance: the campaign's totals moved, or one donation's status
//! did. On PostgreSQL an announcement is a `NOTIFY`, and each instance `LISTEN`s and hands what
//! it hears to its own subscribers (open pages' streams), so a payment recorded by one instance
//! reaches pages held open on another at once. On SQLite (one instance) it goes straight to the
//! subscribers. The periodic re-read of the totals stays only as a fallback.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::{broadcast, watch};

use sharecare_db::{Backend, Database};

/// The notification channel every instance listens on.
const CHANNEL: &str = "sharecare_changes";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Paid, refunded or disputed money: the totals are to be read again.
    Totals,
    /// This donation's status may have changed (by its id).
    Donation(String),
}

impl Change {
    fn payload(&self) -> String {
        match self {
            Change::Totals => "totals".to_string(),
            Change::Donation(id) => format!("donation:{id}"),
        }
    }

    fn parse(payload: &str) -> Option<Change> {
        match payload.split_once(':') {
            None if payload == "totals" => Some(Change::Totals),
            Some(("donation", id)) if !id.is_empty() => Some(Change::Donation(id.to_string())),
            _ => None,
        }
    }
}

pub struct Changes {
    db: Database,
    local: broadcast::Sender<Change>,
}

impl Changes {
    pub fn new(db: Database) -> Changes {
        let (local, _) = broadcast::channel(1_024);
        Changes { db, local }
    }

    /// Tells every instance (this one included) about a change.
    pub async fn announce(&self, change: Change) {
        if self.db.backend() == Backend::Postgres {
            match self.db.notify(CHANNEL, &change.payload()).await {
                // This instance hears its own notification through its listener.
                Ok(()) => return,
                Err(error) => {
                    crate::warn_throttled!("notify", %error, "cannot announce a change to other instances");
                }
            }
        }
        let _ = self.local.send(change);
    }

    /// Changes as they are announced, by any instance.
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.local.subscribe()
    }

    /// PostgreSQL: listens for every instance's announcements until `stopping`, reconnecting
    /// after a lost connection (and then telling subscribers to catch up, since notifications
    /// sent meanwhile are lost).
    pub async fn listen(self: Arc<Self>, url: String, mut stopping: watch::Receiver<bool>) {
        loop {
            let mut listener = match PgListener::connect(&url).await {
                Ok(listener) => listener,
                Err(error) => {
                    crate::warn_throttled!("listen", %error, "cannot listen for changes; trying again");
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_secs(1)) => continue,
                        _ = stopping.changed() => return,
                    }
                }
            };
            if let Err(error) = listener.listen(CHANNEL).await {
                crate::warn_throttled!("listen", %error, "cannot listen for changes; trying again");
                continue;
            }
            let _ = self.local.send(Change::Totals);
            loop {
                tokio::select! {
                    notification = listener.try_recv() => match notification {
                        Ok(Some(notification)) => {
                            if let Some(change) = Change::parse(notification.payload()) {
                                let _ = self.local.send(change);
                            }
                        }
                        // The connection was lost: listen again (and catch up).
                        Ok(None) | Err(_) => break,
                    },
                    _ = stopping.changed() => return,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announcements_read_back() {
        for change in [Change::Totals, Change::Donation("0123abcd".into())] {
            assert_eq!(Change::parse(&change.payload()), Some(change));
        }
        assert_eq!(Change::parse("donation:"), None);
        assert_eq!(Change::parse("something else"), None);
    }
}

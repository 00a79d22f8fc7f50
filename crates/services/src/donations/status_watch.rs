//! One watcher per watched donation, however many pages watch it. A gift's page follows its
//! status over server-sent events; the change may happen on another instance, which announces
//! it (see `server::changes`), and the watcher reads the status then. A slow read every few
//! seconds remains for changes nobody announced (staff's `mark-paid` on SQLite).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{broadcast, watch, Notify};
use tokio::time::MissedTickBehavior;

use crate::changes::Change;
use sharecare_db::Database;
use sharecare_domain::status::DonationStatus;

/// How long one donation is watched at most (a page left open on "being confirmed").
const WATCH_FOR: Duration = Duration::from_secs(10 * 60);
/// The fallback read, for changes nobody announced.
const FALLBACK_EVERY: Duration = Duration::from_secs(5);

struct Watched {
    sender: watch::Sender<Option<DonationStatus>>,
    /// Woken when the donation's change is announced.
    poke: Arc<Notify>,
}

pub struct StatusWatchers {
    db: Database,
    watched: Mutex<HashMap<String, Watched>>,
    queries: AtomicU64,
}

impl StatusWatchers {
    pub fn new(db: Database) -> StatusWatchers {
        StatusWatchers {
            db,
            watched: Mutex::new(HashMap::new()),
            queries: AtomicU64::new(0),
        }
    }

    /// The donation's status as last read (`None` before the first read); the sender closes
    /// when the status is final, nobody watches, or ten minutes pass.
    pub fn watch(self: &Arc<Self>, donation_id: &str) -> watch::Receiver<Option<DonationStatus>> {
        let mut watched = self.watched.lock().expect("watchers lock");
        if let Some(entry) = watched.get(donation_id) {
            return entry.sender.subscribe();
        }
        let (sender, receiver) = watch::channel(None);
        let poke = Arc::new(Notify::new());
        watched.insert(
            donation_id.to_string(),
            Watched {
                sender: sender.clone(),
                poke: poke.clone(),
            },
        );
        tokio::spawn(self.clone().follow(donation_id.to_string(), sender, poke));
        receiver
    }

    /// Database reads made by the watchers since start.
    pub fn queries(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    /// Wakes the watcher of each donation whose change is announced, until the announcements
    /// end (the server stops).
    pub async fn hear(self: Arc<Self>, mut changes: broadcast::Receiver<Change>) {
        loop {
            match changes.recv().await {
                Ok(Change::Donation(id)) => {
                    let watched = self.watched.lock().expect("watchers lock");
                    if let Some(entry) = watched.get(&id) {
                        entry.poke.notify_one();
                    }
                }
                Ok(Change::Totals) => {}
                // Missed some: read every watched donation again.
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    for entry in self.watched.lock().expect("watchers lock").values() {
                        entry.poke.notify_one();
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    }

    async fn follow(
        self: Arc<Self>,
        donation_id: String,
        sender: watch::Sender<Option<DonationStatus>>,
        poke: Arc<Notify>,
    ) {
        let mut ticks = tokio::time::interval(FALLBACK_EVERY);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let until = tokio::time::Instant::now() + WATCH_FOR;
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                () = poke.notified() => {}
                () = tokio::time::sleep_until(until) => {
                    self.forget(&donation_id, &sender);
                    return;
                }
            }
            if self.stop_if_unwatched(&donation_id, &sender) {
                return;
            }
            self.queries.fetch_add(1, Ordering::Relaxed);
            let status = match self.db.donation_by_id(&donation_id).await {
                Ok(donation) => donation.map(|donation| donation.status),
                Err(error) => {
                    crate::warn_throttled!("status-watch", %error, "cannot read a watched donation's status");
                    None
                }
            };
            if let Some(status) = status {
                sender.send_if_modified(|current| {
                    let changed = *current != Some(status);
                    *current = Some(status);
                    changed
                });
                if status.is_final() {
                    self.forget(&donation_id, &sender);
                    return;
                }
            }
        }
    }

    /// Ends the watcher when no page watches any more (checked under the lock, so a page that
    /// starts watching meanwhile gets a watcher of its own).
    fn stop_if_unwatched(
        &self,
        donation_id: &str,
        sender: &watch::Sender<Option<DonationStatus>>,
    ) -> bool {
        let mut watched = self.watched.lock().expect("watchers lock");
        if sender.receiver_count() == 0 {
            if watched
                .get(donation_id)
                .is_some_and(|entry| entry.sender.same_channel(sender))
            {
                watched.remove(donation_id);
            }
            return true;
        }
        false
    }

    fn forget(&self, donation_id: &str, sender: &watch::Sender<Option<DonationStatus>>) {
        let mut watched = self.watched.lock().expect("watchers lock");
        if watched
            .get(donation_id)
            .is_some_and(|entry| entry.sender.same_channel(sender))
        {
            watched.remove(donation_id);
        }
    }
}

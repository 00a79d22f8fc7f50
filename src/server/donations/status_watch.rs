//! One poller per watched donation, however many pages watch it: a gift's page follows its
//! status over server-sent events, and the webhook confirming it may land on another instance,
//! so the status is read from the database once a second, by one task, for all of them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use crate::domain::identifiers::Reference;
use crate::domain::status::DonationStatus;
use crate::server::db::Database;

/// How long one donation is watched at most (a page left open on "being confirmed").
const WATCH_FOR: Duration = Duration::from_secs(10 * 60);
const EVERY: Duration = Duration::from_secs(1);

type Watched = HashMap<Reference, watch::Sender<Option<DonationStatus>>>;

pub struct StatusWatchers {
    db: Database,
    watched: Mutex<Watched>,
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

    /// The donation's status as the poller last read it (`None` before its first read); the
    /// sender closes when the status is final, nobody watches, or ten minutes pass.
    pub fn watch(
        self: &Arc<Self>,
        reference: &Reference,
    ) -> watch::Receiver<Option<DonationStatus>> {
        let mut watched = self.watched.lock().expect("watchers lock");
        if let Some(sender) = watched.get(reference) {
            return sender.subscribe();
        }
        let (sender, receiver) = watch::channel(None);
        watched.insert(reference.clone(), sender.clone());
        tokio::spawn(self.clone().poll(reference.clone(), sender));
        receiver
    }

    /// Database reads made by the pollers since start (one a second per watched donation).
    pub fn queries(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    async fn poll(
        self: Arc<Self>,
        reference: Reference,
        sender: watch::Sender<Option<DonationStatus>>,
    ) {
        let mut ticks = tokio::time::interval(EVERY);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let until = tokio::time::Instant::now() + WATCH_FOR;
        loop {
            ticks.tick().await;
            if self.stop_if_unwatched(&reference, &sender) {
                return;
            }
            self.queries.fetch_add(1, Ordering::Relaxed);
            let status = match self.db.donation_by_reference(&reference).await {
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
                    self.forget(&reference, &sender);
                    return;
                }
            }
            if tokio::time::Instant::now() >= until {
                self.forget(&reference, &sender);
                return;
            }
        }
    }

    /// Ends the poller when no page watches any more (checked under the lock, so a page that
    /// starts watching meanwhile gets a poller of its own).
    fn stop_if_unwatched(
        &self,
        reference: &Reference,
        sender: &watch::Sender<Option<DonationStatus>>,
    ) -> bool {
        let mut watched = self.watched.lock().expect("watchers lock");
        if sender.receiver_count() == 0 {
            if watched
                .get(reference)
                .is_some_and(|kept| kept.same_channel(sender))
            {
                watched.remove(reference);
            }
            return true;
        }
        false
    }

    fn forget(&self, reference: &Reference, sender: &watch::Sender<Option<DonationStatus>>) {
        let mut watched = self.watched.lock().expect("watchers lock");
        if watched
            .get(reference)
            .is_some_and(|kept| kept.same_channel(sender))
        {
            watched.remove(reference);
        }
    }
}

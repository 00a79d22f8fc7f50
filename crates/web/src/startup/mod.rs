//! Putting the application together (the composition root): content, database, services,
//! state, router and listener; then serving until asked to stop.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::http::build_router;
use crate::http::observe::{bind_metrics, serve_metrics};
use crate::http::serve::serve;
use secrecy::ExposeSecret;
use sharecare_content::ContentError;
use sharecare_db::{Backend, Database, DbError};
use sharecare_domain::secrets::random_hex;
use sharecare_domain::time::current_year;
use sharecare_services::assets::AssetManifest;
use sharecare_services::backups::{Backups, SiteLock};
use sharecare_services::changes::Changes;
use sharecare_services::config::Protection;
use sharecare_services::config::Settings;
use sharecare_services::donations::Donations;
use sharecare_services::donors::Donors;
use sharecare_services::form_guard::FormGuard;
use sharecare_services::limits::{Limits, StreamGate};
use sharecare_services::mailer::MailSetupError;
use sharecare_services::metrics;
use sharecare_services::payment::stripe::StripeSettings;
use sharecare_services::payment::Payments;
use sharecare_services::receipts::{MailContext, ReceiptSeal, ReceiptSender};
use sharecare_services::reconciliation::Reconciler;
use sharecare_services::records::Records;
use sharecare_services::referrals::Referrals;
use sharecare_services::retention::Retention;
use sharecare_services::share_images::ShareImages;
use sharecare_services::state::{AppState, SiteInfo};
use sharecare_services::supervise::spawn_supervised;

/// Why the server could not start. Printed as one line; never a panic trace.
#[derive(Debug)]
pub enum StartupError {
    Content(ContentError),
    Database(DbError),
    Receipts(MailSetupError),
    /// The lock a restore checks for could not be taken on the SQLite file's folder.
    Lock(std::io::Error),
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

impl fmt::Display for StartupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartupError::Content(error) => write!(f, "content error in {error}"),
            StartupError::Database(error) => write!(f, "database error: {error}"),
            StartupError::Receipts(error) => write!(f, "receipt email: {error}"),
            StartupError::Lock(error) => {
                write!(
                    f,
                    "cannot mark the database as in use by this site: {error}"
                )
            }
            StartupError::Bind { addr, source } => write!(f, "cannot listen on {addr}: {source}"),
        }
    }
}

impl std::error::Error for StartupError {}

mod core;
pub use core::Core;

/// A built application, bound to its port but not yet serving.
pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
    database: Database,
    protection: Protection,
    stop_signals: StopSignals,
    stopping: watch::Sender<bool>,
    /// The supervised background tasks, stopped with the server.
    background: Vec<JoinHandle<()>>,
    metrics_addr: Option<SocketAddr>,
    /// Held while the site runs, so `sharecare restore` refuses to replace its database.
    _site_lock: Option<SiteLock>,
}

impl Application {
    /// Loads and checks the content, then binds. Port 0 binds a free port (tests).
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        let content = Core::load_content(&settings)?;
        if !AssetManifest::site_is_built(&settings.site_root) {
            tracing::warn!(site_root = %settings.site_root.display(), "no built site found: pages render, but styles and scripts will be missing (run the README's run command)");
        }
        let listener = TcpListener::bind(settings.site_addr)
            .await
            .map_err(|source| StartupError::Bind {
                addr: settings.site_addr,
                source,
            })?;
        // Listen for SIGTERM/SIGINT before anyone can learn the server is up: a signal that
        // arrives between "serving" and the first poll of a lazily made listener would kill
        // the process instead of stopping it gracefully.
        let stop_signals = StopSignals::listen();
        let site_lock =
            SiteLock::for_site(settings.database_url.expose()).map_err(StartupError::Lock)?;
        let Core {
            content,
            database,
            payments,
            limits,
            changes,
            donations,
            staff,
            mailer,
        } = Core::assemble(&settings, content).await?;
        tracing::info!(backend = ?database.backend(), url = %settings.database_url, "database ready");
        let protection = settings.protection.clone();
        let form_guard = FormGuard::new(
            &database,
            protection
                .form_secret
                .as_ref()
                .map(ExposeSecret::expose_secret),
            protection.form_min_age,
            protection.form_max_age,
        )
        .await
        .map_err(StartupError::Database)?;
        // Keys every instance shares: made by the first to start, kept in the database.
        let seal_key = database
            .server_secret("receipt_seal", &random_hex::<32>())
            .await
            .map_err(StartupError::Database)?;
        let sign_in_key = database
            .server_secret("donor_sign_in", &random_hex::<32>())
            .await
            .map_err(StartupError::Database)?;
        let seal = ReceiptSeal::new(seal_key.as_bytes());
        let receipts = Arc::new(ReceiptSender::new(
            database.clone(),
            content.clone(),
            mailer.clone(),
            settings.outbox,
            donations.receipts_due(),
            MailContext {
                seal: seal.clone(),
                public_base_url: settings.public_base_url.clone(),
            },
        ));
        let donors = Arc::new(Donors::new(
            database.clone(),
            content.clone(),
            payments.clone(),
            limits.clone(),
            mailer,
            sign_in_key.as_bytes(),
            seal,
            &settings.public_base_url,
        ));
        let metrics = match settings.metrics_addr {
            Some(address) => {
                let listener =
                    bind_metrics(address)
                        .await
                        .map_err(|source| StartupError::Bind {
                            addr: address,
                            source,
                        })?;
                metrics::install().map(|handle| (listener, handle))
            }
            None => None,
        };
        if settings.smtp_url.is_none() {
            tracing::warn!("no SMTP_URL set: receipts stay in the outbox until one is");
        }
        let (stopping, stopping_receiver) = watch::channel(false);
        let assets = AssetManifest::beside_current_exe();
        let checkout_origin = settings
            .stripe
            .as_ref()
            .map(StripeSettings::checkout_origin);
        let state = AppState {
            leptos_options: settings.leptos_options(assets.hashed),
            content: content.clone(),
            donations: donations.clone(),
            payments,
            referrals: Arc::new(Referrals::new(database.clone())),
            form_guard: Arc::new(form_guard),
            limits: limits.clone(),
            streams: Arc::new(StreamGate::new(
                protection.streams_max,
                protection.streams_per_address,
            )),
            protection: Arc::new(protection.clone()),
            share_images: Arc::new(ShareImages::new(&settings.site_root)),
            staff,
            records: Arc::new(Records::new(database.clone(), content.clone())),
            donors: donors.clone(),
            page_cache: Arc::new(sharecare_services::page_cache::PageCache::default()),
            stopping: stopping_receiver,
            site: Arc::new(SiteInfo {
                public_base_url: settings.public_base_url.clone(),
                css_href: assets.css_href,
                copyright_year: current_year(),
                checkout_origin,
                admin_cookie_secure: settings.admin_cookie_secure,
            }),
        };
        let background = Background {
            database: database.clone(),
            donations,
            receipts,
            limits,
            changes,
            payments: state.payments.clone(),
            donors: state.donors.clone(),
            stopping: state.stopping.clone(),
        }
        .start(&settings);
        let metrics_addr = match metrics {
            Some((listener, handle)) => {
                let address = listener.local_addr().ok();
                tokio::spawn(serve_metrics(
                    listener,
                    database.clone(),
                    state.streams.clone(),
                    handle,
                    state.stopping.clone(),
                ));
                address
            }
            None => None,
        };
        Ok(Application {
            listener,
            router: build_router(state.clone()),
            state,
            database,
            protection,
            stop_signals,
            stopping,
            background,
            metrics_addr,
            _site_lock: site_lock,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// What the handlers share (tests use it to act as staff would, e.g. marking gifts paid).
    pub fn state(&self) -> AppState {
        self.state.clone()
    }

    /// The database the application uses (tests count rows, or close it to play an outage).
    pub fn database(&self) -> Database {
        self.database.clone()
    }

    /// Where `/metrics` is served, when `METRICS_ADDR` is set.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    /// Serves until SIGINT or SIGTERM, then ends endless responses (the progress stream),
    /// lets requests in flight finish (at most `SHUTDOWN_DRAIN_SECONDS`) and returns.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Application {
            listener,
            router,
            protection,
            stop_signals,
            stopping,
            background,
            _site_lock: site_lock,
            ..
        } = self;
        let stop = async move {
            stop_signals.received().await;
            let _ = stopping.send(true);
        };
        serve(
            listener,
            router,
            protection.header_timeout,
            protection.shutdown_drain,
            stop,
        )
        .await;
        // The background tasks end when they see the server stopping (a receipt being sent is
        // finished first); they get the same drain deadline as requests.
        let finished = futures_util::future::join_all(background);
        if tokio::time::timeout(protection.shutdown_drain, finished)
            .await
            .is_err()
        {
            tracing::warn!("background work still running at the drain deadline was cut off");
        }
        // Only now may a restore replace the database.
        drop(site_lock);
        Ok(())
    }
}

/// The work that runs beside the requests, each task supervised (restarted after a panic).
struct Background {
    database: Database,
    donations: Arc<Donations>,
    receipts: Arc<ReceiptSender>,
    limits: Arc<Limits>,
    changes: Arc<Changes>,
    payments: Arc<Payments>,
    donors: Arc<Donors>,
    stopping: watch::Receiver<bool>,
}

impl Background {
    fn start(self, settings: &Settings) -> Vec<JoinHandle<()>> {
        let Background {
            database,
            donations,
            receipts,
            limits,
            changes,
            payments,
            donors,
            stopping,
        } = self;
        let mut tasks = Vec::new();
        let stop = stopping.clone();
        tasks.push(spawn_supervised("receipts", stopping.clone(), move || {
            receipts.clone().run(stop.clone())
        }));
        let (follower, stop) = (donations.clone(), stopping.clone());
        tasks.push(spawn_supervised("changes", stopping.clone(), move || {
            let follower = follower.clone();
            let mut stop = stop.clone();
            async move {
                tokio::select! {
                    () = follower.follow_changes() => {}
                    _ = stop.changed() => {}
                }
            }
        }));
        if database.backend() == Backend::Postgres {
            let (url, listener, stop) = (
                settings.database_url.expose().to_string(),
                changes.clone(),
                stopping.clone(),
            );
            tasks.push(spawn_supervised("listen", stopping.clone(), move || {
                listener.clone().listen(url.clone(), stop.clone())
            }));
        }
        let (refresher, stop, every) = (
            donations.clone(),
            stopping.clone(),
            settings.progress_refresh,
        );
        tasks.push(spawn_supervised(
            "totals-fallback",
            stopping.clone(),
            move || refresh_progress_now_and_then(refresher.clone(), every, stop.clone()),
        ));
        let retention = Arc::new(Retention {
            db: database.clone(),
            donations: donations.clone(),
            limits,
            donors,
        });
        let (stop, every) = (stopping.clone(), settings.protection.retention_sweep);
        tasks.push(spawn_supervised("retention", stopping.clone(), move || {
            retention.clone().run(every, stop.clone())
        }));
        let backups = Arc::new(Backups::new(
            database.clone(),
            settings.database_url.clone(),
            settings.backups.clone(),
        ));
        let stop = stopping.clone();
        tasks.push(spawn_supervised("backups", stopping.clone(), move || {
            backups.clone().run(stop.clone())
        }));
        let reconciler = Arc::new(Reconciler {
            db: database,
            donations,
            payments,
            after: settings.reconcile_after,
            invoices_every: settings.reconcile_invoices_every,
        });
        let (stop, every) = (stopping.clone(), settings.reconcile_every);
        tasks.push(spawn_supervised("reconcile", stopping, move || {
            reconciler.clone().run(every, stop.clone())
        }));
        tasks
    }
}

/// Re-reads the campaign totals now and then: a fallback for changes nobody announced (staff's
/// `mark-paid` on SQLite, a lost notification).
async fn refresh_progress_now_and_then(
    donations: Arc<Donations>,
    every: std::time::Duration,
    mut stopping: watch::Receiver<bool>,
) {
    let mut interval = tokio::time::interval(every);
    interval.tick().await;
    loop {
        tokio::select! {
            _ = interval.tick() => {
                if let Err(error) = donations.refresh_progress().await {
                    sharecare_services::warn_throttled!("progress", %error, "cannot refresh campaign progress");
                }
            }
            // The only change ever sent is "stopping"; a closed channel means stopped too.
            _ = stopping.changed() => break,
        }
    }
}

/// SIGINT and SIGTERM, registered with the OS when created (not when first awaited).
struct StopSignals {
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
}

impl StopSignals {
    fn listen() -> StopSignals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let register = |kind: SignalKind, name: &str| match signal(kind) {
                Ok(signal) => Some(signal),
                Err(error) => {
                    tracing::error!(%error, signal = name, "cannot listen for the stop signal");
                    None
                }
            };
            StopSignals {
                interrupt: register(SignalKind::interrupt(), "SIGINT"),
                terminate: register(SignalKind::terminate(), "SIGTERM"),
            }
        }
        #[cfg(not(unix))]
        StopSignals {}
    }

    async fn received(self) {
        #[cfg(unix)]
        {
            async fn next(signal: Option<tokio::signal::unix::Signal>) {
                match signal {
                    Some(mut signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            }
            tokio::select! {
                () = next(self.interrupt) => {},
                () = next(self.terminate) => {},
            }
        }
        #[cfg(not(unix))]
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
        tracing::info!("shutting down: finishing requests in flight");
    }
}

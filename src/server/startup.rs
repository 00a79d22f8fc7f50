//! Building the application: content, state, router, listener.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::{middleware, Router};
use leptos_axum::{file_and_error_handler, generate_route_list, LeptosRoutes};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::app::{shell, App};
use crate::content::{self, Content, ContentError};
use crate::server::assets::AssetManifest;
use crate::server::config::Settings;
use crate::server::db::{redact, Database, DbError};
use crate::server::donations::Donations;
use crate::server::payment::Payments;
use crate::server::receipts::{ReceiptSender, ReceiptSetupError};
use crate::server::share_image::{self, ShareImages};
use crate::server::state::{AppState, SiteInfo};
use crate::server::{calendar, discovery, giving, referrals, routes, webhooks};

/// Why the server could not start. Printed as one line; never a panic trace.
#[derive(Debug)]
pub enum StartupError {
    Content(ContentError),
    Database(DbError),
    Receipts(ReceiptSetupError),
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
            StartupError::Bind { addr, source } => write!(f, "cannot listen on {addr}: {source}"),
        }
    }
}

impl std::error::Error for StartupError {}

/// A built application, bound to its port but not yet serving.
pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
    stop_signals: StopSignals,
    stopping: watch::Sender<bool>,
}

impl Application {
    /// Loads and checks the content, then binds. Port 0 binds a free port (tests).
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        let content =
            Arc::new(content::load(&settings.content_dir).map_err(StartupError::Content)?);
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
        let database = Database::connect(&settings.database_url)
            .await
            .map_err(StartupError::Database)?;
        tracing::info!(backend = ?database.backend(), url = %redact(&settings.database_url), "database ready");
        let donations = Donations::new(database.clone(), content.clone())
            .await
            .map_err(StartupError::Database)?;
        let receipts = ReceiptSender::new(
            database,
            content.clone(),
            settings.smtp_url.as_deref(),
            settings.receipt_from.as_deref(),
            settings.outbox_retry_base,
            settings.outbox_lease,
            donations.receipts_due(),
        )
        .map_err(StartupError::Receipts)?;
        if settings.smtp_url.is_none() {
            tracing::warn!(
                "no SMTP_URL set: receipts are written to the log and kept in the outbox"
            );
        }
        let (stopping, stopping_receiver) = watch::channel(false);
        let state = app_state(
            &settings,
            content,
            AssetManifest::beside_current_exe(),
            Arc::new(donations),
            stopping_receiver,
        );
        spawn_progress_refresh(&state, settings.progress_refresh);
        tokio::spawn(receipts.run(state.stopping.clone()));
        Ok(Application {
            listener,
            router: build_router(state.clone()),
            state,
            stop_signals,
            stopping,
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

    /// Serves until SIGINT or SIGTERM, then ends endless responses (the progress stream),
    /// finishes in-flight requests and returns.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Application {
            listener,
            router,
            stop_signals,
            stopping,
            ..
        } = self;
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                stop_signals.received().await;
                let _ = stopping.send(true);
            })
            .await
    }
}

pub fn app_state(
    settings: &Settings,
    content: Arc<Content>,
    assets: AssetManifest,
    donations: Arc<Donations>,
    stopping: watch::Receiver<bool>,
) -> AppState {
    AppState {
        leptos_options: settings.leptos_options(assets.hashed),
        content,
        donations,
        payments: Arc::new(Payments::new(
            &settings.public_base_url,
            settings.stripe.clone(),
        )),
        share_images: Arc::new(ShareImages::new(&settings.site_root)),
        stopping,
        site: Arc::new(SiteInfo {
            public_base_url: settings.public_base_url.clone(),
            css_href: assets.css_href,
            copyright_year: current_year(),
        }),
    }
}

/// Re-reads the campaign totals now and then, so gifts confirmed by another instance (or
/// directly in the database) reach this one's pages and progress stream.
fn spawn_progress_refresh(state: &AppState, every: std::time::Duration) {
    let donations = state.donations.clone();
    let mut stopping = state.stopping.clone();
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        interval.tick().await;
        loop {
            tokio::select! {
                _ = interval.tick() => {
                    if let Err(error) = donations.refresh_progress().await {
                        tracing::warn!(%error, "cannot refresh campaign progress");
                    }
                }
                // The only change ever sent is "stopping"; a closed channel means stopped too.
                _ = stopping.changed() => break,
            }
        }
    });
}

/// The thank-you page's route, as axum spells it.
const THANK_YOU_ROUTE: &str = "/{locale}/donations/{reference}";
/// A share code's page: its handler looks the code up before rendering.
const REFERRAL_ROUTE: &str = "/{locale}/referrals/{code}";
/// A donation form is well under 2 KB; anything far larger is not one.
const FORM_BODY_LIMIT: usize = 16 * 1024;
/// Stripe events are a few KB; a megabyte leaves room without inviting abuse.
const WEBHOOK_BODY_LIMIT: usize = 1024 * 1024;

/// The whole HTTP surface. Kept separate from binding so tests can drive it directly.
pub fn build_router(state: AppState) -> Router {
    let site_root = std::path::PathBuf::from(state.leptos_options.site_root.as_ref());
    let pkg = ServeDir::new(site_root.join("pkg"))
        .precompressed_br()
        .precompressed_gzip();
    let images = ServeDir::new(site_root.join("images"))
        .precompressed_br()
        .precompressed_gzip();
    let leptos_options = state.leptos_options.clone();
    // The thank-you page needs its key checked against the database before it renders, so
    // it has its own handler instead of Leptos's generic one.
    let page_routes: Vec<_> = generate_route_list(App)
        .into_iter()
        .filter(|route| route.path() != THANK_YOU_ROUTE && route.path() != REFERRAL_ROUTE)
        .collect();

    Router::new()
        .route("/", get(routes::redirect_to_reader_language))
        .route("/healthz", get(routes::healthz))
        .route("/api/progress", get(giving::progress_stream))
        .leptos_routes(&state, page_routes, move || shell(leptos_options.clone()))
        // The form's POST shares its address with the page it re-renders on a mistake.
        .route(
            "/{locale}/donate",
            post(giving::submit).layer(DefaultBodyLimit::max(FORM_BODY_LIMIT)),
        )
        .route(THANK_YOU_ROUTE, get(giving::thank_you))
        .route(REFERRAL_ROUTE, get(referrals::referral_page))
        .route(
            "/{locale}/stories/{slug}/share-link",
            post(referrals::create_share_link).layer(DefaultBodyLimit::max(FORM_BODY_LIMIT)),
        )
        .route(
            "/{locale}/donations/{reference}/checkout",
            post(giving::continue_checkout).layer(DefaultBodyLimit::max(FORM_BODY_LIMIT)),
        )
        .route(
            "/api/donations/{reference}/status",
            get(giving::donation_status_stream),
        )
        .route(
            "/webhooks/stripe",
            post(webhooks::stripe_webhook).layer(DefaultBodyLimit::max(WEBHOOK_BODY_LIMIT)),
        )
        .nest_service(
            "/pkg",
            Router::new()
                .fallback_service(pkg)
                .layer(middleware::from_fn_with_state(
                    routes::CACHE_IMMUTABLE,
                    routes::cache_on_success,
                )),
        )
        .nest_service(
            "/images",
            Router::new()
                .fallback_service(images)
                .layer(middleware::from_fn_with_state(
                    routes::CACHE_ONE_DAY,
                    routes::cache_on_success,
                )),
        )
        .route_service(
            "/favicon.ico",
            ServeFile::new(site_root.join("favicon.ico")),
        )
        .route("/robots.txt", get(discovery::robots))
        .route("/sitemap.xml", get(discovery::sitemap))
        .route("/share/{locale}/{file}", get(share_image::share_image))
        .route("/manifest.webmanifest", get(discovery::manifest))
        .fallback(file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            giving::gift_session,
        ))
        .layer(middleware::from_fn(referrals::remember_referral))
        .layer(middleware::from_fn(routes::redirect_trailing_slash))
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            http::header::X_CONTENT_TYPE_OPTIONS,
            http::HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            http::header::REFERRER_POLICY,
            http::HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
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

fn current_year() -> i32 {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    calendar::utc_year(seconds)
}

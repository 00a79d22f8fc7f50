//! What operators look at: `/readyz` (the database answers and is migrated), request metrics
//! by route and status, request ids on every response and log line, and the metrics endpoint
//! on its own address.

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::request_id::{MakeRequestId, RequestId};

use std::sync::Arc;

use sharecare_db::Database;
use sharecare_domain::secrets::random_hex;
use sharecare_services::limits::StreamGate;
use sharecare_services::metrics;
use sharecare_services::state::AppState;

/// `GET /readyz`: 200 when the database answers and has every migration, else 503 (a load
/// balancer then sends readers elsewhere).
pub async fn readyz(State(state): State<AppState>) -> Response {
    let (status, text) = if state.donations.database_ready().await {
        (StatusCode::OK, "ready")
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: the database does not answer",
        )
    };
    (status, [(header::CACHE_CONTROL, "no-store")], text).into_response()
}

/// Middleware: counts each request by route and status, and times it.
pub async fn record_requests(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |path| path.as_str().to_string());
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    ::metrics::counter!("sharecare_http_requests_total", "route" => route.clone(), "status" => status)
        .increment(1);
    ::metrics::histogram!("sharecare_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// Counts a request answered before the middleware above (the page cache's front door, in
/// microseconds: no duration worth recording).
pub fn count_request(route: &'static str, status: StatusCode) {
    ::metrics::counter!(
        "sharecare_http_requests_total",
        "route" => route,
        "status" => status.as_str().to_owned()
    )
    .increment(1);
}

/// Request ids: 8 random bytes as 16 hex digits, unless the proxy in front sent one.
#[derive(Clone, Copy, Default)]
pub struct RandomRequestId;

impl MakeRequestId for RandomRequestId {
    fn make_request_id<B>(&mut self, _request: &axum::http::Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&random_hex::<8>())
            .ok()
            .map(RequestId::new)
    }
}

/// Serves `/metrics` on `listener` until `stopping` turns true.
pub async fn serve_metrics(
    listener: TcpListener,
    db: Database,
    streams: Arc<StreamGate>,
    handle: PrometheusHandle,
    mut stopping: watch::Receiver<bool>,
) {
    let router = Router::new().route(
        "/metrics",
        get(move || {
            let (handle, db, streams) = (handle.clone(), db.clone(), streams.clone());
            async move {
                match metrics::render(&handle, &db, streams.open_streams()).await {
                        Ok(text) => (
                            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                            text,
                        )
                            .into_response(),
                    Err(error) => {
                        sharecare_services::warn_throttled!("metrics", %error, "cannot read the database for metrics");
                        (StatusCode::SERVICE_UNAVAILABLE, handle.render()).into_response()
                    }
                }
            }
        }),
    );
    let stop = async move {
        let _ = stopping.changed().await;
    };
    if let Err(error) = axum::serve(listener, router)
        .with_graceful_shutdown(stop)
        .await
    {
        tracing::warn!(%error, "the metrics listener stopped");
    }
}

/// Binds the metrics listener (at start, so a bad address stops the server).
pub async fn bind_metrics(address: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(address).await
}

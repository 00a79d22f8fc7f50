//! The tests' SMTP sink as a program, for the browser tests (see `end2end/playwright.config.ts`):
//! it accepts every message on an SMTP port and lists what it received as JSON on an HTTP port,
//! so a browser test can read the sign-in code a donor was sent.
//!
//! ```text
//! MAIL_SINK_SMTP_ADDR=127.0.0.1:3103 MAIL_SINK_HTTP_ADDR=127.0.0.1:3104 \
//!   cargo run --features ssr --example mail_sink
//! ```
//! `GET /messages` answers `[{"to": [...], "subject": "...", "text": "..."}]`, oldest first.

// The tests' sink, whole: this program uses only part of it.
#[allow(dead_code)]
#[path = "../tests/api/smtp_sink.rs"]
mod smtp_sink;

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

#[tokio::main]
async fn main() {
    let smtp = std::env::var("MAIL_SINK_SMTP_ADDR").unwrap_or_else(|_| "127.0.0.1:3103".into());
    let http = std::env::var("MAIL_SINK_HTTP_ADDR").unwrap_or_else(|_| "127.0.0.1:3104".into());
    let sink = smtp_sink::SmtpSink::start_on(&smtp).await;
    let listed = sink.clone();
    let router = Router::new()
        .route(
            "/messages",
            get(move || {
                let sink = listed.clone();
                async move {
                    let messages: Vec<Value> = sink
                        .received()
                        .iter()
                        .map(|message| {
                            let (subject, text) = message.parsed();
                            json!({ "to": message.to, "subject": subject, "text": text })
                        })
                        .collect();
                    Json(messages)
                }
            }),
        )
        .route("/healthz", get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind(&http)
        .await
        .expect("the mail sink's HTTP port binds");
    println!("mail sink: SMTP on {smtp}, messages on http://{http}/messages");
    axum::serve(listener, router)
        .await
        .expect("the mail sink serves");
}

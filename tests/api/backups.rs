//! Backups (issue 25): a copy taken while donors give holds every gift acknowledged before it
//! began and passes its check; it restores into a new data folder the site then serves; a
//! restore onto a running site's database is refused; the newest few are kept; the age of the
//! last good one is a metric. SQLite copies are the site's own (`VACUUM INTO`); PostgreSQL's
//! are `pg_dump`'s, read back with `pg_restore`.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use reqwest::StatusCode;
use sqlx::Connection;

use crate::helpers::{
    signed_token, spawn_app_on_url, spawn_app_with, Backend, TestApp, TestDatabase,
};
use sharecare_db::check_sqlite_file;
use sharecare_domain::time::Timestamp;
use sharecare_services::backups::{restore, BackupError, Backups};
use sharecare_services::config::{BackupSettings, SecretUrl};

on_both_databases!(
    a_backup_taken_during_a_burst_holds_every_gift_acknowledged_before_it,
    the_age_of_the_last_good_backup_is_a_metric,
);

const SUBMITS: usize = 5_000;
const AT_ONCE: usize = 16;

/// One pledge through the public form, as a browser with JavaScript off sends it; its
/// reference once the site has answered (acknowledged).
async fn submit(app: &TestApp, i: usize) -> String {
    let email = format!("burst.{i}@example.org");
    let token = signed_token();
    let response = app
        .post_form(
            "/en/donate",
            &[
                ("frequency", "one_off"),
                ("amount", "other"),
                ("custom_amount", "120"),
                ("currency", "HKD"),
                ("email", email.as_str()),
                ("name", "Burst Donor"),
                ("receipt", "own_name"),
                ("payment_method", "offline"),
                ("token", token.as_str()),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "submit {i}");
    let location = response.headers()["location"].to_str().unwrap();
    location
        .split('/')
        .nth(3)
        .and_then(|part| part.split('?').next())
        .expect("the thank-you page names the gift")
        .to_string()
}

fn backups_of(app: &TestApp, url: &str, kept: u32) -> Backups {
    Backups::new(
        app.db.clone(),
        SecretUrl::new(url),
        BackupSettings {
            dir: None,
            kept,
            every: std::time::Duration::ZERO,
        },
    )
}

async fn a_backup_taken_during_a_burst_holds_every_gift_acknowledged_before_it(backend: Backend) {
    let app = Arc::new(spawn_app_with(backend, &[]).await);
    let url = app._database.url.clone();
    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let burst = {
        let (app, acknowledged) = (app.clone(), acknowledged.clone());
        tokio::spawn(async move {
            futures_util::stream::iter(0..SUBMITS)
                .map(|i| {
                    let (app, acknowledged) = (app.clone(), acknowledged.clone());
                    async move {
                        let reference = submit(&app, i).await;
                        acknowledged.lock().unwrap().push(reference);
                    }
                })
                .buffer_unordered(AT_ONCE)
                .collect::<Vec<()>>()
                .await
        })
    };
    // Well into the burst, and with it still going, the backup begins.
    while acknowledged.lock().unwrap().len() < SUBMITS / 3 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let folder = tempfile::tempdir().unwrap();
    let before: Vec<String> = acknowledged.lock().unwrap().clone();
    let taken = backups_of(&app, &url, 5)
        .take(Some(folder.path()), Timestamp::now())
        .await
        .expect("a backup while donors give");
    let after_backup = acknowledged.lock().unwrap().len();
    burst.await.unwrap();
    assert!(
        after_backup < SUBMITS,
        "the backup ran while the burst was still going ({after_backup} of {SUBMITS} done)"
    );
    // The burst's own books: every acknowledged gift stored once.
    assert_eq!(app.donation_count().await, SUBMITS as i64);

    let copied = match backend {
        Backend::Sqlite => {
            let check = check_sqlite_file(&taken.file)
                .await
                .expect("the copy passes integrity_check");
            assert!(check.rows_in("donations") >= before.len() as i64);
            let restored = tempfile::tempdir().unwrap();
            let restored_url = format!(
                "sqlite://{}?mode=rwc",
                restored.path().join("data/sharecare.db").display()
            );
            let done = restore(
                &SecretUrl::new(&restored_url),
                &taken.file,
                Timestamp::now(),
            )
            .await
            .expect("a restore into a new data folder");
            assert!(done.kept_aside.is_none(), "there was nothing to replace");
            let references = sqlite_references(&restored.path().join("data/sharecare.db")).await;
            let site = spawn_app_on_url(&restored_url, &[]).await;
            serves_the_restored_gifts(&site, &references).await;
            // A restore onto the running site's own database is refused, and leaves it be.
            let refused = restore(&SecretUrl::new(&url), &taken.file, Timestamp::now()).await;
            assert!(matches!(refused, Err(BackupError::InUse(_))), "{refused:?}");
            assert_eq!(app.donation_count().await, SUBMITS as i64);
            references
        }
        Backend::Postgres => {
            assert!(taken.file.extension().is_some_and(|e| e == "dump"));
            let restored = TestDatabase::new(Backend::Postgres).await;
            let restored_url = restored.url.clone();
            pg_restore(&taken.file, &restored_url);
            let site = spawn_app_on_url(&restored_url, &[]).await;
            let references = postgres_references(&restored_url).await;
            serves_the_restored_gifts(&site, &references).await;
            let refused = restore(&SecretUrl::new(&url), &taken.file, Timestamp::now()).await;
            assert!(
                matches!(refused, Err(BackupError::NotSqlite)),
                "{refused:?}"
            );
            site.db.close().await;
            references
        }
    };
    let missing: Vec<&String> = before.iter().filter(|r| !copied.contains(*r)).collect();
    assert!(
        missing.is_empty(),
        "{} of the {} gifts acknowledged before the backup began are not in it: {:?}",
        missing.len(),
        before.len(),
        &missing[..missing.len().min(5)]
    );
    assert!(copied.len() <= SUBMITS);
}

/// The restored site is ready and counts the restored gifts.
async fn serves_the_restored_gifts(site: &TestApp, references: &HashSet<String>) {
    assert_eq!(site.get("/readyz").await.status(), StatusCode::OK);
    assert_eq!(site.get("/en").await.status(), StatusCode::OK);
    assert_eq!(site.donation_count().await, references.len() as i64);
}

async fn sqlite_references(file: &Path) -> HashSet<String> {
    let mut connection =
        sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=ro", file.display()))
            .await
            .unwrap();
    let rows: Vec<(String,)> = sqlx::query_as("SELECT reference FROM donations")
        .fetch_all(&mut connection)
        .await
        .unwrap();
    rows.into_iter().map(|(reference,)| reference).collect()
}

async fn postgres_references(url: &str) -> HashSet<String> {
    let mut connection = sqlx::PgConnection::connect(url).await.unwrap();
    let rows: Vec<(String,)> = sqlx::query_as("SELECT reference FROM donations")
        .fetch_all(&mut connection)
        .await
        .unwrap();
    rows.into_iter().map(|(reference,)| reference).collect()
}

/// The operator's restore, as docs/operating.md gives it.
fn pg_restore(dump: &Path, url: &str) {
    let status = std::process::Command::new("pg_restore")
        .arg("--no-owner")
        .arg("--exit-on-error")
        .arg("--dbname")
        .arg(url)
        .arg(dump)
        .status()
        .expect("pg_restore runs");
    assert!(status.success(), "pg_restore: {status}");
}

async fn the_age_of_the_last_good_backup_is_a_metric(backend: Backend) {
    let app = spawn_app_with(backend, &[("METRICS_ADDR", "127.0.0.1:0".to_string())]).await;
    let url = app._database.url.clone();
    let metrics = app.metrics_address.clone().expect("metrics are on");
    let age = || async {
        let text = reqwest::get(format!("{metrics}/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .find_map(|line| line.strip_prefix("sharecare_last_backup_age_seconds "))
            .expect("the metric is there")
            .to_string()
    };
    // Never backed up: infinitely old (Prometheus reads the exporter's `inf` as +Inf).
    assert_eq!(age().await.parse::<f64>(), Ok(f64::INFINITY));
    let folder = tempfile::tempdir().unwrap();
    let backups = backups_of(&app, &url, 2);
    let started = std::time::Instant::now();
    let mut taken = Vec::new();
    for _ in 0..3 {
        taken.push(
            backups
                .take(Some(folder.path()), Timestamp::now())
                .await
                .unwrap(),
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    // No older than the first of these backups.
    let seconds: f64 = age().await.parse().unwrap();
    assert!(
        (0.0..=started.elapsed().as_secs_f64() + 1.0).contains(&seconds),
        "{seconds}"
    );
    // Only the newest two are kept; the third removed the first.
    assert_eq!(taken[2].removed, vec![taken[0].file.clone()]);
    assert!(!taken[0].file.exists() && taken[1].file.exists() && taken[2].file.exists());
}

//! Donation throughput, on the embedded SQLite database or on PostgreSQL with several instances.
//!
//! Starts the real application (release build, a temporary SQLite file unless `--database` names
//! another, the repository's content), posts donation forms over HTTP from concurrent clients,
//! each with its own form token, then counts the rows: every accepted gift must be stored
//! exactly once. Commits are durable (SQLite `synchronous=FULL`, PostgreSQL's default), as in
//! production.
//!
//! ```text
//! ./scripts/bench                      # 20,000 submits from 32 clients, limits raised
//! ./scripts/bench --requests 50000 --concurrency 64
//! ./scripts/bench --limits on          # the default limits: only 2xx and 429 may come back
//! ./scripts/bench --database postgres://postgres@127.0.0.1:5432/test --instances 2
//! ```
//!
//! With `--instances N` the clients take turns over N instances on the one database (as a load
//! balancer would); each instance's accepted submits are counted, and the rows added to the
//! database must equal their sum.
//!
//! All clients come from one address, so the rate limits are raised for the throughput run;
//! `--limits on` keeps the defaults and checks that nothing but 303 and 429 comes back, and
//! that every 303 was stored.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sharecare_services::config::Settings;
use sharecare_services::form_guard::FormGuard;
use sharecare_web::startup::Application;

/// The key the benchmark's server signs form tokens with, so the clients can make their own.
const FORM_SECRET: &str = "benchmark-form-secret-0123456789abcdef-0123";

struct Options {
    requests: u64,
    concurrency: u64,
    /// Keep the default rate limits (`--limits on`).
    limits: bool,
    /// `--database URL`: a database to use instead of a temporary SQLite file.
    database: Option<String>,
    /// `--instances N`: how many instances share the database.
    instances: usize,
    /// `--page PATH`: read this page (as a browser asking for brotli) instead of giving.
    page: Option<String>,
    /// `--url URL`: read this address of another server (nginx serving the same bytes) with
    /// the same clients, for comparison; no application is started.
    url: Option<String>,
}

fn options() -> Options {
    let mut options = Options {
        requests: 20_000,
        concurrency: 32,
        limits: false,
        database: None,
        instances: 1,
        page: None,
        url: None,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).and_then(|v| v.parse().ok());
        match (pair[0].as_str(), value) {
            ("--requests", Some(n)) => options.requests = n,
            ("--concurrency", Some(n)) => options.concurrency = n,
            ("--limits", _) if pair.get(1).map(String::as_str) == Some("on") => {
                options.limits = true
            }
            ("--database", _) if pair.len() == 2 => options.database = Some(pair[1].clone()),
            ("--instances", Some(n)) if n > 0 => options.instances = n as usize,
            ("--page", _) if pair.len() == 2 => options.page = Some(pair[1].clone()),
            ("--url", _) if pair.len() == 2 => options.url = Some(pair[1].clone()),
            _ => {
                eprintln!(
                    "usage: bench_donations [--requests N] [--concurrency N] [--limits on] \
                     [--database URL] [--instances N] [--page PATH] [--url URL]"
                );
                std::process::exit(2);
            }
        }
    }
    options
}

#[tokio::main]
async fn main() {
    let options = options();
    if let Some(url) = &options.url {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(options.concurrency as usize)
            .build()
            .unwrap();
        read_pages(&client, url, "", &options).await;
        return;
    }
    let folder = tempfile::tempdir().expect("temp folder");
    let database_url = options.database.clone().unwrap_or_else(|| {
        format!(
            "sqlite://{}?mode=rwc",
            folder.path().join("bench.db").display()
        )
    });
    let mut vars = vec![
        ("LEPTOS_SITE_ADDR", "127.0.0.1:0".to_string()),
        ("LEPTOS_SITE_ROOT", folder.path().display().to_string()),
        (
            "CONTENT_DIR",
            concat!(env!("CARGO_MANIFEST_DIR"), "/content").to_string(),
        ),
        ("DATABASE_URL", database_url.clone()),
        ("FORM_SECRET", FORM_SECRET.to_string()),
        // A program submits at once: no minimum time on the form.
        ("FORM_MIN_SECONDS", "0".to_string()),
    ];
    if !options.limits {
        for name in ["LIMIT_PER_ADDRESS", "LIMIT_PER_EMAIL"] {
            vars.push((name, u32::MAX.to_string()));
        }
    }
    let mut addresses = Vec::new();
    let mut database = None;
    for _ in 0..options.instances {
        let settings = Settings::from_pairs(&vars).expect("settings");
        let application = Application::build(settings)
            .await
            .expect("the application starts");
        addresses.push(format!("http://{}", application.local_addr()));
        database.get_or_insert_with(|| application.database());
        tokio::spawn(application.run_until_stopped());
    }
    let database = database.expect("at least one instance");
    // The database may hold rows already (`--database`): count what the run adds.
    let rows_before = database.count_donations().await.expect("count rows") as u64;

    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(options.concurrency as usize)
        .build()
        .unwrap();
    let next = Arc::new(AtomicU64::new(0));
    let limited = Arc::new(AtomicU64::new(0));
    let per_instance: Arc<Vec<AtomicU64>> =
        Arc::new((0..options.instances).map(|_| AtomicU64::new(0)).collect());
    let limits_on = options.limits;
    if let Some(page) = &options.page {
        read_pages(&client, &addresses[0], page, &options).await;
        return;
    }
    let started = Instant::now();
    let workers: Vec<_> = (0..options.concurrency)
        .map(|_| {
            let (client, next, urls) = (
                client.clone(),
                next.clone(),
                addresses
                    .iter()
                    .map(|address| format!("{address}/en/donate"))
                    .collect::<Vec<_>>(),
            );
            let per_instance = per_instance.clone();
            let guard = FormGuard::with_key(FORM_SECRET.as_bytes(), Duration::ZERO);
            let limited = limited.clone();
            let total = options.requests;
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut failures = 0u64;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        break;
                    }
                    let token = guard.issue_token();
                    let email = format!("donor{i}@example.org");
                    // Requests take turns over the instances, as behind a load balancer.
                    let instance = (i % urls.len() as u64) as usize;
                    let sent = Instant::now();
                    let response = client
                        .post(&urls[instance])
                        .form(&[
                            ("frequency", "one_off"),
                            ("amount", "300"),
                            ("currency", "HKD"),
                            ("email", email.as_str()),
                            ("receipt", "none"),
                            ("token", token.as_str()),
                        ])
                        .send()
                        .await;
                    match response {
                        Ok(response) if response.status() == 303 => {
                            latencies.push(sent.elapsed());
                            per_instance[instance].fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(response) if response.status() == 429 && limits_on => {
                            limited.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(response) => {
                            failures += 1;
                            eprintln!("submit {i}: HTTP {}", response.status());
                        }
                        Err(error) => {
                            failures += 1;
                            eprintln!("submit {i}: {error}");
                        }
                    }
                }
                (latencies, failures)
            })
        })
        .collect();
    let mut latencies: Vec<Duration> = Vec::new();
    let mut failures = 0;
    for worker in workers {
        let (worker_latencies, worker_failures) = worker.await.unwrap();
        latencies.extend(worker_latencies);
        failures += worker_failures;
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    let latency = |p: f64| percentile(&latencies, p);
    let accepted = latencies.len() as u64;
    let rows = database.count_donations().await.expect("count rows") as u64 - rows_before;
    let lost = accepted.saturating_sub(rows);
    let extra = rows.saturating_sub(accepted);

    println!(
        "donation submits on {} instance{}, {} ({}), durable commits ({})",
        options.instances,
        if options.instances == 1 { "" } else { "s" },
        if database_url.starts_with("sqlite:") {
            "SQLite"
        } else {
            "PostgreSQL"
        },
        redact_password(&database_url),
        database
            .commit_durability()
            .await
            .expect("read the setting"),
    );
    println!(
        "  rate limits        {}",
        if options.limits {
            "on (defaults)"
        } else {
            "raised for load testing"
        }
    );
    println!("  clients            {}", options.concurrency);
    println!("  refused (429)      {}", limited.load(Ordering::Relaxed));
    println!(
        "  submits accepted   {accepted} of {} ({failures} failed)",
        options.requests
    );
    println!("  elapsed            {:.2} s", elapsed.as_secs_f64());
    println!(
        "  throughput         {:.0} submits/s",
        accepted as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  latency p50        {:.2} ms",
        latency(0.50).as_secs_f64() * 1e3
    );
    println!(
        "  latency p99        {:.2} ms",
        latency(0.99).as_secs_f64() * 1e3
    );
    println!(
        "  latency max        {:.2} ms",
        latency(1.0).as_secs_f64() * 1e3
    );
    if options.instances > 1 {
        for (n, count) in per_instance.iter().enumerate() {
            println!(
                "  accepted by #{}     {}",
                n + 1,
                count.load(Ordering::Relaxed)
            );
        }
    }
    println!("  rows stored        {rows} (lost {lost}, extra {extra})");
    println!(
        "  peak RSS           {} kB (server and load generator, one process)",
        peak_rss_kb()
    );
    if lost > 0 || extra > 0 || failures > 0 {
        eprintln!("FAIL: every accepted submit must be stored exactly once");
        std::process::exit(1);
    }
}

/// The URL without a password, for printing.
fn redact_password(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// `--page PATH`: GETs of one page by `concurrency` clients asking for brotli, as browsers do;
/// reports pages per second, latency and the bytes on the wire.
async fn read_pages(client: &reqwest::Client, address: &str, page: &str, options: &Options) {
    let url = format!("{address}{page}");
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..options.concurrency)
        .map(|_| {
            let (client, url, next, total) =
                (client.clone(), url.clone(), next.clone(), options.requests);
            tokio::spawn(async move {
                let (mut latencies, mut failures, mut bytes) = (Vec::new(), 0u64, 0u64);
                while next.fetch_add(1, Ordering::Relaxed) < total {
                    let sent = Instant::now();
                    match client
                        .get(&url)
                        .header("accept-encoding", "br")
                        .send()
                        .await
                    {
                        Ok(response) if response.status() == 200 => {
                            bytes = response.bytes().await.map_or(0, |b| b.len() as u64);
                            latencies.push(sent.elapsed());
                        }
                        _ => failures += 1,
                    }
                }
                (latencies, failures, bytes)
            })
        })
        .collect();
    let (mut latencies, mut failures, mut bytes) = (Vec::new(), 0, 0);
    for worker in workers {
        let (l, f, b) = worker.await.unwrap();
        latencies.extend(l);
        failures += f;
        bytes = bytes.max(b);
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    let latency_ms = |p: f64| percentile(&latencies, p).as_secs_f64() * 1e3;
    println!(
        "page reads of {url}, {} clients, brotli",
        options.concurrency
    );
    println!(
        "  pages served       {} ({failures} failed)",
        latencies.len()
    );
    println!("  body on the wire   {bytes} bytes");
    println!(
        "  throughput         {:.0} pages/s",
        latencies.len() as f64 / elapsed.as_secs_f64()
    );
    println!("  latency p50        {:.2} ms", latency_ms(0.5));
    println!("  latency p99        {:.2} ms", latency_ms(0.99));
    println!(
        "  peak RSS           {} kB (server and load generator, one process)",
        peak_rss_kb()
    );
    if failures > 0 {
        std::process::exit(1);
    }
}

/// The latency at or below which a share `p` of the sorted `latencies` fall.
fn percentile(latencies: &[Duration], p: f64) -> Duration {
    latencies
        .get(((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1))
        .copied()
        .unwrap_or_default()
}

/// The process's peak resident memory (`VmHWM`), in kB: the servers run in this process.
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

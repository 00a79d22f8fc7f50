//! The real binary refuses to start on broken content, saying which file and field.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::helpers::{content_dir, copy_dir};
use crate::processes::ServerProcess;

/// Runs the server binary against a content folder it should reject and returns its exit
/// status and stderr. A server that starts instead is stopped and the test fails.
fn start_with_broken_content(break_content: impl FnOnce(&std::path::Path)) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&content_dir(), dir.path());
    break_content(dir.path());
    let mut child = Command::new(env!("CARGO_BIN_EXE_sharecare"))
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("CONTENT_DIR", dir.path())
        .env("LEPTOS_SITE_ROOT", dir.path())
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the server binary runs");
    // A guard against a server that starts anyway, not a timing assertion.
    for _ in 0..300 {
        if let Some(status) = child.try_wait().unwrap() {
            let output = child.wait_with_output().unwrap();
            return (
                status.success(),
                String::from_utf8_lossy(&output.stderr).into_owned(),
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().unwrap();
    panic!("the server started with broken content instead of refusing it");
}

fn edit(path: &std::path::Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text.contains(from),
        "{} does not contain {from:?}",
        path.display()
    );
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn a_missing_translation_stops_the_server_naming_file_and_field() {
    let (success, stderr) = start_with_broken_content(|dir| {
        edit(
            &dir.join("statistics.toml"),
            "zh-cn = \"内地农村留守儿童，在没有父母一方或双方陪伴下成长\"\n",
            "",
        );
    });
    assert!(!success);
    assert!(
        stderr.contains("statistics.toml: statistics[0].label: missing translation \"zh-cn\""),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_wrong_type_stops_the_server_naming_file_and_field() {
    let (success, stderr) = start_with_broken_content(|dir| {
        edit(&dir.join("stories/yiyi.toml"), "age = 10", "age = \"ten\"");
    });
    assert!(!success);
    assert!(stderr.contains("yiyi.toml: age: invalid type"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Starts the binary in `cwd` with `vars`, serving.
fn start_serving(cwd: &std::path::Path, vars: &[(&str, &str)]) -> ServerProcess {
    let vars: Vec<(&str, String)> = vars
        .iter()
        .map(|(name, value)| (*name, value.to_string()))
        .collect();
    ServerProcess::start(cwd, &vars)
}

/// SIGTERM; the server must exit 0. Returns what it logged.
fn stop(server: ServerProcess) -> String {
    let (exit, log) = server.terminate();
    assert!(exit.success(), "exit status after SIGTERM: {exit:?}");
    log
}

#[test]
fn sigterm_stops_the_server_gracefully() {
    let cwd = tempfile::tempdir().unwrap();
    let server = start_serving(cwd.path(), &[]);
    let rest = stop(server);
    assert!(rest.contains("shutting down"), "{rest}");
}

#[test]
fn the_embedded_database_is_created_and_migrated_on_first_start() {
    let cwd = tempfile::tempdir().unwrap();
    stop(start_serving(cwd.path(), &[]));
    let file = cwd.path().join("data/sharecare.db");
    assert!(
        file.is_file(),
        "the default DATABASE_URL makes data/sharecare.db"
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        use sqlx::Connection;
        let mut connection =
            sqlx::SqliteConnection::connect(&format!("sqlite://{}", file.display()))
                .await
                .unwrap();
        let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
            .fetch_one(&mut connection)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        let (rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM donations")
            .fetch_one(&mut connection)
            .await
            .expect("the donations table exists");
        assert_eq!(rows, 0);
    });
    // A second start finds the database already migrated.
    stop(start_serving(cwd.path(), &[]));
}

#[test]
fn an_unusable_database_url_stops_the_server_with_one_line() {
    let cwd = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_sharecare"))
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("CONTENT_DIR", content_dir())
        .env("LEPTOS_SITE_ROOT", content_dir())
        .env("DATABASE_URL", "mysql://root@127.0.0.1/test")
        .current_dir(cwd.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "cannot start: database error: DATABASE_URL must start with sqlite: or postgres://"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// The staff command confirms an offline gift in the same database a running server uses,
/// and the server's live progress stream picks it up on its next refresh.
#[test]
fn staff_mark_a_gift_paid_from_the_command_line() {
    let cwd = tempfile::tempdir().unwrap();
    let server = start_serving(
        cwd.path(),
        &[
            ("PROGRESS_REFRESH_SECONDS", "1"),
            ("FORM_SECRET", crate::helpers::FORM_SECRET),
            ("FORM_MIN_SECONDS", "0"),
        ],
    );
    let token = crate::helpers::signed_token();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let location = runtime.block_on(async {
        let response = client
            .post(server.url("/en/donate"))
            .form(&[
                ("frequency", "one_off"),
                ("amount", "300"),
                ("currency", "HKD"),
                ("email", "staff-test@example.org"),
                ("receipt", "none"),
                ("token", token.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303);
        response.headers()["location"].to_str().unwrap().to_string()
    });
    let reference = location
        .split('/')
        .nth(3)
        .unwrap()
        .split('?')
        .next()
        .unwrap();

    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_sharecare"))
            .args(args)
            .env("CONTENT_DIR", content_dir())
            .env_remove("DATABASE_URL")
            .current_dir(cwd.path())
            .output()
            .unwrap()
    };
    let first = run(&["mark-paid", &reference.to_lowercase()]);
    assert!(first.status.success(), "{first:?}");
    assert_eq!(
        String::from_utf8_lossy(&first.stdout),
        format!("{reference}: marked paid\n")
    );
    let again = run(&["mark-paid", reference]);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains("already paid"));
    let unknown = run(&["mark-paid", "LBC-222222"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no donation has that reference"));
    let malformed = run(&["mark-paid", "12345"]);
    assert_eq!(malformed.status.code(), Some(2));

    // The running server's progress stream reports the HK$300 within its refresh period.
    runtime.block_on(async {
        let mut stream = client
            .get(server.url("/api/progress"))
            .send()
            .await
            .unwrap();
        let expected = format!("data: {} ", 18_250_000 + 30_000);
        let mut seen = String::new();
        while !seen.contains(&expected) {
            let chunk = tokio::time::timeout(Duration::from_secs(30), stream.chunk())
                .await
                .expect("the refreshed total arrives")
                .unwrap()
                .expect("the stream stays open");
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    });
    stop(server);
}

/// A client that sends half a request and then nothing holds neither a task nor the shutdown:
/// after SIGTERM the server stops within its drain deadline and exits cleanly.
#[test]
fn a_slow_client_does_not_block_shutdown() {
    use std::io::Write;
    let cwd = tempfile::tempdir().unwrap();
    let mut server = start_serving(
        cwd.path(),
        &[
            ("SHUTDOWN_DRAIN_SECONDS", "2"),
            ("BODY_TIMEOUT_SECONDS", "600"),
            ("REQUEST_TIMEOUT_SECONDS", "600"),
        ],
    );
    let mut slow =
        std::net::TcpStream::connect(server.address.trim_start_matches("http://")).unwrap();
    slow.write_all(
        b"POST /en/donate HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
          Content-Length: 500\r\n\r\nfrequency=one",
    )
    .unwrap();
    // Let the request reach its handler, which now waits for the rest of the body.
    std::thread::sleep(Duration::from_millis(300));
    server.signal_terminate();
    let Some(exit) = server.wait_for_exit(Duration::from_secs(60)) else {
        panic!("the server was still waiting for the slow client a minute after SIGTERM");
    };
    assert!(exit.success(), "{exit:?}");
    drop(slow);
}

/// With `LOG_FORMAT=json`, every line logged while handling a request names its request id,
/// the one the proxy sent in `x-request-id` (or one made up), which the response carries too.
#[test]
fn json_logs_carry_the_request_id() {
    let folder = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        folder.path().join("logs.db").display()
    );
    let server = ServerProcess::start_site(&url, &[]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    runtime.block_on(async {
        // A form a program filled in (the hidden field): refused, and logged.
        let refused = client
            .post(server.url("/en/donate"))
            .header("x-request-id", "req-test-4242")
            .form(&[
                ("frequency", "one_off"),
                ("amount", "300"),
                ("email", "bot@example.org"),
                ("homepage", "https://spam.example"),
                ("token", crate::helpers::signed_token().as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 422);
        assert_eq!(refused.headers()["x-request-id"], "req-test-4242");
        let page = client.get(server.url("/en")).send().await.unwrap();
        let made_up = page.headers()["x-request-id"].to_str().unwrap();
        assert_eq!(made_up.len(), 16, "{made_up}");
        assert!(made_up.bytes().all(|b| b.is_ascii_hexdigit()), "{made_up}");
    });
    let log = stop(server);
    let line = log
        .lines()
        .find(|line| line.contains("sent by a program"))
        .unwrap_or_else(|| panic!("the refusal is logged:\n{log}"));
    let parsed: serde_json::Value = serde_json::from_str(line).expect("one JSON object per line");
    assert!(
        parsed["spans"]
            .as_array()
            .is_some_and(|spans| spans.iter().any(|span| span["id"] == "req-test-4242")),
        "{line}"
    );
}

//! Starts the real application on a free port, with its own temporary site folder.

/// Runs each listed test once on SQLite and once on PostgreSQL.
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Backend::Postgres).await
                }
            )*
        }
    };
}

use std::path::{Path, PathBuf};

use sharecare_db::Database;
use sharecare_services::config::Settings;
use sharecare_services::state::AppState;
use sharecare_web::startup::Application;
use sqlx::{Connection, Executor};

pub const PUBLIC_BASE_URL: &str = "https://give.example.org";

/// The key the test servers sign form tokens with, so tests can make tokens of their own.
pub const FORM_SECRET: &str = "test-form-secret-0123456789abcdef-0123456789";

/// Limits far above what any test reaches, and no minimum time on a form.
pub const RELAXED_DEFENCES: [(&str, &str); 6] = [
    ("FORM_MIN_SECONDS", "0"),
    ("LIMIT_PER_ADDRESS", "100000"),
    ("LIMIT_CHECKOUTS_PER_ADDRESS", "100000"),
    ("LIMIT_PER_EMAIL", "100000"),
    ("CARD_BREAKER_CHECKOUTS_PER_MINUTE", "100000"),
    ("STREAMS_PER_ADDRESS", "100"),
];

/// A form token the test servers accept, as a form they rendered would carry.
pub fn signed_token() -> String {
    sharecare_services::form_guard::FormGuard::with_key(
        FORM_SECRET.as_bytes(),
        std::time::Duration::ZERO,
    )
    .issue_token()
    .as_str()
    .to_string()
}

/// The PostgreSQL server the tests create their databases on. The test command makes sure one
/// answers here (the machine's own, or a throwaway cluster it starts); tests never skip it.
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh, empty database for one test: a SQLite file in a temporary folder, or a new
/// PostgreSQL database that is dropped when the test ends.
pub struct TestDatabase {
    pub url: String,
    postgres_name: Option<String>,
    _folder: tempfile::TempDir,
}

impl TestDatabase {
    /// Another handle on a database a test already made (a second instance): dropping it
    /// leaves the database alone.
    pub fn shared(url: &str) -> TestDatabase {
        TestDatabase {
            url: url.to_string(),
            postgres_name: None,
            _folder: tempfile::tempdir().expect("temp folder"),
        }
    }

    pub async fn new(backend: Backend) -> TestDatabase {
        let folder = tempfile::tempdir().expect("temp database folder");
        match backend {
            Backend::Sqlite => TestDatabase {
                url: format!(
                    "sqlite://{}?mode=rwc",
                    folder.path().join("data/sharecare.db").display()
                ),
                postgres_name: None,
                _folder: folder,
            },
            Backend::Postgres => {
                let admin = postgres_admin_url();
                let name = format!(
                    "sharecare_test_{}_{}",
                    std::process::id(),
                    NEXT_DATABASE.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                );
                let mut connection = sqlx::PgConnection::connect(&admin)
                    .await
                    .unwrap_or_else(|error| {
                        panic!("PostgreSQL must answer at {admin} (the test command starts one): {error}")
                    });
                connection
                    .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                    .await
                    .unwrap();
                connection
                    .execute(format!("CREATE DATABASE {name}").as_str())
                    .await
                    .unwrap();
                let (base, _) = admin.rsplit_once('/').expect("the URL names a database");
                TestDatabase {
                    url: format!("{base}/{name}"),
                    postgres_name: Some(name),
                    _folder: folder,
                }
            }
        }
    }
}

static NEXT_DATABASE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(name) = self.postgres_name.take() else {
            return;
        };
        // Drop runs outside async; a short-lived runtime on its own thread does the cleanup.
        let admin = postgres_admin_url();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                if let Ok(mut connection) = sqlx::PgConnection::connect(&admin).await {
                    let _ = connection
                        .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                        .await;
                }
            });
        })
        .join();
    }
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub site_root: PathBuf,
    pub state: AppState,
    /// The application's own database handle (closing it plays an outage).
    pub db: Database,
    /// Where its Prometheus metrics are served, when `METRICS_ADDR` was set.
    pub metrics_address: Option<String>,
    /// Kept for the test's length: dropping it drops a PostgreSQL test database.
    pub _database: TestDatabase,
    _site: tempfile::TempDir,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request failed")
    }

    /// Posts a form, as a browser with JavaScript off would.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .expect("request failed")
    }

    /// Opens a donor's gift page from the address a submit (or an email) gives: the first visit
    /// moves the key into the gift's cookies and redirects to the address without it; this
    /// follows that redirect with the cookies, as a browser would.
    pub async fn open_gift_page(&self, location: &str) -> reqwest::Response {
        let first = self.get(location).await;
        if first.status() != reqwest::StatusCode::SEE_OTHER {
            return first;
        }
        let target = first.headers()["location"].to_str().unwrap().to_string();
        assert!(
            !target.contains("key="),
            "the key leaves the address: {target}"
        );
        let cookies = cookies_from(&first);
        self.client
            .get(self.url(&target))
            .header("cookie", cookies)
            .send()
            .await
            .expect("request failed")
    }

    /// How many donations the database holds.
    pub async fn donation_count(&self) -> i64 {
        self.db.count_donations().await.expect("count donations")
    }
}

/// The repository's own content folder.
pub fn content_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("content")
}

/// A second instance of `first`'s site on the same database (several instances behind one
/// load balancer), with more settings.
pub async fn spawn_second_instance(first: &TestApp, settings: &[(&str, String)]) -> TestApp {
    spawn(
        &content_dir(),
        TestDatabase::shared(&first._database.url),
        settings,
    )
    .await
}

/// The application on a database a test made itself (a cluster it may stop), with settings.
pub async fn spawn_app_on_url(url: &str, settings: &[(&str, String)]) -> TestApp {
    spawn(&content_dir(), TestDatabase::shared(url), settings).await
}

/// The application with a temporary copy of the repository's content, on SQLite.
pub async fn spawn_app() -> TestApp {
    spawn_app_with_content(&content_dir()).await
}

/// The application on a fresh database of the given kind.
pub async fn spawn_app_on(backend: Backend) -> TestApp {
    spawn(&content_dir(), TestDatabase::new(backend).await, &[]).await
}

/// The application on a fresh database, with more settings (Stripe, SMTP...).
pub async fn spawn_app_with(backend: Backend, settings: &[(&str, String)]) -> TestApp {
    spawn(&content_dir(), TestDatabase::new(backend).await, settings).await
}

/// The application on a free port, with temporary copies of `content` and a site folder.
pub async fn spawn_app_with_content(content_source: &Path) -> TestApp {
    spawn(
        content_source,
        TestDatabase::new(Backend::Sqlite).await,
        &[],
    )
    .await
}

async fn spawn(
    content_source: &Path,
    database: TestDatabase,
    extra_settings: &[(&str, String)],
) -> TestApp {
    capture_logs();
    let site = tempfile::tempdir().expect("temp site folder");
    let site_root = site.path().join("site");
    let content = site.path().join("content");
    copy_dir(content_source, &content);
    // The public assets (images, icons) as the build copies them into the site.
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("public"),
        &site_root,
    );
    std::fs::create_dir_all(site_root.join("pkg")).unwrap();
    // A test's own settings come first: the first value of a name wins.
    let mut vars: Vec<(&str, String)> = extra_settings.to_vec();
    vars.extend([
        ("LEPTOS_SITE_ADDR", "127.0.0.1:0".to_string()),
        ("LEPTOS_SITE_ROOT", site_root.display().to_string()),
        ("CONTENT_DIR", content.display().to_string()),
        ("PUBLIC_BASE_URL", PUBLIC_BASE_URL.to_string()),
        ("DATABASE_URL", database.url.clone()),
        ("FORM_SECRET", FORM_SECRET.to_string()),
        // Backups on a schedule have their own tests (`backups`), which turn it on.
        ("BACKUP_EVERY_SECONDS", "0".to_string()),
    ]);
    // Every test gives from one address, many times, at once: the abuse defences have tests
    // of their own (see `security`), which set these back.
    vars.extend(
        RELAXED_DEFENCES
            .iter()
            .map(|(name, value)| (*name, value.to_string())),
    );
    let settings = Settings::from_pairs(&vars).expect("test settings are valid");
    let application = Application::build(settings)
        .await
        .expect("the application starts");
    let address = format!("http://{}", application.local_addr());
    let state = application.state();
    let db = application.database();
    let metrics_address = application
        .metrics_addr()
        .map(|address| format!("http://{address}"));
    tokio::spawn(application.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        address,
        client,
        site_root,
        state,
        db,
        metrics_address,
        _database: database,
        _site: site,
    }
}

/// Copies a folder tree (the content folder, so a test can break a copy of it).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The `name=value` pairs a response sets, as one `Cookie` header sends them back.
pub fn cookies_from(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|value| value.split(';').next())
        .collect::<Vec<_>>()
        .join("; ")
}

/// With `SHARECARE_TEST_LOG` set (the test command sets it), every server's logs in this run
/// go to that file, which `security::the_whole_runs_logs_hold_no_donor_data_or_secrets` scans.
fn capture_logs() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let Ok(path) = std::env::var("SHARECARE_TEST_LOG") else {
            return;
        };
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap_or_else(|error| panic!("cannot write the test log {path}: {error}"));
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("info,sharecare=debug"))
            .with_writer(std::sync::Mutex::new(file))
            .with_ansi(false)
            .try_init();
    });
}

//! Starts the real application on a free port, with its own temporary site folder.

#![allow(dead_code)] // each test binary uses a different part of this module

use std::path::{Path, PathBuf};

use sharecare::server::{config::Settings, startup::Application};

pub const PUBLIC_BASE_URL: &str = "https://give.example.org";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub site_root: PathBuf,
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
}

/// The repository's own content folder.
pub fn content_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("content")
}

/// The application with a temporary copy of the repository's content.
pub async fn spawn_app() -> TestApp {
    spawn_app_with_content(&content_dir()).await
}

/// The application on a free port, with temporary copies of `content` and a site folder.
pub async fn spawn_app_with_content(content_source: &Path) -> TestApp {
    let site = tempfile::tempdir().expect("temp site folder");
    let site_root = site.path().join("site");
    let content = site.path().join("content");
    copy_dir(content_source, &content);
    std::fs::create_dir_all(site_root.join("pkg")).unwrap();
    std::fs::create_dir_all(site_root.join("images")).unwrap();
    let vars = [
        ("LEPTOS_SITE_ADDR", "127.0.0.1:0".to_string()),
        ("LEPTOS_SITE_ROOT", site_root.display().to_string()),
        ("CONTENT_DIR", content.display().to_string()),
        ("PUBLIC_BASE_URL", PUBLIC_BASE_URL.to_string()),
    ];
    let settings = Settings::from_lookup(|name| {
        vars.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.clone())
    })
    .expect("test settings are valid");
    let application = Application::build(settings)
        .await
        .expect("the application starts");
    let address = format!("http://{}", application.local_addr());
    tokio::spawn(application.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        address,
        client,
        site_root,
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

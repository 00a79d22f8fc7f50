//! Real processes for the tests that need them: the server binary (several instances on one
//! database, SIGTERM and `kill -9`), and a throwaway PostgreSQL cluster a test may crash.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::helpers::{content_dir, copy_dir, FORM_SECRET, PUBLIC_BASE_URL, RELAXED_DEFENCES};

/// The server binary, started on a free port and serving.
pub struct ServerProcess {
    child: Child,
    pub address: String,
    /// Everything it logged after its "serving" line (read as it comes, so its pipe never
    /// fills and blocks it).
    log: Arc<Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
    _site: Option<tempfile::TempDir>,
}

impl ServerProcess {
    /// Starts the binary in `cwd` with the repository's content, JSON logs and `vars` (which
    /// win over the defaults), and waits until it serves.
    // The child is waited for in `terminate`, `kill` or `drop`.
    #[allow(clippy::zombie_processes)]
    pub fn start(cwd: &Path, vars: &[(&str, String)]) -> ServerProcess {
        let mut command = Command::new(env!("CARGO_BIN_EXE_sharecare"));
        command
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .env("CONTENT_DIR", content_dir())
            .env("LEPTOS_SITE_ROOT", content_dir())
            .env("RUST_LOG", "info")
            .env("LOG_FORMAT", "json")
            .env_remove("DATABASE_URL")
            .current_dir(cwd)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (name, value) in vars {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("the server binary runs");
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        let address = loop {
            line.clear();
            let read = stderr.read_line(&mut line).unwrap();
            if read == 0 {
                let status = child.wait().unwrap();
                panic!("the server exited before serving: {status:?}");
            }
            if line.contains("\"serving\"") {
                // {"fields":{"message":"serving","address":"127.0.0.1:41234",...}}
                let start = line
                    .find("\"address\":\"")
                    .expect("the line has the address")
                    + 11;
                break format!(
                    "http://{}",
                    &line[start..start + line[start..].find('"').unwrap()]
                );
            }
        };
        let log = Arc::new(Mutex::new(String::new()));
        let collected = log.clone();
        let reader = std::thread::spawn(move || {
            let mut line = String::new();
            while stderr.read_line(&mut line).is_ok_and(|read| read > 0) {
                collected.lock().unwrap().push_str(&line);
                line.clear();
            }
        });
        ServerProcess {
            child,
            address,
            log,
            reader: Some(reader),
            _site: None,
        }
    }

    /// One instance of a site as the tests run it (their form secret, relaxed defences, the
    /// public base URL), in its own folder, on `database_url`, with more settings.
    pub fn start_site(database_url: &str, settings: &[(&str, String)]) -> ServerProcess {
        let site = tempfile::tempdir().unwrap();
        let root = site.path().join("site");
        copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("public"), &root);
        std::fs::create_dir_all(root.join("pkg")).unwrap();
        let mut vars: Vec<(&str, String)> = settings.to_vec();
        vars.extend([
            ("LEPTOS_SITE_ROOT", root.display().to_string()),
            ("DATABASE_URL", database_url.to_string()),
            ("FORM_SECRET", FORM_SECRET.to_string()),
            ("PUBLIC_BASE_URL", PUBLIC_BASE_URL.to_string()),
        ]);
        vars.extend(
            RELAXED_DEFENCES
                .iter()
                .map(|(name, value)| (*name, value.to_string())),
        );
        // The first value of a name wins, as in the in-process test servers.
        let mut seen = std::collections::HashSet::new();
        vars.retain(|(name, _)| seen.insert(*name));
        let mut server = ServerProcess::start(site.path(), &vars);
        server._site = Some(site);
        server
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What it has logged since it started serving.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Sends SIGTERM (a stop from the service manager).
    pub fn signal_terminate(&self) {
        signal("-TERM", self.pid());
    }

    /// Waits for the process to end, at most `limit`; `None` if it is still running.
    pub fn wait_for_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = std::time::Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                if let Some(reader) = self.reader.take() {
                    let _ = reader.join();
                }
                return Some(status);
            }
            if std::time::Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGTERM, then waits (a minute at most) for it to exit; returns its status and log.
    pub fn terminate(mut self) -> (ExitStatus, String) {
        self.signal_terminate();
        let status = self
            .wait_for_exit(Duration::from_secs(60))
            .expect("the server exits after SIGTERM");
        (status, self.log())
    }

    /// `kill -9`: no shutdown at all, as in a crash or a power cut of the process.
    pub fn kill(mut self) {
        signal("-KILL", self.pid());
        self.wait_for_exit(Duration::from_secs(60))
            .expect("a killed process ends");
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn signal(which: &str, pid: u32) {
    let status = Command::new("kill")
        .args([which, &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill {which} {pid}");
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A PostgreSQL cluster of the test's own (initdb + pg_ctl in a temporary folder), so a test
/// can stop it abruptly and start it again. Needs Debian's `postgresql` package, which the
/// test command installs; the test fails (never skips) without it. As root, the cluster runs
/// as the package's `postgres` user, since PostgreSQL refuses to run as root.
pub struct PgCluster {
    folder: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
}

impl PgCluster {
    pub fn start() -> PgCluster {
        let bin = postgres_bin();
        let folder = tempfile::Builder::new()
            .prefix("sharecare-pg-test")
            .tempdir()
            .unwrap();
        if is_root() {
            let owned = Command::new("chown")
                .args(["postgres", &folder.path().display().to_string()])
                .status()
                .unwrap();
            assert!(owned.success(), "chown the cluster folder to postgres");
        }
        let cluster = PgCluster {
            port: free_port(),
            bin,
            folder,
        };
        let data = cluster.data_dir();
        cluster.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-sync",
            ],
        );
        cluster.start_again();
        cluster
    }

    fn data_dir(&self) -> String {
        self.folder.path().join("data").display().to_string()
    }

    /// `postgres://` URL of the cluster's `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// `pg_ctl stop -m immediate`: every server process quits at once, as in a crash.
    pub fn stop_immediately(&self) {
        self.run(
            "pg_ctl",
            &["-D", &self.data_dir(), "-m", "immediate", "stop"],
        );
    }

    /// Starts the cluster (again), waiting until it accepts connections.
    pub fn start_again(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.folder.path().display()
        );
        let log = self.folder.path().join("server.log").display().to_string();
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data_dir(),
                "-l",
                &log,
                "-o",
                &options,
                "-w",
                "start",
            ],
        );
    }

    fn run(&self, program: &str, args: &[&str]) {
        let program = self.bin.join(program);
        let output = if is_root() {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&program)
                .args(args)
                .output()
        } else {
            Command::new(&program).args(args).output()
        }
        .unwrap_or_else(|error| panic!("cannot run {}: {error}", program.display()));
        assert!(
            output.status.success(),
            "{} {args:?} failed: {}{}",
            program.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let program = self.bin.join("pg_ctl");
        let data = self.data_dir();
        let args = ["-D", data.as_str(), "-m", "immediate", "stop"];
        let _ = if is_root() {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&program)
                .args(args)
                .output()
        } else {
            Command::new(&program).args(args).output()
        };
    }
}

/// Debian's PostgreSQL programs: `TEST_POSTGRES_BIN`, else the newest `/usr/lib/postgresql/*/bin`.
fn postgres_bin() -> PathBuf {
    if let Ok(bin) = std::env::var("TEST_POSTGRES_BIN") {
        return PathBuf::from(bin);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("bin"))
        .filter(|bin| bin.join("initdb").is_file())
        .collect();
    found.sort_by_key(|bin| {
        bin.parent()
            .and_then(|version| version.file_name())
            .and_then(|name| name.to_str())
            .and_then(|name| name.parse::<u32>().ok())
            .unwrap_or(0)
    });
    found.pop().expect(
        "PostgreSQL's programs are needed (apt-get install postgresql; the test command does)",
    )
}

fn is_root() -> bool {
    // Asking `id -u` needs no binding to libc.
    Command::new("id")
        .arg("-u")
        .output()
        .map(|output| output.stdout.trim_ascii() == b"0")
        .unwrap_or(false)
}

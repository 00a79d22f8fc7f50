//! Backups of the site's database: taken while it serves, checked before they are trusted, the
//! newest few kept, each one recorded (the `sharecare_last_backup_age_seconds` metric); and the
//! restore of a SQLite copy, which refuses while a site has the database open and keeps the file
//! it replaces.
//!
//! SQLite is copied with `VACUUM INTO` (a snapshot of what was committed when it began, taken
//! while writers carry on); PostgreSQL with `pg_dump --format=custom`, checked with
//! `pg_restore --list`. `docs/operating.md` gives the commands, PostgreSQL's continuous archiving
//! included.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::config::{BackupSettings, SecretUrl};
use sharecare_db::{check_sqlite_file, holds_the_books, sqlite_file, BadCopy, Database, DbError};
use sharecare_domain::time::Timestamp;

/// A backup that passed its check.
#[derive(Debug, Clone)]
pub struct Taken {
    pub file: PathBuf,
    pub bytes: u64,
    /// Rows the copy holds, all tables together.
    pub rows: i64,
    /// Backups deleted to keep only the newest [`BackupSettings::kept`].
    pub removed: Vec<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(transparent)]
    Database(#[from] DbError),
    #[error("the copy is not good: {0}")]
    BadCopy(#[from] BadCopy),
    #[error("{what} {}: {source}", .path.display())]
    File {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Dump(String),
    #[error(
        "a running site has {} open; stop it (systemctl stop sharecare) before restoring",
        .0.display()
    )]
    InUse(PathBuf),
    #[error(
        "the site's database is PostgreSQL: restore a dump with pg_restore (docs/operating.md)"
    )]
    NotSqlite,
}

fn file_error(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> BackupError {
    let path = path.to_path_buf();
    move |source| BackupError::File { what, path, source }
}

/// Backups of one site's database.
pub struct Backups {
    db: Database,
    database_url: SecretUrl,
    settings: BackupSettings,
}

/// The start of every backup's file name; only such files are ever pruned.
const PREFIX: &str = "sharecare-";

impl Backups {
    pub fn new(db: Database, database_url: SecretUrl, settings: BackupSettings) -> Backups {
        Backups {
            db,
            database_url,
            settings,
        }
    }

    /// The folder backups go to when no other is given.
    pub fn folder(&self) -> PathBuf {
        if let Some(dir) = &self.settings.dir {
            return dir.clone();
        }
        match sqlite_file(self.database_url.expose()) {
            Some(file) => file
                .parent()
                .map_or_else(|| PathBuf::from("backups"), |folder| folder.join("backups")),
            None => PathBuf::from("data/backups"),
        }
    }

    /// Takes a backup into `into` (default [`Backups::folder`]), checks it, records it and
    /// deletes the oldest beyond the number kept. The file appears under its final name only
    /// once it has passed its check.
    pub async fn take(&self, into: Option<&Path>, now: Timestamp) -> Result<Taken, BackupError> {
        let folder = into.map_or_else(|| self.folder(), Path::to_path_buf);
        std::fs::create_dir_all(&folder).map_err(file_error("cannot create", &folder))?;
        let sqlite = sqlite_file(self.database_url.expose()).is_some();
        let extension = if sqlite { "db" } else { "dump" };
        let name = format!("{PREFIX}{}.{extension}", now.hong_kong_file_stamp());
        let file = folder.join(&name);
        let partial = folder.join(format!("{name}.partial"));
        let _ = std::fs::remove_file(&partial);
        // Counted before the copy begins: the copy must hold at least these books.
        let before = self.db.row_counts().await?;
        let rows = if sqlite {
            self.db.copy_into(&partial).await?;
            let copy = match check_sqlite_file(&partial).await {
                Ok(copy) => copy,
                Err(bad) => {
                    let _ = std::fs::remove_file(&partial);
                    return Err(bad.into());
                }
            };
            if let Err(bad) = holds_the_books(&partial, &before, &copy) {
                let _ = std::fs::remove_file(&partial);
                return Err(bad.into());
            }
            copy.total_rows()
        } else {
            dump_postgres(self.database_url.expose(), &partial).await?;
            before.total_rows()
        };
        sync_file(&partial)?;
        std::fs::rename(&partial, &file).map_err(file_error("cannot name", &file))?;
        sync_folder(&folder);
        let bytes = std::fs::metadata(&file)
            .map_err(file_error("cannot read", &file))?
            .len();
        self.db.record_backup(&name, bytes, rows, now).await?;
        let removed = prune(&folder, self.settings.kept)?;
        metrics::counter!("sharecare_backups_total", "outcome" => "good").increment(1);
        tracing::info!(file = %file.display(), bytes, rows, removed = removed.len(), "backup taken");
        Ok(Taken {
            file,
            bytes,
            rows,
            removed,
        })
    }

    /// Takes a backup every [`BackupSettings::every`], the first soon after start when the
    /// newest is already that old (a site restarted daily still gets its backups).
    pub async fn run(self: Arc<Self>, mut stopping: watch::Receiver<bool>) {
        let every = self.settings.every;
        if every.is_zero() {
            return;
        }
        let mut wait = match self.db.newest_backup_at().await {
            Ok(Some(newest)) => every.saturating_sub(Timestamp::now().since(newest)),
            // None yet, or the database is not answering: soon, but not in the start's rush.
            _ => Duration::from_secs(60),
        }
        .max(Duration::from_secs(60));
        loop {
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                _ = stopping.changed() => return,
            }
            wait = match self.take(None, Timestamp::now()).await {
                Ok(_) => every,
                Err(error) => {
                    metrics::counter!("sharecare_backups_total", "outcome" => "failed")
                        .increment(1);
                    tracing::error!(%error, "the scheduled backup failed; trying again in an hour");
                    every.min(Duration::from_secs(3_600))
                }
            };
        }
    }
}

/// `pg_dump` in its custom format, then `pg_restore --list` to read the file back. The password
/// goes by the environment, never on a command line other users can see.
async fn dump_postgres(url: &str, into: &Path) -> Result<(), BackupError> {
    let (address, password) = split_password(url);
    let mut dump = tokio::process::Command::new("pg_dump");
    dump.arg("--format=custom")
        .arg("--no-owner")
        .arg("--file")
        .arg(into)
        .arg("--dbname")
        .arg(&address);
    if let Some(password) = &password {
        dump.env("PGPASSWORD", password);
    }
    run("pg_dump", &mut dump).await?;
    let mut list = tokio::process::Command::new("pg_restore");
    list.arg("--list").arg(into);
    run("pg_restore --list", &mut list).await
}

async fn run(name: &str, command: &mut tokio::process::Command) -> Result<(), BackupError> {
    let output = command
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|error| BackupError::Dump(format!("cannot run {name}: {error}")))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(BackupError::Dump(format!(
            "{name} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )))
    }
}

/// A PostgreSQL URL without its password, and the password (percent-decoded).
fn split_password(url: &str) -> (String, Option<String>) {
    let Some(scheme_end) = url.find("://") else {
        return (url.to_string(), None);
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return (url.to_string(), None);
    };
    let Some((user, password)) = rest[..at].split_once(':') else {
        return (url.to_string(), None);
    };
    (
        format!("{}{user}{}", &url[..scheme_end + 3], &rest[at..]),
        Some(percent_decode(password)),
    )
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap() * 16 + hex(l).unwrap()) as u8);
                i += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn sync_file(path: &Path) -> Result<(), BackupError> {
    File::open(path)
        .and_then(|file| file.sync_all())
        .map_err(file_error("cannot write", path))
}

/// Makes a rename in `folder` survive a power loss (best effort: not every file system lets a
/// folder be synced).
fn sync_folder(folder: &Path) {
    if let Ok(handle) = File::open(folder) {
        let _ = handle.sync_all();
    }
}

/// Deletes the oldest backups in `folder` beyond the newest `kept`. Names sort as time does.
fn prune(folder: &Path, kept: u32) -> Result<Vec<PathBuf>, BackupError> {
    let mut backups: Vec<PathBuf> = std::fs::read_dir(folder)
        .map_err(file_error("cannot list", folder))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.starts_with(PREFIX) && (name.ends_with(".db") || name.ends_with(".dump"))
        })
        .collect();
    backups.sort();
    let excess = backups.len().saturating_sub(kept as usize);
    let removed: Vec<PathBuf> = backups.into_iter().take(excess).collect();
    for old in &removed {
        std::fs::remove_file(old).map_err(file_error("cannot delete", old))?;
    }
    Ok(removed)
}

/// Held by every running site on its SQLite file (a shared lock on `<file>.lock`), so a
/// restore, which needs it alone, can tell that a site has the database open. The operating
/// system lets go of it when the process ends, however it ends.
#[derive(Debug)]
pub struct SiteLock {
    _file: File,
}

impl SiteLock {
    fn path(database: &Path) -> PathBuf {
        let mut name = database.as_os_str().to_owned();
        name.push(".lock");
        PathBuf::from(name)
    }

    fn open(database: &Path) -> std::io::Result<File> {
        if let Some(folder) = database.parent().filter(|f| !f.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder)?;
        }
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(SiteLock::path(database))
    }

    /// A running site's share of the lock (`None` for PostgreSQL or an in-memory database).
    pub fn for_site(database_url: &str) -> std::io::Result<Option<SiteLock>> {
        let Some(database) = sqlite_file(database_url) else {
            return Ok(None);
        };
        let file = SiteLock::open(&database)?;
        file.lock_shared()?;
        Ok(Some(SiteLock { _file: file }))
    }

    /// The whole lock, for a restore; [`BackupError::InUse`] while any site holds its share.
    fn alone(database: &Path) -> Result<SiteLock, BackupError> {
        let file = SiteLock::open(database).map_err(file_error("cannot open", database))?;
        match file.try_lock() {
            Ok(()) => Ok(SiteLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(BackupError::InUse(database.to_path_buf())),
            Err(TryLockError::Error(source)) => Err(BackupError::File {
                what: "cannot lock",
                path: database.to_path_buf(),
                source,
            }),
        }
    }
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct Restored {
    pub database: PathBuf,
    /// Where the database it replaced was moved (with its `-wal` and `-shm`), if there was one.
    pub kept_aside: Option<PathBuf>,
    pub rows: i64,
}

/// Puts the SQLite copy `from` in place of the site's database. The copy is checked first; the
/// database is refused while any site has it open; the file replaced is moved aside, not
/// deleted, so a restore of the wrong file loses nothing either.
pub async fn restore(
    database_url: &SecretUrl,
    from: &Path,
    now: Timestamp,
) -> Result<Restored, BackupError> {
    let database = sqlite_file(database_url.expose()).ok_or(BackupError::NotSqlite)?;
    let check = check_sqlite_file(from).await?;
    let _alone = SiteLock::alone(&database)?;
    let folder = database
        .parent()
        .filter(|f| !f.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let incoming = with_suffix(&database, ".restoring");
    std::fs::copy(from, &incoming).map_err(file_error("cannot copy to", &incoming))?;
    sync_file(&incoming)?;
    let kept_aside = if database.exists() {
        let aside = with_suffix(
            &database,
            &format!(".before-restore-{}", now.hong_kong_file_stamp()),
        );
        for suffix in ["", "-wal", "-shm"] {
            let (current, moved) = (with_suffix(&database, suffix), with_suffix(&aside, suffix));
            if current.exists() {
                std::fs::rename(&current, &moved).map_err(file_error("cannot move", &current))?;
            }
        }
        Some(aside)
    } else {
        None
    };
    std::fs::rename(&incoming, &database).map_err(file_error("cannot name", &database))?;
    sync_folder(&folder);
    Ok(Restored {
        database,
        kept_aside,
        rows: check.total_rows(),
    })
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_leaves_the_url_for_the_environment() {
        assert_eq!(
            split_password("postgres://app:s%40cret@db.example.org:5432/give?sslmode=require"),
            (
                "postgres://app@db.example.org:5432/give?sslmode=require".to_string(),
                Some("s@cret".to_string())
            )
        );
        assert_eq!(
            split_password("postgres://postgres@127.0.0.1:5432/test"),
            ("postgres://postgres@127.0.0.1:5432/test".to_string(), None)
        );
    }

    #[test]
    fn only_the_oldest_backups_beyond_the_number_kept_are_deleted() {
        let folder = tempfile::tempdir().unwrap();
        let names = [
            "sharecare-2026-12-01_010000_000.db",
            "sharecare-2026-12-02_010000_000.db",
            "sharecare-2026-12-03_010000_000.db",
            "notes.txt",
            "sharecare-2026-12-03_020000_000.db.partial",
        ];
        for name in names {
            std::fs::write(folder.path().join(name), b"x").unwrap();
        }
        let removed = prune(folder.path(), 2).unwrap();
        assert_eq!(
            removed,
            vec![folder.path().join("sharecare-2026-12-01_010000_000.db")]
        );
        let mut left: Vec<String> = std::fs::read_dir(folder.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "notes.txt",
                "sharecare-2026-12-02_010000_000.db",
                "sharecare-2026-12-03_010000_000.db",
                "sharecare-2026-12-03_020000_000.db.partial",
            ]
        );
    }

    #[test]
    fn a_site_share_of_the_lock_keeps_a_restore_out_until_it_ends() {
        let folder = tempfile::tempdir().unwrap();
        let database = folder.path().join("site.db");
        let url = format!("sqlite://{}?mode=rwc", database.display());
        let site = SiteLock::for_site(&url).unwrap().expect("a SQLite file");
        let second_site = SiteLock::for_site(&url).unwrap().expect("a SQLite file");
        assert!(matches!(
            SiteLock::alone(&database),
            Err(BackupError::InUse(_))
        ));
        drop(site);
        assert!(matches!(
            SiteLock::alone(&database),
            Err(BackupError::InUse(_))
        ));
        drop(second_site);
        assert!(SiteLock::alone(&database).is_ok());
    }
}
